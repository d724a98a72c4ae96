#!/usr/bin/env bash
# Runs the CLI of two builds on the same invocations and compares stdout, stderr and the exit code.
# usage: bench/cli-compare.sh OLD/dist/cli/main.js NEW/dist/cli/main.js  (every command, format and error path;
# timings, dates and rates masked). Exit 1 when any differs.
old=$(realpath "$1"); new=$(realpath "$2")
F="$(cd "$(dirname "$0")/.." && pwd)/fixtures/cli"
T=$(mktemp -d); cd "$T"
cp $F/* . ; printf 'id\n9007199254740993\n' > big.csv
cases=(
  "aggregate sales.csv -g region --sum amount -f csv"
  "aggregate sales.csv -g region --sum amount --mean amount --min amount --max amount -f json"
  "aggregate sales.csv -g region --count -f ndjson --sort -count,region --limit 2"
  "aggregate sales.csv -g regoin --sum amount"
  "aggregate sales.csv -g region --sum amont"
  "aggregate sales.csv -g region --sum amount --where 'amount > 3' -f csv"
  "aggregate sales.csv -g region --sum amount --where 'amount >' "
  "aggregate sales.csv --chunk-size 0 -g region --count"
  "aggregate sales.csv --chunk-size 8 -w 2 -g region --count -f csv"
  "aggregate sales.csv -w 0 -g region --count"
  "aggregate sales.csv -d ';' --quote ';' -g region --count"
  "aggregate sales.csv --quote , -g region --count"
  "aggregate sales.csv --on-bad-row report -g region --count"
  "aggregate sales.csv --rejects r.csv -g region --count"
  "aggregate bad-number.csv -g region --sum amount"
  "aggregate bad-number.csv -g region --sum amount --on-bad-number skip -f csv"
  "aggregate unclosed-quote.csv --count"
  "aggregate nope.csv --count"
  "aggregate sales.csv --timeout 0 --count"
  "aggregate sales.csv --retries x --count"
  "aggregate sales.csv --count --median amount --p90 amount --distinct region -f csv"
  "stats sales.csv -f csv"
  "stats sales.csv -f json"
  "convert sales.csv --to csv"
  "convert sales.csv --to ndjson --types"
  "convert sales.csv --to json --select region,amount"
  "convert sales.csv --select regoin"
  "convert tabs.tsv -d tab --to ndjson"
  "run sales.csv --task ./region-task.mjs -f json"
  "run sales.csv --task ./throws-task.mjs"
  "run sales.csv --task ./nope.mjs"
  "run sales.csv --task ./log-task.mjs"
  "aggregate big.csv --min id --max id -f csv"
  "aggregate --help"
  "convert --help"
  "stats --help"
  "run --help"
  "submit --help"
  "serve --help"
  "engine --help"
  "worker --help"
  "jobs --help"
  "--help"
  "--version"
  "submit sales.csv --store jobs.db -g region --sum amount"
  "submit sales.csv --store jobs.db --chunk-size 0 -g region --sum amount"
  "jobs list --store jobs.db"
  "bogus"
)
fail=0
for c in "${cases[@]}"; do
  rm -f jobs.db* r.csv
  a=$(eval "node $old $c" 2>&1 < /dev/null; echo "exit $?")
  rm -f jobs.db* r.csv
  b=$(eval "node $new $c" 2>&1 < /dev/null; echo "exit $?")
  # job ids and timings differ between any two runs: mask digits after 'ms' and elapsed fields
  norm() { sed -E 's/[0-9]+(\.[0-9]+)? ?ms\b/N ms/g; s/"elapsedMs":[0-9.]+/"elapsedMs":N/g; s/[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9:.]+Z?/DATE/g; s/[0-9.]+ MB\/s/N MB\/s/g'; }
  if [ "$(echo "$a" | norm)" == "$(echo "$b" | norm)" ]; then echo "same  $c"; else echo "DIFF  $c"; diff <(echo "$a" | norm) <(echo "$b" | norm) | head -10; fail=1; fi
done
rm -rf "$T"
exit $fail
