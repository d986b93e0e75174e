#!/usr/bin/env bash
# The policy benchmark: `strata plan`, `apply` and `status` on one table with 1,000 daily
# partitions over 10 archive servers (11 embedded PostgreSQL servers on this machine).
# Writes bench/results/policy.json and policy.md and prints the Markdown table.
#
#   bench/run-policy.sh [--partitions N] [--servers S]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
partitions=1000
servers=10
while [[ $# -gt 0 ]]; do
  case "$1" in
    --partitions) partitions="$2"; shift 2 ;;
    --servers) servers="$2"; shift 2 ;;
    -h|--help) echo "usage: bench/run-policy.sh [--partitions N] [--servers S]"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
cd "$repo"
bench_build
bench_classpath
revision="$(bench_revision)"
java -Dstrata.bench.revision="$revision" -cp "$classpath" dev.strata.bench.PolicyBenchmark \
  --partitions "$partitions" --servers "$servers" --out "$repo/bench/results"
