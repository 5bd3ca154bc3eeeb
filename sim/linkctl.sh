#!/usr/bin/env bash
# Controls the emulated link of a running fault lab from any shell or test:
#   SIM_NS=<ns> bash sim/linkctl.sh cut|restore|clear|set <wirefilter command...>
# e.g. `set loss 10`, `set delay 100+50`, `set dup 5`, `set bandwidth 100000`.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/link.sh"
cmd=${1:?usage: linkctl.sh cut|restore|clear|set ...}
shift
case $cmd in
  cut | restore | clear | set) "link_$cmd" "$@" ;;
  *) echo "linkctl: unknown command $cmd" >&2; exit 2 ;;
esac
