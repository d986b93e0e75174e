#!/usr/bin/env bash
# The strata serve benchmark: scrape latency and CPU of the service with N daily partitions (90%
# of them foreign, over M archive servers), answered from the snapshot it reads in the background;
# how long that read takes; and the takeover time after kill -9 of the leader, two real
# `strata serve` processes at the default takeover of 15 s, K times. M + 1 embedded PostgreSQL
# servers. Writes bench/results/serve.json and serve.md and prints the Markdown.
#
#   bench/run-serve.sh [--partitions N] [--servers M] [--takeovers K]
#
# Needs Java 17+ and Maven; builds what it needs. Defaults: 1000 partitions, 10 servers, 5 takeovers.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  echo "usage: bench/run-serve.sh [--partitions N] [--servers M] [--takeovers K]"
  echo "  --partitions N  daily partitions of the table, 90% archived (default: 1000)"
  echo "  --servers M     archive servers (default: 10)"
  echo "  --takeovers K   leader kills measured (default: 5)"
}

partitions=1000
servers=10
takeovers=5
while [[ $# -gt 0 ]]; do
  case "$1" in
    --partitions) [[ $# -ge 2 ]] || { usage >&2; exit 2; }; partitions="$2"; shift 2 ;;
    --servers) [[ $# -ge 2 ]] || { usage >&2; exit 2; }; servers="$2"; shift 2 ;;
    --takeovers) [[ $# -ge 2 ]] || { usage >&2; exit 2; }; takeovers="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
bench_require_whole_number --partitions "$partitions"
bench_require_whole_number --servers "$servers"
bench_require_whole_number --takeovers "$takeovers"

cd "$repo"
bench_build
bench_snapshot_classpath
revision="$(bench_revision)"
java -Dstrata.bench.revision="$revision" -cp "$classpath" dev.strata.bench.ServeBenchmark \
  --partitions "$partitions" --servers "$servers" --takeovers "$takeovers" --out "$repo/bench/results"
