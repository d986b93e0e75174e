#!/usr/bin/env bash
# The shard benchmark: a shard of N rows moved online (logical replication) and in freeze mode
# while clients write into it and into another shard, against INSERT ... SELECT through
# postgres_fdw; and a rebalance of 8 shards from 2 servers to 4. Six embedded PostgreSQL servers.
# Writes bench/results/shard.json and shard.md and prints the Markdown.
#
#   bench/run-shard.sh [--rows N]
#
# Needs Java 17+ and Maven; builds what it needs. Default 1,000,000 rows (about 3 minutes on 2
# cores).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bench_rows_option run-shard.sh "rows in the moved shard, and in the rebalanced table" 1000000 "$@"

cd "$repo"
bench_build
bench_snapshot_classpath
revision="$(bench_revision)"
java -Dstrata.bench.revision="$revision" -cp "$classpath" dev.strata.bench.ShardBenchmark --rows "$rows" --out "$repo/bench/results"
