#!/bin/bash
# The CPU a fleet run costs, two builds against each other and the limit, without the disk: the
# tenants are copied to tmpfs (/dev/shm), where fsync costs nothing, so a run is CPU-bound and its
# user+system time is the code's, not the shared disk's (on the 2-core VM the limit's disk-bound
# wall time moved 15-42 s from run to run). Interleaved: each round runs the limit, then
# `strata fleet migrate` of each build, each on a fresh copy. Needs bench/fleet.ts's cache
# (bench/.work/fleet/cache-N, N >= the count asked) and each build's dist/.
#
#   bench/fleet-cpu.sh /work/base . 5000 4      # builds, targets, rounds (concurrency: C=4)
set -eu
HERE=$(cd "$(dirname "$0")/.." && pwd)
A=$(cd "$1" && pwd); B=$(cd "$2" && pwd); N=${3:-5000}; ROUNDS=${4:-3}; C=${C:-4}
CACHE=""
best=0
for cache in "$HERE"/bench/.work/fleet/cache-*; do
  size=${cache##*cache-}
  if [ "$size" -gt "$best" ]; then best=$size; CACHE=$cache; fi
done
if [ "$best" -lt "$N" ]; then echo "no fleet cache of $N tenants: run bench/fleet.ts --n $N first" >&2; exit 1; fi
WORK=/dev/shm/strata-fleet-cpu-$$
trap 'rm -rf "$WORK"' EXIT
fresh() {
  rm -rf "$WORK"; mkdir -p "$WORK/t"
  find "$CACHE" -name '*.db' | sort | head -"$N" | xargs cp -t "$WORK/t/"
  cp -r "$HERE/bench/.work/fleet/migrations" "$WORK/migrations"
}
for round in $(seq 1 "$ROUNDS"); do
  echo "round $round, load $(cut -d' ' -f1-3 /proc/loadavg)"
  fresh
  /usr/bin/time -f "  limit  %e s wall, %U s user, %S s system" node "$HERE/bench/fleet-limit.mjs" "$WORK/t" "$WORK/migrations"
  for build in "$A" "$B"; do
    fresh
    (cd "$WORK" && /usr/bin/time -f "  $build  %e s wall, %U s user, %S s system" \
      node "$build/dist/cli/main.cjs" fleet migrate --targets 't/*.db' --dir migrations --concurrency "$C" --no-backup --json > "$WORK/summary.json")
    node -e "const s = JSON.parse(require('node:fs').readFileSync('$WORK/summary.json', 'utf8')); if (s.migrated !== $N) throw new Error('migrated ' + s.migrated + ' of $N')"
  done
done
