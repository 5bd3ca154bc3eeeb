#!/usr/bin/env bash
# Our C sources must be formatted with the repository's .clang-format.
cd "$(dirname "$0")/.." || exit 1
files=$(git ls-files 'app/*.c' 'app/*.h' 'board/*.c' 'board/*.h' 'drivers/*.c' 'drivers/*.h' \
  'port/*.c' 'port/*.h' 'tests/*.c' 'bench/*.c' | grep -v 'app/gen/model_data')
[ -z "$files" ] && exit 0
clang-format --dry-run -Werror $files
