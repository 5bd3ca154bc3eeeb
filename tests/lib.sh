# Shared by the test tier scripts: each tier records "<tier> <passed> <failed>" in
# $RESULTS so that tests/run_all.sh can print one closing line for all of them.
RESULTS=${RESULTS:-$PWD/build/test-results.txt}
mkdir -p "$(dirname "$RESULTS")"

record() { # tier passed failed
  echo "$1 $2 $3" >>"$RESULTS"
  printf '== %-10s %4d passed, %d failed\n' "$1" "$2" "$3"
}

# Count cmocka's summary lines in a log: adds to the globals P and F.
count_cmocka() {
  local log=$1 p f
  p=$(grep -E '^\[  PASSED  \] [0-9]+ test' "$log" | awk '{s+=$4} END{print s+0}')
  f=$(grep -E '^\[  FAILED  \] [0-9]+ test' "$log" | awk '{s+=$4} END{print s+0}')
  P=$((P + p)); F=$((F + f))
}

# Count node --test (TAP reporter) summary lines: "# pass N" / "# fail N"; a test cancelled
# (its promise never settled, the file timed out) is a failure too. A run killed
# before its summary (a timeout) counts the top-level results it printed, and one failure
# for the death, so that a hung file can never make a tier look clean.
count_node() {
  local log=$1 p f
  if grep -qE '^# pass [0-9]+' "$log"; then
    p=$(grep -E '^# pass [0-9]+' "$log" | awk '{s+=$3} END{print s+0}')
    f=$(grep -E '^# (fail|cancelled) [0-9]+' "$log" | awk '{s+=$3} END{print s+0}')
  else
    p=$(grep -cE '^ok [0-9]+' "$log")
    f=$(($(grep -cE '^not ok [0-9]+' "$log") + 1))
    echo "  node's run ended before its summary (killed?): $p passed, $f failed counted"
  fi
  P=$((P + p)); F=$((F + f))
}

# What each failing node test said (its TAP YAML block up to the stack: message, expected,
# actual), indented, so that a CI log explains itself.
node_failures() {
  awk '/^ *not ok/ { p = 1 } p && /^ *(stack:|\.\.\.)/ { p = 0 } p' "$1" | head -n 60 | sed 's/^/  /'
}

# Count a plain "N passed, N failed" closing line (our python tests, pytest -q).
count_plain() {
  local log=$1 p f
  p=$(grep -Eo '[0-9]+ passed' "$log" | tail -n 1 | awk '{print $1+0}')
  f=$(grep -Eo '[0-9]+ failed' "$log" | tail -n 1 | awk '{print $1+0}')
  P=$((P + ${p:-0})); F=$((F + ${f:-0}))
}
