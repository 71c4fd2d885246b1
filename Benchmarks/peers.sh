#!/usr/bin/env bash
# repro against Snakemake on one DAG, side by side on this machine (not CI).
#
# Installs Snakemake (SNAKEMAKE_VERSION, default 9.27.1) into a scratch virtual
# environment from the package index this machine reaches, generates the
# engine-bench DAG (a binary fan-out tree of trivial `cat` stages from one
# source, then one stage reading every leaf) as both a pipeline.yaml and a
# Snakefile, and runs the two tools alternated, ROUNDS times (default 5):
# cold (sandboxed and --no-sandbox for repro), no-op, and status / dry run.
# Prints wall and CPU medians and the ratios Snakemake / repro.
#
# Also prints how busy the machine's cores were during the cold runs (from
# /proc/stat, so the kernel's own work for namespaces, which is charged to no
# process, is counted).
#
# Usage: Benchmarks/peers.sh [STAGES] [ROUNDS]      (STAGES default 500)
# Needs the release binary: swift build -c release --product repro
set -euo pipefail
cd "$(dirname "$0")/.."
stages=${1:-500}
rounds=${2:-5}
version=${SNAKEMAKE_VERSION:-9.27.1}
repro=${REPRO_BIN:-$PWD/.build/release/repro}  # REPRO_BIN: another build, to compare two side by side
[ -x "$repro" ] || { echo "peers.sh: build the CLI first: swift build -c release --product repro" >&2; exit 1; }

scratch=${TMPDIR:-/tmp}/repro-peers
venv=$scratch/venv
if [ ! -x "$venv/bin/snakemake" ]; then
  echo "installing snakemake $version into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "snakemake==$version"
fi
snakemake=$venv/bin/snakemake

work=$scratch/dag-$stages
rm -rf "$work"
mkdir -p "$work/repro" "$work/snakemake"
# One description of the DAG, written in both tools' terms.
python3 - "$stages" "$work" <<'EOF'
import sys
n, work = int(sys.argv[1]), sys.argv[2]
first_leaf = (n - 1) // 2
def deps(i):
    if i == 0: return ["src.txt"]
    if i < n - 1: return [f"out/{(i - 1) // 2}.txt"]
    return [f"out/{j}.txt" for j in range(first_leaf, n - 1)]
y = ["stages:"]
s = []
for i in range(n):
    d = deps(i)
    cmd = f"cat {' '.join(d)} > out/{i}.txt"
    y += [f"  s{i}:", "    kind: shell", "    params:", f'      argv: [sh, -c, "{cmd}"]',
          f"    deps: [{', '.join(d)}]", f"    outs: [out/{i}.txt]"]
    s += [f"rule s{i}:", f"    input: {', '.join(repr(x) for x in d)}", f"    output: 'out/{i}.txt'", f"    shell: {cmd!r}", ""]
s = ["rule all:", f"    input: 'out/{n - 1}.txt'", ""] + s
open(f"{work}/repro/pipeline.yaml", "w").write("\n".join(y) + "\n")
open(f"{work}/snakemake/Snakefile", "w").write("\n".join(s) + "\n")
for t in ("repro", "snakemake"):
    open(f"{work}/{t}/src.txt", "w").write("seed\n")
EOF

# Busy and total jiffies of all CPUs, from /proc/stat.
jiffies() { awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t }' /proc/stat; }
# One timed command: "wall cpu busy" in seconds (children's user + system, via GNU time) and the share
# of all cores busy meanwhile (whoever was charged).
measure() {
  local b0 t0 b1 t1
  read -r b0 t0 < <(jiffies)
  /usr/bin/time -f "%e %U %S" "$@" > /dev/null 2> "$work/last.err" || { cat "$work/last.err" >&2; echo "peers.sh: $* failed" >&2; exit 1; }
  read -r b1 t1 < <(jiffies)
  # GNU time writes its line last on stderr.
  tail -n 1 "$work/last.err" | awk -v b=$((b1 - b0)) -v t=$((t1 - t0)) '{ printf "%s %.3f %.3f\n", $1, $2 + $3, (t > 0 ? b / t : 0) }'
}
repro_cold()   { rm -rf "$work/repro/.repro" "$work/repro/repro.lock" "$work/repro/out"; measure "$repro" all -C "$work/repro" -j 2 -q "$@"; }
snake_cold()   { rm -rf "$work/snakemake/.snakemake" "$work/snakemake/out"; measure "$snakemake" -d "$work/snakemake" -s "$work/snakemake/Snakefile" -j 2 --quiet all; }
repro_noop()   { measure "$repro" all -C "$work/repro" -q; }
snake_noop()   { measure "$snakemake" -d "$work/snakemake" -s "$work/snakemake/Snakefile" -j 2 --quiet all; }
repro_status() { measure "$repro" status -C "$work/repro"; }
snake_dry()    { measure "$snakemake" -d "$work/snakemake" -s "$work/snakemake/Snakefile" -n --quiet all; }

declare -A wall cpu busy
add() { wall[$1]+="$2 "; cpu[$1]+="$3 "; busy[$1]+="$4 "; }
echo "peers: $stages stages, $rounds rounds alternated, $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs"
for r in $(seq "$rounds"); do
  read -r w c b < <(repro_cold);               add repro_cold "$w" "$c" "$b"
  read -r w c b < <(snake_cold);               add snake_cold "$w" "$c" "$b"
  read -r w c b < <(repro_cold --no-sandbox);  add repro_bare "$w" "$c" "$b"
done
sleep 3  # outputs past the stat cache's racy window, as in real use
# The first no-op decides (parses, keys every stage) and writes .repro/uptodate.repro.lock; the next ones answer from it.
read -r w c b < <(repro_noop); add repro_first "$w" "$c" "$b"
for r in $(seq "$rounds"); do
  read -r w c b < <(repro_noop);   add repro_noop "$w" "$c" "$b"
  read -r w c b < <(snake_noop);   add snake_noop "$w" "$c" "$b"
  read -r w c b < <(repro_status); add repro_status "$w" "$c" "$b"
  read -r w c b < <(snake_dry);    add snake_dry "$w" "$c" "$b"
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
row() {  # label, repro key, snakemake key
  local rw rc sw sc
  rw=$(echo "${wall[$2]}" | median); rc=$(echo "${cpu[$2]}" | median)
  if [ -n "$3" ]; then
    sw=$(echo "${wall[$3]}" | median); sc=$(echo "${cpu[$3]}" | median)
    printf "%-28s repro %7.3f s wall %7.3f s CPU | snakemake %7.3f s wall %7.3f s CPU | %5.1fx\n" "$1" "$rw" "$rc" "$sw" "$sc" "$(echo "$sw / $rw" | bc -l)"
  else
    printf "%-28s repro %7.3f s wall %7.3f s CPU\n" "$1" "$rw" "$rc"
  fi
}
for k in repro_cold repro_bare snake_cold; do
  printf "%-28s cores busy %4.0f%% (median, all processes and the kernel)\n" "$k" "$(echo "100 * $(echo "${busy[$k]}" | median)" | bc -l)"
done
row "cold, sandboxed, -j 2" repro_cold snake_cold
row "cold, --no-sandbox, -j 2" repro_bare snake_cold
row "first no-op (decides)" repro_first snake_noop
row "no-op" repro_noop snake_noop
row "status / snakemake -n" repro_status snake_dry
