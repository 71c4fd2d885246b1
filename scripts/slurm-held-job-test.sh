#!/usr/bin/env bash
# Issue 26, part 2, on the real three-node Slurm (scripts/slurm-cluster-up.sh):
# a job held in the queue (`sbatch --hold`, then `scontrol release`) while
#   1. a param of its stage changes in pipeline.yaml, then
#   2. the content of one of its deps changes,
# is refused by `repro exec-stage` on the node (the key it recomputes differs
# from the one the task carries): the stage fails with the mismatch message,
# naming what changed, and nothing enters the cache, the lock or the remote.
# A rerun computes the new key and succeeds.
# Usage: scripts/slurm-held-job-test.sh [REPRO_BINARY]   (needs root)
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

p="$work/project"; remote="$work/remote"
mkdir -p "$p/data" "$remote"
printf 'hello\n' > "$p/data/in.txt"
write_pipeline() {  # $1 = the word the stage appends, $2 = sbatch_args
  cat > "$p/pipeline.yaml" <<YAML
executor:
  poll_seconds: 0.2
  time: "00:05:00"
  sbatch_args: [$2]
remote:
  url: file://$remote
  push: on-success
stages:
  s:
    kind: shell
    params: {argv: [sh, -c, "cat data/in.txt > out/a.txt; echo $1 >> out/a.txt"]}
    deps: [data/in.txt]
    outs: [out/a.txt]
YAML
}
state() {  # what may not change when a task is refused: the lock's entries, run records, remote
  { grep '"key"' "$p/repro.lock" 2>/dev/null; find "$p/.repro/cache" "$remote" -type f 2>/dev/null | sort; true; } | sha256sum
}
held_run() {  # $1 = label, $2 = the change made while the job is held
  local before; before=$(state)
  "$repro" all -C "$p" --executor slurm > "$work/$1.out" 2>&1 &
  local pid=$! job=""
  for _ in $(seq 1 150); do
    job=$(squeue -h -t PENDING -o '%i %r' | awk '$2 ~ /Held/ {print $1; exit}')
    [[ -n "$job" ]] && break; sleep 0.2
  done
  check "$1: the job is held in the queue" "[[ -n '$job' ]]"
  eval "$2"
  scontrol release "$job"
  set +e; wait $pid; code=$?; set -e
  cat "$work/$1.out"
  check "$1: the stage failed (exit 1)" "[[ $code -eq 1 ]]"
  check "$1: the node refused the task for a key mismatch" "grep -q 'refused to run it: stage .s. was submitted with key' '$work/$1.out'"
  check "$1: nothing entered the cache, the lock or the remote" "[[ '$before' == \"\$(state)\" ]]"
}

echo "== 1. a param changes while the job is held"
write_pipeline one '"--hold"'
held_run param "sed -i 's/echo one/echo two/' '$p/pipeline.yaml'"
check "param: the message names the param, old and new" "grep -q 'params changed: argv\[2\]' '$work/param.out' && grep -q 'echo one' '$work/param.out' && grep -q 'echo two' '$work/param.out'"
check "param: no output was written" "[[ ! -e '$p/out/a.txt' ]]"
write_pipeline two ''
"$repro" all -C "$p" --executor slurm > "$work/rerun1.out" 2>&1
check "param: a rerun succeeds with the new param" "[[ \"\$(cat '$p/out/a.txt')\" == \$'hello\ntwo' ]] && \"$repro\" verify -C '$p' > /dev/null"

echo "== 2. a dep changes while the job is held"
write_pipeline three '"--hold"'
held_run dep "printf 'changed\n' > '$p/data/in.txt'"
check "dep: the message names the dep" "grep -q 'input changed: data/in.txt' '$work/dep.out'"
check "dep: the previous output is untouched" "[[ \"\$(cat '$p/out/a.txt')\" == \$'hello\ntwo' ]]"
write_pipeline three ''
"$repro" all -C "$p" --executor slurm > "$work/rerun2.out" 2>&1
check "dep: a rerun succeeds with the new content" "[[ \"\$(cat '$p/out/a.txt')\" == \$'changed\nthree' ]] && \"$repro\" verify -C '$p' > /dev/null"

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
