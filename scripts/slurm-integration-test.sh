#!/usr/bin/env bash
# Integration test of the Slurm executor against a real single-node Slurm
# (started by scripts/slurm-up.sh, stopped at the end):
#   1. a small pipeline run through Slurm gives the same lock and outputs,
#      byte for byte, as a local run; a rerun sends nothing to the cluster;
#   2. a failing job is reported with its log, the lock untouched for it;
#   3. a job cancelled with scancel is reported, the lock untouched for it.
# Usage: scripts/slurm-integration-test.sh [REPRO_BINARY]   (needs root)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repro="${1:-$here/.build/release/repro}"
[[ -x "$repro" ]] || { echo "build repro first (swift build -c release --product repro)" >&2; exit 1; }
"$here/scripts/slurm-up.sh"
work=$(mktemp -d)
cleanup() { scancel --user=root 2>/dev/null || true; "$here/scripts/slurm-down.sh"; rm -rf "$work"; }
trap cleanup EXIT
pass=0; fail=0
check() { if eval "$2"; then echo "ok    $1"; pass=$((pass + 1)); else echo "FAIL  $1"; fail=$((fail + 1)); fi; }

write_pipeline() {  # $1 = dir
  mkdir -p "$1/data"
  printf 'alpha\n' > "$1/data/a.txt"; printf 'beta\n' > "$1/data/b.txt"
  cat > "$1/pipeline.yaml" <<'YAML'
executor:
  poll_seconds: 0.2
  time: "00:05:00"
stages:
  join:
    kind: shell
    params: {argv: [sh, -c, "cat data/a.txt data/b.txt > out/join.txt"]}
    deps: [data/a.txt, data/b.txt]
    outs: [out/join.txt]
  count:
    kind: shell
    matrix: {n: [1, 2, 3]}
    params: {argv: [sh, -c, "for i in $(seq ${n}); do cat out/join.txt; done | wc -l > out/count-${n}.txt"]}
    deps: [out/join.txt]
    outs: ["out/count-${n}.txt"]
  summary:
    kind: shell
    resources: {cpus_per_task: 1, mem: 100M}
    params: {argv: [sh, -c, "cat out/count-1.txt out/count-2.txt out/count-3.txt > out/summary.txt"]}
    deps: [out/count-1.txt, out/count-2.txt, out/count-3.txt]
    outs: [out/summary.txt]
YAML
}

echo "== 1. Slurm run vs local run"
write_pipeline "$work/local"; write_pipeline "$work/slurm"
"$repro" all -C "$work/local" -q
"$repro" all -C "$work/slurm" -q --executor slurm | tee "$work/slurm.out"
check "the Slurm run submitted jobs" "grep -q 'submitted as Slurm job' '$work/slurm.out'"
check "identical repro.lock" "cmp -s '$work/local/repro.lock' '$work/slurm/repro.lock'"
for f in out/join.txt out/count-1.txt out/count-2.txt out/count-3.txt out/summary.txt; do
  check "identical $f" "cmp -s '$work/local/$f' '$work/slurm/$f'"
done
"$repro" all -C "$work/slurm" --executor slurm > "$work/rerun.out"
check "a rerun sends nothing to the cluster" "! grep -q 'submitted' '$work/rerun.out' && grep -q '5 up to date' '$work/rerun.out'"
printf 'gamma\n' > "$work/slurm/data/b.txt"; "$repro" all -C "$work/slurm" -q > /dev/null
printf 'beta\n' > "$work/slurm/data/b.txt"
"$repro" all -C "$work/slurm" --executor slurm > "$work/restore.out"
check "cache hits are resolved before submitting" "! grep -q 'submitted' '$work/restore.out' && grep -q 'restored from cache' '$work/restore.out'"

echo "== 2. a failing job"
cp "$work/slurm/repro.lock" "$work/lock.before"
cat >> "$work/slurm/pipeline.yaml" <<'YAML'
  broken:
    kind: shell
    params: {argv: [sh, -c, "echo the node says no >&2; exit 7"]}
    deps: [out/summary.txt]
    outs: [out/broken.txt]
YAML
set +e; "$repro" all -C "$work/slurm" --executor slurm > "$work/fail.out" 2>&1; code=$?; set -e
check "exit code 1" "[[ $code -eq 1 ]]"
check "the failed job is named with its state" "grep -q 'Slurm job [0-9]* ended FAILED' '$work/fail.out'"
check "its log tail is shown" "grep -q 'the node says no' '$work/fail.out'"
check "the lock is untouched" "cmp -s '$work/lock.before' '$work/slurm/repro.lock'"
check "no output was written" "[[ ! -e '$work/slurm/out/broken.txt' ]]"

echo "== 3. a job cancelled with scancel"
sed -i 's/echo the node says no >&2; exit 7/sleep 120; echo late > out\/broken.txt/' "$work/slurm/pipeline.yaml"
"$repro" all -C "$work/slurm" --executor slurm > "$work/cancel.out" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  job=$(squeue -h -t RUNNING -o '%i %j' | awk '$2 == "repro:broken" {print $1}')
  [[ -n "$job" ]] && break; sleep 0.2
done
check "the job started" "[[ -n '${job:-}' ]]"
scancel "$job"
set +e; wait $pid; code=$?; set -e
check "exit code 1" "[[ $code -eq 1 ]]"
check "the cancellation is reported" "grep -q 'ended CANCELLED' '$work/cancel.out'"
check "the lock is untouched" "cmp -s '$work/lock.before' '$work/slurm/repro.lock'"
check "no output was written" "[[ ! -e '$work/slurm/out/broken.txt' ]]"

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
