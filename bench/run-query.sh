#!/usr/bin/env bash
# The cross-tier query benchmark: seed 000's layout at scale (emp with 2025 local on main, 2023
# and 2024 on two archive servers, N rows a year), the seed's per-year aggregate and a filtered
# scan, through the seed's foreign-server settings and through Strata's defaults. Writes
# bench/results/query.json and query.md and prints the Markdown.
#
#   bench/run-query.sh [--rows N] [--runs N]
#
# Needs Java 17+ and Maven; builds what it needs. N rows defaults to 1,000,000 per year.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  echo "usage: bench/run-query.sh [--rows N] [--runs N]"
  echo "  --rows N  rows per year, three years on three servers (default 1000000)"
  echo "  --runs N  measured runs per query and configuration (default 7)"
}

rows=1000000
extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rows) [[ $# -ge 2 ]] || { usage >&2; exit 2; }; rows="$2"; shift 2 ;;
    --rows=*) rows="${1#*=}"; shift ;;
    --runs) [[ $# -ge 2 ]] || { usage >&2; exit 2; }; extra+=(--runs "$2"); shift 2 ;;
    --runs=*) extra+=(--runs "${1#*=}"); shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
bench_require_whole_number --rows "$rows"

cd "$repo"
bench_build
# The run takes minutes; see bench_snapshot_classpath.
bench_snapshot_classpath
revision="$(bench_revision)"

results="$repo/bench/results"
java -Dstrata.bench.revision="$revision" -cp "$classpath" dev.strata.bench.QueryBenchmark --rows "$rows" ${extra[@]+"${extra[@]}"} --out "$results"

echo
cat "$results/query.md"
