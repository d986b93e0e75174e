#!/usr/bin/env bash
# The mirror benchmark: a customers table of N rows on a crm server, copied to a coordinator by
# seed 003's own materialized view (a hand-made foreign table, plain REFRESH) and by Strata's
# mirror modes: matview, table and incremental refreshes with no change and after 1% changed, a
# replica's lag under a steady insert load, and readers during a refresh. Two embedded PostgreSQL
# servers. Writes bench/results/mirror.json and mirror.md and prints the Markdown.
#
#   bench/run-mirror.sh [--rows N]
#
# Needs Java 17+ and Maven; builds what it needs. Default 1,000,000 rows.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bench_rows_option run-mirror.sh "rows in the source table" 1000000 "$@"

cd "$repo"
bench_build
bench_snapshot_classpath
revision="$(bench_revision)"
java -Dstrata.bench.revision="$revision" -cp "$classpath" dev.strata.bench.MirrorBenchmark --rows "$rows" --out "$repo/bench/results"
