# Shared by bench/run-archive.sh, run-query.sh, run-policy.sh, run-shard.sh and run-mirror.sh
# (sourced, not run): how the benchmarks are built, which classes they run and which revision they
# record, in one place, so the results files can be compared on the same terms.
#
# Sets $repo, the checkout's root. Call the functions after changing into it.

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Exits 2 with a message unless VALUE, given for OPTION, is a whole number.
#   bench_require_whole_number OPTION VALUE
bench_require_whole_number() {
  if ! [[ "$2" =~ ^[0-9]+$ ]]; then
    echo "$1 takes a whole number, not '$2'" >&2
    exit 2
  fi
}

# The one option of the benchmarks that take a table size: `bench_rows_option SCRIPT MEANING
# DEFAULT "$@"` prints the usage for -h, refuses anything else, and sets $rows.
bench_rows_option() {
  local script="$1" meaning="$2"
  rows="$3"
  shift 3
  local usage="usage: bench/$script [--rows N]
  --rows N   $meaning (default: $rows)"
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --rows) [[ $# -ge 2 ]] || { echo "$usage" >&2; exit 2; }; rows="$2"; shift 2 ;;
      --rows=*) rows="${1#*=}"; shift ;;
      -h|--help) echo "$usage"; exit 0 ;;
      *) echo "unknown argument: $1" >&2; echo "$usage" >&2; exit 2 ;;
    esac
  done
  bench_require_whole_number --rows "$rows"
}

# Builds strata-bench and the modules it needs. `package` also writes
# strata-bench/target/bench-classpath.txt (maven-dependency-plugin's build-classpath, bound in
# strata-bench/pom.xml), resolved in this same reactor build, so the class path points at this
# checkout's strata-core and strata-testkit jars, never at older copies in the local Maven
# repository.
bench_build() {
  echo "Building strata-bench and the modules it needs ..."
  mvn -q -B -DskipTests -Dspotless.check.skip=true package -pl strata-bench -am
}

# Sets $classpath to the build outputs of this checkout, used in place.
bench_classpath() {
  classpath="strata-bench/target/classes:$(cat strata-bench/target/bench-classpath.txt)"
}

# Sets $classpath to a copy of this checkout's build outputs, deleted when the script exits, for
# runs that take long: a concurrent build (another `mvn package` replacing strata-core's jar)
# cannot pull classes away from under the running JVM. Entries from the local Maven repository
# are used in place.
bench_snapshot_classpath() {
  snapshot="$(mktemp -d "${TMPDIR:-/tmp}/strata-query-classpath.XXXXXX")"
  trap 'rm -rf "$snapshot"' EXIT
  cp -r strata-bench/target/classes "$snapshot/strata-bench-classes"
  classpath="$snapshot/strata-bench-classes"
  local entries entry copy
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
}

# Prints which engine is measured: the commit, marked when strata-core or strata-testkit have
# local changes. STRATA_BENCH_REVISION overrides it (e.g. when running from an exported tree).
# The benchmarks receive it as -Dstrata.bench.revision and record it with their figures.
bench_revision() {
  local revision="${STRATA_BENCH_REVISION:-}"
  if [[ -z "$revision" ]]; then
    revision="$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    if [[ "$revision" != unknown \
          && -n "$(git -C "$repo" status --porcelain -- strata-core strata-testkit 2>/dev/null)" ]]; then
      revision="$revision+local-changes"
    fi
  fi
  echo "$revision"
}
