#!/usr/bin/env bash
# Runs every jcstress test in a bounded mode and exits non-zero on any FORBIDDEN outcome
# or test error. Build the jar first:
#
#   mvn -q -pl jcstress-tests -am package -DskipTests
#   jcstress-tests/run.sh                          # all tests: sanity mode, 200 ms per iteration
#   JCSTRESS_MODE=quick JCSTRESS_TIME=1000 jcstress-tests/run.sh   # a deeper run
#   jcstress-tests/run.sh -t RateLimiter           # extra arguments go to jcstress
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
jar="$here/target/jcstress.jar"
results="$here/target/jcstress-results"
if [[ ! -f "$jar" ]]; then
  echo "jcstress: $jar is missing; build it with: mvn -q -pl jcstress-tests -am package -DskipTests" >&2
  exit 2
fi
rm -rf "$results"
mkdir -p "$results"
log="$results/console.txt"
mode="${JCSTRESS_MODE:-sanity}"
time_ms="${JCSTRESS_TIME:-200}"
echo "jcstress: mode $mode, $time_ms ms per iteration, java $(java -version 2>&1 | head -1)"
set +e
# The progress lines are noise in a CI log: keep them in the file only.
# jcstress drops a binary result file in its working directory: run it inside target.
(cd "$results" && java -jar "$jar" -m "$mode" -time "$time_ms" -r "$results" "$@") > "$log" 2>&1
status=$?
set -e
sed -n '/^RUN RESULTS:/,$p' "$log" | grep -v '^Exception in thread' | head -200
# jcstress 0.16 exits 1 on a FORBIDDEN outcome; the report is checked as well, so that a
# failure can never pass silently, and a run that matched no test is a failure too.
if ! grep -q 'Failed tests: No matches' "$log" || ! grep -q 'Error tests: No matches' "$log"; then
  [[ $status -eq 0 ]] && status=1
fi
if grep -q 'All remaining tests: No matches' "$log" && grep -q 'Interesting tests: No matches' "$log" \
   && grep -q 'Failed tests: No matches' "$log"; then
  echo "jcstress: no test ran" >&2
  status=1
fi
echo "jcstress: exit $status (full log and HTML report in $results)"
exit "$status"
