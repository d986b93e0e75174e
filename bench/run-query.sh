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
if ! [[ "$rows" =~ ^[0-9]+$ ]]; then
  echo "--rows takes a whole number, not '$rows'" >&2
  exit 2
fi

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

echo "Building strata-bench and the modules it needs ..."
# `package` also writes strata-bench/target/bench-classpath.txt (maven-dependency-plugin's
# build-classpath, bound in strata-bench/pom.xml), resolved in this same reactor build, so the
# class path points at this checkout's strata-core and strata-testkit jars.
mvn -q -B -DskipTests -Dspotless.check.skip=true package -pl strata-bench -am
# The run takes minutes; copy this checkout's build outputs aside first, so a concurrent build
# (another `mvn package` replacing strata-core's jar) cannot pull classes away from under the
# running JVM. Entries from the local Maven repository are used in place.
snapshot="$(mktemp -d "${TMPDIR:-/tmp}/strata-query-classpath.XXXXXX")"
trap 'rm -rf "$snapshot"' EXIT
cp -r strata-bench/target/classes "$snapshot/strata-bench-classes"
classpath="$snapshot/strata-bench-classes"
IFS=: read -r -a entries <<< "$(cat strata-bench/target/bench-classpath.txt)"
for entry in "${entries[@]}"; do
  if [[ "$entry" == "$repo"/* ]]; then
    copy="$snapshot/$(echo "${entry#"$repo"/}" | tr '/' '_')"
    cp -r "$entry" "$copy"
    classpath="$classpath:$copy"
  else
    classpath="$classpath:$entry"
  fi
done

results="$repo/bench/results"
java -cp "$classpath" dev.strata.bench.QueryBenchmark --rows "$rows" ${extra[@]+"${extra[@]}"} --out "$results"

echo
cat "$results/query.md"
