#!/usr/bin/env bash
# Builds bench/target/benchmarks.jar and runs the benchmarks in one JMH run.
#
#   bench/run.sh [quick|full|studies] [include-regex] [-- extra RunBenchmarks options, e.g. --prof gc]
#
# quick (default): 1 fork, short iterations, every benchmark but the long studies, for checking.
# full: the iterations the benchmark classes declare (3 forks), for published figures; run it on a quiet machine.
# studies: the long WAL/checkpoint studies (group commit, 64 writers, replay, checkpoints, recovery), 1 fork.
# Results: bench/results/<profile>-<UTC timestamp>/ with jmh.json, results.md, latency/*.hlog and run.log.
# The JDK is found like ./mvnw finds it (.mvn/jdk.sh). Run one benchmark process at a time.
set -euo pipefail
bench=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$bench/.." && pwd)
# shellcheck source=../.mvn/jdk.sh
source "$root/.mvn/jdk.sh"
shardwal_find_jdk || exit 1

profile=${1:-quick}
include=${2:-}
shift $(( $# > 2 ? 2 : $# ))
[[ ${1:-} == "--" ]] && shift
case $profile in
  quick|full|studies) ;;
  *) echo "usage: bench/run.sh [quick|full|studies] [include-regex] [-- RunBenchmarks options]" >&2; exit 2 ;;
esac

(cd "$root" && ./mvnw -q -pl bench -am package -DskipTests)

stamp=$(date -u +%Y%m%dT%H%M%SZ)
out="$bench/results/$profile-$stamp"
data="$bench/target/bench-data"
mkdir -p "$out" "$data"
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n $(git -C "$root" status --porcelain 2>/dev/null) ]]; then commit="$commit (with uncommitted changes)"; fi
command="bench/run.sh $profile${include:+ '$include'}${*:+ -- $*}"

cd "$root"
"$JAVA_HOME/bin/java" -cp "$bench/target/benchmarks.jar" io.shardwal.bench.RunBenchmarks "$profile" "$include" \
  --out "$out" --data "$data" --command "$command" --commit "$commit" "$@" 2>&1 | tee "$out/run.log"
