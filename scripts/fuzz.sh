#!/usr/bin/env bash
# Fuzzes the pipeline parser and the lock reader with libFuzzer for SECONDS in
# all (half each), starting from Fuzz/seeds plus the project's own pipeline.yaml
# and repro.lock. Builds the Fuzz/ package into .build-fuzz (kept apart from
# the normal build). Exits non-zero if either target crashes, hangs (-timeout)
# or exceeds its memory limit; the input that did it is left in
# .build-fuzz/artifacts/ — add it to Fuzz/regressions/<target>/ so the tests
# replay it (Tests/EngineTests/HostileFuzzRegressionTests.swift).
# Usage: scripts/fuzz.sh SECONDS [extra libFuzzer flags, e.g. -jobs=2]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:?usage: scripts/fuzz.sh SECONDS}
shift
root=$PWD
scratch=$root/.build-fuzz

mkdir -p "$scratch"
build=(swift build --package-path Fuzz --scratch-path "$scratch" -c release --sanitize=fuzzer -Xswiftc -g)
# The log only on failure: see Fuzz/Package.swift for the plugin tool's harmless errors.
if ! "${build[@]}" >"$scratch/build.log" 2>&1; then
  tail -n 60 "$scratch/build.log"
  echo "fuzz: the build failed" >&2
  exit 1
fi
bin=$("${build[@]}" --show-bin-path)

status=0
for target in pipeline lock; do
  corpus=$scratch/corpus/$target
  mkdir -p "$corpus" "$scratch/artifacts"
  cp Fuzz/seeds/$target/* Fuzz/regressions/$target/* "$corpus"/ 2>/dev/null || true
  if [ "$target" = pipeline ]; then
    cp pipeline.yaml "$corpus/project-pipeline.yaml"
    maxlen=65536
  else
    cp repro.lock "$corpus/project-repro.lock"
    maxlen=65536
  fi
  echo "== fuzz-$target for $((seconds / 2)) s"
  log=$scratch/fuzz-$target.log
  # 2 GB and 10 s per input: the parser's own limits must refuse anything costlier.
  rc=0
  "$bin/fuzz-$target" "$corpus" -dict=Fuzz/seeds/$target.dict -max_total_time=$((seconds / 2)) \
    -rss_limit_mb=2048 -timeout=10 -max_len=$maxlen -print_final_stats=1 \
    -artifact_prefix="$scratch/artifacts/$target-" "$@" >"$log" 2>&1 || rc=$?
  if [ "$rc" != 0 ]; then
    tail -n 120 "$log"
    status=1
  else
    grep -E "^#[0-9]+.*DONE|^stat::number_of_executed_units|^stat::peak_rss_mb|^Done" "$log" || tail -n 5 "$log"
  fi
done
if [ "$status" != 0 ]; then
  echo "fuzz: a target failed; reproducers in $scratch/artifacts/" >&2
fi
exit "$status"
