#!/usr/bin/env bash
# Integration test of the Slurm executor against a real three-node Slurm
# (scripts/slurm-cluster-up.sh: slurmctld here, slurmd node1..3 each in its own
# network namespace; stopped at the end, also when a check fails):
#   1. a small pipeline run through Slurm gives the same lock and outputs,
#      byte for byte, as a local run; a rerun sends nothing to the cluster;
#   2. a failing job is reported with its log, the lock untouched for it;
#   3. a job cancelled with scancel is reported, the lock untouched for it;
#   4. a cell-sharded sweep (fig4's shape, reduced: one ode-sweep stage per
#      (|mu|, d, weights) cell, gathered by concat) goes as job arrays over the
#      nodes, ends identical to a local run, and a rerun submits nothing;
#   5. killing a node mid-run makes its tasks NODE_FAIL; they are resubmitted
#      to the other nodes and the run still ends identical;
#   6. Ctrl-C (SIGINT to repro) cancels the whole array and leaves the lock untouched.
# Every sbatch and scancel goes through a wrapper on PATH that counts them.
# Usage: scripts/slurm-integration-test.sh [REPRO_BINARY]   (needs root)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repro="${1:-$here/.build/release/repro}"
[[ -x "$repro" ]] || { echo "build repro first (swift build -c release --product repro)" >&2; exit 1; }
repro="$(cd "$(dirname "$repro")" && pwd)/$(basename "$repro")"
work=$(mktemp -d)
cleanup() { scancel --user=root 2>/dev/null || true; "$here/scripts/slurm-cluster-down.sh"; rm -rf "$work"; }
trap cleanup EXIT
"$here/scripts/slurm-cluster-up.sh"
pass=0; fail=0
check() { if eval "$2"; then echo "ok    $1"; pass=$((pass + 1)); else echo "FAIL  $1"; fail=$((fail + 1)); fi; }

# Wrappers that log each submission and cancellation (with a timestamp) before calling Slurm's own.
mkdir -p "$work/bin"
for tool in sbatch scancel; do
  real=$(command -v $tool)
  printf '#!/bin/sh\necho "$(date +%%s.%%N) $*" >> %q\nexec %q "$@"\n' "$work/$tool.calls" "$real" > "$work/bin/$tool"
  chmod +x "$work/bin/$tool"
done
export PATH="$work/bin:$PATH"
calls() { wc -l < "$work/$1.calls" 2>/dev/null || echo 0; }

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
check "the three ready count stages went as one array" "grep -q -- '--array=0-2%64 .*--job-name=repro:count@n=1+2' '$work/sbatch.calls' || grep -q -- '--job-name=repro:count@n=1+2 .*--array=0-2%64' '$work/sbatch.calls'"
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

