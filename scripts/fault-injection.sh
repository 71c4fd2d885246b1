#!/usr/bin/env bash
# Fault injection: kills repro with SIGKILL at random moments of a 50-stage
# run (20 times) and of a run that restores everything from the cache (10
# times). After each kill it checks that
#   - no process of the killed run survives (none holds the project lock),
#   - the next `repro all` starts at once (it never waits for the lock) and converges,
#   - `repro verify` passes and repro.lock is identical to an undisturbed run's.
# Usage: scripts/fault-injection.sh [REPRO_BINARY] [SEED]    (prints "N passed, N failed")
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${1:-$here/.build/release/repro}"
seed="${2:-$(( $(date +%s) % 32768 ))}"
RANDOM=$seed
[[ -x "$bin" ]] || { echo "fault-injection: no repro binary at $bin (swift build -c release --product repro)" >&2; exit 2; }
echo "fault-injection: binary $bin, seed $seed (rerun with the same seed to replay)"

work=$(mktemp -d)
trap 'pkill -KILL -f "$marker" 2>/dev/null; rm -rf "$work"' EXIT
marker="fault-injection-$$-$seed"

# 50 stages: a binary tree from one source file (each stage a short sleep, so
# that kills land inside stages, during installs and between them) and a final
# fan-in of the leaves.
make_project() {
  local dir=$1 n=50 first_leaf=$(( (50 - 1) / 2 ))
  mkdir -p "$dir"
  echo seed > "$dir/src.txt"
  {
    echo "stages:"
    for ((i = 0; i < n; i++)); do
      if ((i == 0)); then deps="src.txt"
      elif ((i < n - 1)); then deps="out/$(( (i - 1) / 2 )).txt"
      else deps=$(for ((j = first_leaf; j < n - 1; j++)); do printf 'out/%d.txt ' "$j"; done); fi
      printf '  s%d:\n    kind: shell\n    params:\n      argv: [sh, -c, "sleep 0.0%d; cat %s > out/%d.txt; echo %d >> out/%d.txt; : %s"]\n' \
        "$i" $(( i % 7 + 1 )) "$deps" "$i" "$i" "$i" "$marker"
      printf '    deps: [%s]\n    outs: [out/%d.txt]\n' "$(echo $deps | sed 's/ /, /g')" "$i"
    done
  } > "$dir/pipeline.yaml"
}

make_project "$work/reference"
start=$(date +%s%N)
"$bin" all -C "$work/reference" -j 2 -q > /dev/null || { echo "fault-injection: the undisturbed run failed" >&2; exit 1; }
cold_ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "undisturbed cold run: $cold_ms ms"

passed=0
failed=0
fail() { echo "  FAILED: $*"; failed=$((failed + 1)); }

one_kill() {
  local label=$1 dir=$2 delay_ms=$3
  "$bin" all -C "$dir" -j 2 -q > "$work/killed.log" 2>&1 &
  local pid=$!
  sleep "$(awk -v ms="$delay_ms" 'BEGIN { printf "%.3f", ms / 1000 }')"
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  # The killed run's stage processes must be gone at once (they die with repro).
  local t=0
  while pgrep -f "$marker" > /dev/null && ((t < 10)); do sleep 0.1; t=$((t + 1)); done
  if pgrep -f "$marker" > /dev/null; then fail "$label: a stage of the killed run outlived it: $(pgrep -af "$marker" | head -2)"; return; fi
  # The next run must take the lock at once and converge.
  local s=$(date +%s%N)
  if ! timeout 60 "$bin" all -C "$dir" -j 2 > "$work/next.log" 2>&1; then fail "$label: the next run did not converge: $(tail -3 "$work/next.log")"; return; fi
  if grep -q "waiting for it to finish" "$work/next.log"; then fail "$label: the next run waited for the lock"; return; fi
  if ! "$bin" verify -C "$dir" > "$work/verify.log" 2>&1; then fail "$label: verify failed: $(tail -3 "$work/verify.log")"; return; fi
  if ! cmp -s "$dir/repro.lock" "$work/reference/repro.lock"; then fail "$label: repro.lock differs from an undisturbed run's"; return; fi
  echo "  ok: $label (killed after $delay_ms ms; next run $(( ($(date +%s%N) - s) / 1000000 )) ms)"
  passed=$((passed + 1))
}

echo "== 20 kills during a cold run"
for ((k = 1; k <= 20; k++)); do
  dir="$work/cold-$k"
  make_project "$dir"
  one_kill "cold run, kill $k" "$dir" $(( RANDOM % cold_ms + 1 ))
  rm -rf "$dir"
done

echo "== 10 kills during restores from the cache"
dir="$work/restore"
make_project "$dir"
"$bin" all -C "$dir" -j 2 -q > /dev/null
for ((k = 1; k <= 10; k++)); do
  rm -rf "$dir/out"                    # outputs gone, cache kept: the next run restores all 50
  start=$(date +%s%N)
  "$bin" all -C "$dir" -j 2 -q > /dev/null
  restore_ms=$(( ($(date +%s%N) - start) / 1000000 ))
  rm -rf "$dir/out"
  one_kill "restore, kill $k" "$dir" $(( RANDOM % (restore_ms > 1 ? restore_ms : 1) + 1 ))
done

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
