#!/usr/bin/env bash
# The archive benchmark: seed's method vs postgres_fdw batch_size 1000 vs a raw COPY relay vs
# `strata archive`, plus the parent's lock window during the swap, on two embedded PostgreSQL
# servers. Writes bench/results/archive.json and archive.md and prints the Markdown table.
#
#   bench/run-archive.sh [--rows N] [--seed-rows N]
#
# Needs Java 17+ and Maven; builds what it needs. N defaults to 1,000,000.
set -euo pipefail

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
if ! [[ "$rows" =~ ^[0-9]+$ ]]; then
  echo "--rows takes a whole number, not '$rows'" >&2
  exit 2
fi

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

echo "Building strata-bench and the modules it needs ..."
# `package` also writes strata-bench/target/bench-classpath.txt (maven-dependency-plugin's
# build-classpath, bound in strata-bench/pom.xml), resolved in this same reactor build, so the
# class path points at this checkout's strata-core and strata-testkit jars, never at older copies
# in the local Maven repository.
mvn -q -B -DskipTests -Dspotless.check.skip=true package -pl strata-bench -am
classpath="strata-bench/target/classes:$(cat strata-bench/target/bench-classpath.txt)"

# Which engine was measured: the commit, marked when strata-core or strata-testkit have local
# changes. STRATA_BENCH_REVISION overrides it (e.g. when running from an exported tree).
revision="${STRATA_BENCH_REVISION:-}"
if [[ -z "$revision" ]]; then
  revision="$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  if [[ "$revision" != unknown \
        && -n "$(git -C "$repo" status --porcelain -- strata-core strata-testkit 2>/dev/null)" ]]; then
    revision="$revision+local-changes"
  fi
fi

results="$repo/bench/results"
java -Dstrata.bench.revision="$revision" -cp "$classpath" dev.strata.bench.ArchiveBenchmark --rows "$rows" ${extra[@]+"${extra[@]}"} --out "$results"

echo
cat "$results/archive.md"
