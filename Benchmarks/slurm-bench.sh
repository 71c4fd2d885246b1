#!/usr/bin/env bash
# The Slurm coordinator's overhead: time from `repro all` starting to its last
# sbatch, for 1 000 trivial stages ready at once (-j 1000), submitted as job
# arrays against 1 000 single submissions (`arrays: false`), alternated.
#   --fake     (default) sbatch/squeue/scontrol are instant stand-ins that
#              complete every task at once: the coordinator's own cost.
#   --cluster  the three-node Slurm of scripts/slurm-cluster-up.sh (needs
#              root; started and stopped here): adds slurmctld's cost per
#              submission. Each run is cancelled (Ctrl-C) once everything is
#              submitted, so the nodes do not have to run 1 000 tasks.
# Usage: Benchmarks/slurm-bench.sh [--fake|--cluster] [REPRO_BINARY] [ROUNDS]   (not in CI)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mode=--fake
if [[ "${1:-}" == --fake || "${1:-}" == --cluster ]]; then mode=$1; shift; fi
repro="${1:-$here/.build/release/repro}"
rounds="${2:-2}"
[[ -x "$repro" ]] || { echo "build repro first (swift build -c release --product repro)" >&2; exit 1; }
repro="$(cd "$(dirname "$repro")" && pwd)/$(basename "$repro")"
work=$(mktemp -d)
n=${SLURM_BENCH_STAGES:-1000}
cleanup() {
  if [[ $mode == --cluster ]]; then scancel --user=root 2>/dev/null || true; "$here/scripts/slurm-cluster-down.sh"; fi
  [[ -n "${KEEP:-}" ]] || rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/bin"

if [[ $mode == --fake ]]; then
  # Instant Slurm: every task ends COMPLETED at once, its output written by "sbatch".
  cat > "$work/bin/sbatch" <<'SH'
#!/bin/sh
d=$(dirname "$0")
echo "$(date +%s.%N)" >> "$d/../sbatch.calls"
for a; do script=$a; done
dir=$(dirname "$script")
job=$(( 100 + $(basename "$dir" | sed 's/.*-//') ))  # unique: repro numbers its submissions
array=no; for a; do case $a in --array=*) array=yes;; esac; done
sed -n '2,$p' "$dir/index.json" | sed '$d' | awk -v job=$job -v array=$array -v recs="$d/job-$job" '{
  match($0, /"staging":"[^"]*"/); staging = substr($0, RSTART + 11, RLENGTH - 12)
  match($0, /"stage":"[^"]*"/); stage = substr($0, RSTART + 9, RLENGTH - 10)
  split(stage, kv, "="); system("mkdir -p \"" staging "/out\" && echo " kv[2] " > \"" staging "/out/" kv[2] ".txt\"")
  if (array == "yes") print "JobId=" job + 1 + NR " ArrayJobId=" job " ArrayTaskId=" NR - 1 " JobState=COMPLETED ExitCode=0:0 BatchHost=fake" > recs
  else print "JobId=" job " JobState=COMPLETED ExitCode=0:0 BatchHost=fake" > recs
}'
echo $job
SH
  printf '#!/bin/sh\nexit 0\n' > "$work/bin/squeue"
  printf '#!/bin/sh\ncat "$(dirname "$0")/job-$4"\n' > "$work/bin/scontrol"
  printf '#!/bin/sh\nexit 0\n' > "$work/bin/scancel"
else
  "$here/scripts/slurm-cluster-up.sh"
  real=$(command -v sbatch)
  printf '#!/bin/sh\necho "$(date +%%s.%%N)" >> %q\nexec %q "$@"\n' "$work/sbatch.calls" "$real" > "$work/bin/sbatch"
fi
chmod +x "$work/bin"/*
export PATH="$work/bin:$PATH"

pipeline() {  # $1 = dir, $2 = arrays (true/false)
  mkdir -p "$1"
  { printf 'executor:\n  poll_seconds: 0.5\n  arrays: %s\nstages:\n  t:\n    kind: shell\n    matrix:\n      n: [' "$2"
    seq -s ', ' 0 $((n - 1)) | tr -d '\n'
    printf ']\n    params: {argv: [sh, -c, "echo ${n} > out/${n}.txt"]}\n    outs: ["out/${n}.txt"]\n'; } > "$1/pipeline.yaml"
}

# Seconds from start to the last of the $n stages' submissions.
measure() {  # $1 = arrays (true/false)
  local dir="$work/run-$1-$RANDOM" start last pid tasks
  pipeline "$dir" "$1"
  : > "$work/sbatch.calls"
  start=$(date +%s.%N)
  "$repro" all -C "$dir" -q -j $n --keep-going --executor slurm > "$dir.out" 2>&1 &
  pid=$!
  if [[ $mode == --cluster ]]; then
    # Submitted: every stage's "submitted as Slurm job" line.
    for _ in $(seq 1 1200); do
      tasks=$(grep -c 'submitted as Slurm job' "$dir.out" || true)
      [[ $tasks -ge $n ]] && break; sleep 0.25
    done
    kill -INT $pid
  fi
  wait $pid || true
  tasks=$(grep -c 'submitted as Slurm job' "$dir.out" || true)
  [[ $tasks -eq $n ]] || { echo "slurm-bench: only $tasks of $n stages were submitted; log:" >&2; tail -20 "$dir.out" >&2; exit 1; }
  last=$(sort -n "$work/sbatch.calls" | tail -1)
  echo "$(echo "$last - $start" | bc -l) $(wc -l < "$work/sbatch.calls")"
  if [[ $mode == --cluster ]]; then
    for _ in $(seq 1 100); do [[ -z "$(squeue -h -u root)" ]] && break; sleep 0.3; done
  fi
  rm -rf "$dir"
}

echo "slurm-bench ($mode): $n trivial stages ready at once, -j $n; seconds from start to the last sbatch"
for r in $(seq 1 "$rounds"); do
  read -r a acalls < <(measure true)
  read -r s scalls < <(measure false)
  printf 'round %d: arrays %.2f s (%d sbatch calls)   single jobs %.2f s (%d sbatch calls)   ratio %.1f\n' \
    "$r" "$a" "$acalls" "$s" "$scalls" "$(echo "$s / $a" | bc -l)"
done
