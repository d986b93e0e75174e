#!/usr/bin/env bash
# The archive benchmark: seed's method vs postgres_fdw batch_size 1000 vs a raw COPY relay vs
# `strata archive` and `strata move`, plus the swap's stall under a write-and-read load, on three
# embedded PostgreSQL servers. Writes bench/results/archive-SIZE.json and .md for each size
# (archive-1m, archive-5m) and prints the Markdown tables.
#
#   bench/run-archive.sh [--rows N] [--seed-rows N]
#
# Needs Java 17+ and Maven; builds what it needs. Without --rows it runs 1,000,000 and then
# 5,000,000 rows (about 15 minutes on 2 cores); --rows N runs that size only.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  echo "usage: bench/run-archive.sh [--rows N] [--seed-rows N]"
  echo "  --rows N       rows per measured partition (default: 1000000, then 5000000)"
  echo "  --seed-rows N  rows for the seed's batch_size 1 method (default min(100000, N))"
}

sizes=(1000000 5000000)
extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rows) [[ $# -ge 2 ]] || { usage >&2; exit 2; }; sizes=("$2"); shift 2 ;;
    --rows=*) sizes=("${1#*=}"); shift ;;
    --seed-rows) [[ $# -ge 2 ]] || { usage >&2; exit 2; }; extra+=(--seed-rows "$2"); shift 2 ;;
    --seed-rows=*) extra+=(--seed-rows "${1#*=}"); shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
for rows in "${sizes[@]}"; do
  bench_require_whole_number --rows "$rows"
done

cd "$repo"
bench_build
bench_snapshot_classpath
revision="$(bench_revision)"

results="$repo/bench/results"
for rows in "${sizes[@]}"; do
  java -Dstrata.bench.revision="$revision" -cp "$classpath" dev.strata.bench.ArchiveBenchmark --rows "$rows" ${extra[@]+"${extra[@]}"} --out "$results"
done

for rows in "${sizes[@]}"; do
  # The name ArchiveReport.name gives a size: archive-1m, archive-20k, archive-1234.
  if (( rows % 1000000 == 0 )); then name="archive-$((rows / 1000000))m"
  elif (( rows % 1000 == 0 )); then name="archive-$((rows / 1000))k"
  else name="archive-$rows"; fi
  echo
  cat "$results/$name.md"
done