# fig4's sweep, cell by cell: 2 |mu| x 3 d x 2 weight modes = 12 cells, few seeds.
write_sweep() {  # $1 = dir
  mkdir -p "$1"
  cat > "$1/pipeline.yaml" <<'YAML'
executor:
  poll_seconds: 0.2
  time: "00:05:00"
  retries: 2
stages:
  cell:
    kind: ode-sweep
    matrix:
      mu: [2.0, 3.5]
      d: [2, 10, 50]
      w: [fixed, trainable]
    params:
      target: {mu: ["${mu}"]}
      d: ["${d}"]
      weights: ["${w}"]
      init: {tau: 1, seeds: {from: 0, count: 6}}
      end_times: [100, 400]
    outs: ["cells/collapse-mu${mu}-d${d}-${w}.csv"]
  collapse:
    kind: concat
    deps: [cell@*]
    outs: [collapse.csv]
YAML
}
sweep_outputs() { (cd "$1" && ls cells/*.csv collapse.csv); }
same_as_local() {  # $1 = dir: lock and every output byte-identical to the local sweep
  cmp -s "$work/sweep-local/repro.lock" "$1/repro.lock" || return 1
  for f in $(sweep_outputs "$work/sweep-local"); do cmp -s "$work/sweep-local/$f" "$1/$f" || return 1; done
}
# The last job id Slurm has a record of (0 if none).
last_job() { scontrol -o show job 2>/dev/null | grep -o '^JobId=[0-9]*' | cut -d= -f2 | sort -n | tail -1 | grep . || echo 0; }
# Nodes the tasks of this run ran on: from .repro/runs.jsonl, else from Slurm's job records after job $2.
nodes_used() {  # $1 = dir, $2 = last job id before the run
  if [[ -s "$1/.repro/runs.jsonl" ]]; then
    grep '"executor":"slurm"' "$1/.repro/runs.jsonl" | grep -o '"host":"[^"]*"' | sort -u | wc -l
  else
    scontrol -o show job | awk -v after="$2" '{ split($1, kv, "="); if (kv[2] + 0 > after + 0) for (i = 1; i <= NF; i++) if ($i ~ /^BatchHost=/) print $i }' \
      | sort -u | wc -l
  fi
}

echo "== 4. a cell-sharded sweep as job arrays over three nodes"
write_sweep "$work/sweep-local"; write_sweep "$work/sweep"
"$repro" all -C "$work/sweep-local" -q
first=$(last_job)
before=$(calls sbatch)
"$repro" all -C "$work/sweep" --executor slurm > "$work/sweep.out" 2>&1 || { tail -30 "$work/sweep.out"; false; }
sweep_calls=$(( $(calls sbatch) - before ))
check "the 13 stages went as 2 submissions ($sweep_calls)" "[[ $sweep_calls -eq 2 ]]"
check "the cells went as one array of 12 tasks" "tail -n $sweep_calls '$work/sbatch.calls' | grep -q -- '--array=0-11%64'"
check "lock and outputs identical to the local run" "same_as_local '$work/sweep'"
check "the tasks ran on more than one node ($(nodes_used "$work/sweep" "$first"))" "[[ $(nodes_used "$work/sweep" "$first") -ge 2 ]]"
before=$(calls sbatch)
"$repro" all -C "$work/sweep" --executor slurm > "$work/sweep-rerun.out"
check "a rerun submits nothing" "[[ $(calls sbatch) -eq $before ]] && grep -q '13 up to date' '$work/sweep-rerun.out'"

echo "== 5. a node dies mid-run"
write_sweep "$work/sweep-kill"
"$repro" all -C "$work/sweep-kill" --executor slurm > "$work/kill.out" 2>&1 &
pid=$!
# Kill node2 as soon as a stage's code runs there (its exec-stage process is in node2's namespace).
running_on_node2() {
  local p
  for p in $(ip netns pids repro-node2 2>/dev/null); do
    [[ "$(cat /proc/$p/comm 2>/dev/null)" == repro && " $(tr '\0' ' ' < /proc/$p/cmdline 2>/dev/null)" == *" exec-stage "* ]] && return 0
  done
  return 1
}
victim=no
for _ in $(seq 1 1500); do
  if running_on_node2; then victim=yes; break; fi
  sleep 0.02
done
check "a stage runs on node2" "[[ $victim == yes ]]"
"$here/scripts/slurm-cluster-kill-node.sh" 2
set +e; wait $pid; code=$?; set -e
check "the run succeeds (exit $code)" "[[ $code -eq 0 ]]"
check "the lost task is reported NODE_FAIL and resubmitted" "grep -q 'ended NODE_FAIL on node2 (attempt 1 of 3): resubmitting' '$work/kill.out'"
check "lock and outputs identical to the local run" "same_as_local '$work/sweep-kill'"
if [[ -s "$work/sweep-kill/.repro/runs.jsonl" ]]; then
  check "the run log records the NODE_FAIL attempt and the retry" \
    "grep -q '\"state\":\"NODE_FAIL\"' '$work/sweep-kill/.repro/runs.jsonl' && grep '\"attempt\":2' '$work/sweep-kill/.repro/runs.jsonl' | grep -vq '\"host\":\"node2\"'"
fi
echo "-- repro log of this run: the lost attempt and its retry"
"$repro" log -C "$work/sweep-kill" | awk 'NR == 1 || /NODE_FAIL/ || $5 == 2' || true
"$here/scripts/slurm-cluster-up.sh" --node 2

echo "== 6. Ctrl-C cancels the whole array"
cp "$work/sweep/repro.lock" "$work/sweep-lock.before"
before=$(calls scancel)
"$repro" all -C "$work/sweep" --executor slurm --force > "$work/int.out" 2>&1 &
pid=$!
array=""
for _ in $(seq 1 300); do
  array=$(squeue -h -r -t RUNNING -o '%i %j' | awk '$2 ~ /^repro:cell/ {split($1, a, "_"); print a[1]; exit}')
  [[ -n "$array" ]] && break; sleep 0.1
done
check "the array started" "[[ -n '$array' ]]"
kill -INT $pid
set +e; wait $pid; code=$?; set -e
check "exit code 130" "[[ $code -eq 130 ]]"
check "repro cancelled the array with scancel" "[[ $(calls scancel) -gt $before ]] && tail -n 1 '$work/scancel.calls' | grep -q ' $array\$'"
for _ in $(seq 1 25); do [[ -z "$(squeue -h -u root)" ]] && break; sleep 0.2; done
check "nothing is left in the queue" "[[ -z \"\$(squeue -h -u root)\" ]]"
check "no task of the array is still pending or running" "! scontrol -o show job '$array' | grep -qE 'JobState=(PENDING|RUNNING)'"
check "the lock is untouched" "cmp -s '$work/sweep-lock.before' '$work/sweep/repro.lock'"

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
