#!/usr/bin/env bash
# The archive benchmark: seed's method vs postgres_fdw batch_size 1000 vs a raw COPY relay vs
# `strata archive`, plus the parent's lock window during the swap, on two embedded PostgreSQL
# servers. Writes bench/results/archive.json and archive.md and prints the Markdown table.
#
#   bench/run-archive.sh [--rows N] [--seed-rows N]
#
# Needs Java 17+ and Maven; builds what it needs. N defaults to 1,000,000.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  echo "usage: bench/run-archive.sh [--rows N] [--seed-rows N]"
  echo "  --rows N       rows per measured partition (default 1000000)"
  echo "  --seed-rows N  rows for the seed's batch_size 1 method (default min(100000, N))"
}

rows=1000000
extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rows) [[ $# -ge 2 ]] || { usage >&2; exit 2; }; rows="$2"; shift 2 ;;
    --rows=*) rows="${1#*=}"; shift ;;
    --seed-rows) [[ $# -ge 2 ]] || { usage >&2; exit 2; }; extra+=(--seed-rows "$2"); shift 2 ;;
    --seed-rows=*) extra+=(--seed-rows "${1#*=}"); shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
bench_require_whole_number --rows "$rows"

cd "$repo"
bench_build
bench_classpath
revision="$(bench_revision)"

results="$repo/bench/results"
java -Dstrata.bench.revision="$revision" -cp "$classpath" dev.strata.bench.ArchiveBenchmark --rows "$rows" ${extra[@]+"${extra[@]}"} --out "$results"

echo
cat "$results/archive.md"
