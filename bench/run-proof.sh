#!/usr/bin/env bash
# The proof suite and its report: runs the network-fault tests, the concurrency ledgers (partition
# moves and shard moves), the PostgreSQL version matrix and the bad-input corpus, then writes
# docs/reliability.md from what they recorded under each module's target/proof/.
#
#   bench/run-proof.sh [--versions 14,15,16,17,18]
#
# Needs Java 17+ and Maven; fetches the older PostgreSQL binaries the matrix needs. Takes about
# 20-30 minutes on 2 cores.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  echo "usage: bench/run-proof.sh [--versions LIST]"
  echo "  --versions LIST  PostgreSQL majors of the version matrix (default: 14,15,16,17,18)"
}

versions=14,15,16,17,18
while [[ $# -gt 0 ]]; do
  case "$1" in
    --versions) [[ $# -ge 2 ]] || { usage >&2; exit 2; }; versions="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
if ! [[ "$versions" =~ ^[0-9]+(,[0-9]+)*$ ]]; then
  echo "--versions takes a comma-separated list of majors, e.g. 14,16,18; not '$versions'" >&2
  exit 2
fi

cd "$repo"
rm -rf strata-testkit/target/proof strata-core/target/proof strata-cli/target/proof
echo "Running the proof suites (faults, ledgers, version matrix on $versions, bad inputs) ..."
mvn -B -Dspotless.check.skip=true -Dexcluded.test.groups=none "-Dstrata.pg=$versions" \
  -Dsurefire.failIfNoSpecifiedTests=false \
  "-Dtest=FaultProxyTest,*FaultTest,ConcurrencyLedgerTest,ShardLedgerTest,*MatrixTest,MixedVersionsTest,BadInputCorpusTest" \
  test -pl strata-testkit,strata-core,strata-cli -am
bench_build
bench_classpath
revision="$(bench_revision)"
java -cp "$classpath" dev.strata.bench.ProofReport --out docs/reliability.md --revision "$revision" \
  --command "bench/run-proof.sh --versions $versions" \
  strata-testkit/target/proof strata-core/target/proof strata-cli/target/proof
