#!/usr/bin/env bash
# The adopt benchmark: `strata adopt` vs pg_partman's documented method for partitioning an
# existing table, run by hand, each on its own copy of an N-row table while four writers insert
# and update. Total time, rows/s and the longest writer stall. Writes bench/results/adopt.json
# and adopt.md and prints the Markdown.
#
#   bench/run-adopt.sh [--rows N]
#
# Needs Java 17+ and Maven; builds what it needs. Default 5,000,000 rows (about 10 minutes on 2
# cores).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bench_rows_option run-adopt.sh "rows of the adopted table" 5000000 "$@"

cd "$repo"
bench_build
bench_snapshot_classpath
revision="$(bench_revision)"
results="$repo/bench/results"
java -Dstrata.bench.revision="$revision" -cp "$classpath" dev.strata.bench.AdoptBenchmark \
  --rows "$rows" --out "$results"
echo
cat "$results/adopt.md"
