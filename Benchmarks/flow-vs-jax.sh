#!/usr/bin/env bash
# flow-vs-jax.sh: RealNVP reverse-KL training steps/s of repro's flow-bench and
# of the same model in JAX (float64, jit, XLA single-threaded), side by side
# on one core, alternating the two tools REPS times so that both see the same
# machine. Not part of CI: it downloads JAX (into a scratch virtual
# environment outside the repository) from the package index pip reaches.
#
#     Benchmarks/flow-vs-jax.sh            # REPS=3 RUN_SECONDS=3 CORE=<last CPU>
#     REPS=5 RUN_SECONDS=2 CORE=0 Benchmarks/flow-vs-jax.sh
#
# Per configuration it prints each tool's fastest step and its mean rate over
# the run by wall time and by CPU time, each the best over the REPS runs, and
# repro / JAX for all three. On a shared machine the fastest step and the CPU
# time (which does not count the time other processes hold the core) are the
# figures to compare. BENCH=path runs that flow-bench binary instead of
# building one (e.g. an older build, for before/after); REPRO_FLOW_KERNELS=
# portable makes flow-bench use its portable (AVX2) kernels; KERNEL_PATHS=
# "portable avx512" runs flow-bench once per path in each run (a table each).
# PRECISION=single trains flow-bench in single precision and JAX in float32
# (jax_enable_x64 off); PRECISION=mixed, flow-bench in single and JAX in
# float64 (the double-precision bar).
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${REPS:-3}
SECONDS_PER=${RUN_SECONDS:-3}
CORE=${CORE:-$(($(nproc) - 1))}
KERNEL_PATHS=${KERNEL_PATHS:-default}
PRECISION=${PRECISION:-double}
case "$PRECISION" in
    double) BENCH_PRECISION=double; JAX_X64=1 ;;
    single) BENCH_PRECISION=single; JAX_X64=0 ;;
    mixed) BENCH_PRECISION=single; JAX_X64=1 ;;
    *) echo "PRECISION must be double, single or mixed" >&2; exit 2 ;;
esac
export JAX_X64
VENV=${VENV:-${TMPDIR:-/tmp}/repro-flow-vs-jax-venv}
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/flow-vs-jax.XXXXXX")
trap 'rm -rf "$SCRATCH"' EXIT

# The configurations of flow-bench, in its order: d:hidden:batch.
CONFIGS="2:64:512 32:128:512 2:64:256 4:64:256 8:64:256 16:64:256 32:64:256"

if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import jax" 2>/dev/null; then
    echo "installing jax into $VENV ..." >&2
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --upgrade pip >&2
    "$VENV/bin/pip" install --quiet jax >&2
fi
echo "jax $("$VENV/bin/python" -c 'import jax; print(jax.__version__)'), core $CORE, $REPS runs of $SECONDS_PER s per tool and configuration, precision $PRECISION (flow-bench $BENCH_PRECISION, JAX x64=$JAX_X64)" >&2

if [ -z "${BENCH:-}" ]; then
    swift build -c release --product flow-bench >&2
    BENCH=$(swift build -c release --show-bin-path)/flow-bench
fi

cat > "$SCRATCH/realnvp_jax.py" <<'PYTHON'
"""RealNVP reverse-KL training in JAX (float64, jit), the same model and step
as Sources/Flows: 8 affine couplings, conditioner k -> H -> H -> 2m (tanh),
s = tanh(s_hat), x_t = z_t * exp(s) + t, loss E[log N(z) - log|det| - log p(x)]
for p the two-Gaussian mixture (|mu| = 4), Adam 1e-3, a fresh normal batch per
step. Prints, per configuration, the fastest step, the mean over the run by
wall time and by the process's CPU time, in steps/s: `config I: best B mean M
cpu C`.

Usage: python realnvp_jax.py SECONDS DIM:HIDDEN:BATCH ...
"""
import os
import sys
import time

import jax

X64 = os.environ.get("JAX_X64", "1") == "1"
jax.config.update("jax_enable_x64", X64)
import jax.numpy as jnp
import numpy as np

DTYPE = jnp.float64 if X64 else jnp.float32


def conditioning_sets(d, layers, rng):
    if d == 2:
        return [[l % 2] for l in range(layers)]
    sets = []
    while len(sets) < layers:
        subset = sorted(rng.choice(d, d // 2, replace=False).tolist())
        sets.append(subset)
        if len(sets) < layers:
            sets.append([i for i in range(d) if i not in subset])
    return sets


def make(d, hidden, batch, layers=8, mu=4.0):
    rng = np.random.default_rng(1)
    sets = conditioning_sets(d, layers, rng)
    trans = [[i for i in range(d) if i not in c] for c in sets]
    params = []
    for c, t in zip(sets, trans):
        widths = [len(c), hidden, hidden, 2 * len(t)]
        layer = []
        for j in range(3):
            fan_in = d if j == 0 else widths[j]
            sd = 0.01 / np.sqrt(widths[j]) if j == 2 else 1 / np.sqrt(fan_in)
            layer.append((jnp.asarray(sd * rng.standard_normal((widths[j], widths[j + 1]))),
                          jnp.zeros(widths[j + 1])))
        params.append(layer)
    mu_plus = jnp.zeros(d).at[0].set(mu)
    log2pi = np.log(2 * np.pi)

    def flow(params, z):
        x, logdet = z, jnp.zeros(z.shape[0])
        for layer, c, t in zip(params, sets, trans):
            h = x[:, c]
            for j, (w, b) in enumerate(layer):
                h = h @ w + b
                if j < 2:
                    h = jnp.tanh(h)
            m = len(t)
            s = jnp.tanh(h[:, :m])
            x = x.at[:, t].set(x[:, t] * jnp.exp(s) + h[:, m:])
            logdet = logdet + s.sum(axis=1)
        return x, logdet

    def log_p(x):
        lp = -0.5 * ((x - mu_plus) ** 2).sum(1) - 0.5 * d * log2pi + np.log(0.5)
        lm = -0.5 * ((x + mu_plus) ** 2).sum(1) - 0.5 * d * log2pi + np.log(0.5)
        return jnp.logaddexp(lp, lm)

    def loss(params, z):
        x, logdet = flow(params, z)
        base = -0.5 * (z ** 2).sum(1) - 0.5 * d * log2pi
        return (base - logdet - log_p(x)).mean()

    def step(state, key):
        params, m, v, t = state
        key, sub = jax.random.split(key)
        z = jax.random.normal(sub, (batch, d), dtype=DTYPE)
        value, g = jax.value_and_grad(loss)(params, z)
        t = t + 1
        m = jax.tree_util.tree_map(lambda m, g: 0.9 * m + 0.1 * g, m, g)
        v = jax.tree_util.tree_map(lambda v, g: 0.999 * v + 0.001 * g * g, v, g)
        c1, c2 = 1 / (1 - 0.9 ** t), 1 / (1 - 0.999 ** t)
        params = jax.tree_util.tree_map(
            lambda p, m, v: p - 1e-3 * (m * c1) / (jnp.sqrt(v * c2) + 1e-8), params, m, v)
        return (params, m, v, t), key, value

    zeros = jax.tree_util.tree_map(jnp.zeros_like, params)
    state = (params, zeros, zeros, jnp.asarray(0.0))
    return jax.jit(step), state


def main():
    seconds = float(sys.argv[1])
    for i, spec in enumerate(sys.argv[2:]):
        d, hidden, batch = map(int, spec.split(":"))
        step, state = make(d, hidden, batch)
        key = jax.random.PRNGKey(0)
        for _ in range(10):  # compile and warm up
            state, key, value = step(state, key)
        value.block_until_ready()
        best, steps, start, cpu0 = float("inf"), 0, time.perf_counter(), time.process_time()
        while True:
            t0 = time.perf_counter()
            state, key, value = step(state, key)
            value.block_until_ready()
            now = time.perf_counter()
            best = min(best, now - t0)
            steps += 1
            if now - start > seconds:
                break
        cpu = time.process_time() - cpu0
        print(f"config {i}: d={d} 2x{hidden} batch {batch}: best {1 / best:.1f} mean {steps / (now - start):.1f}"
              f" cpu {steps / cpu:.1f} steps/s (loss {float(value):.3f})", flush=True)


if __name__ == "__main__":
    main()
PYTHON

export XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
for rep in $(seq "$REPS"); do
    echo "run $rep/$REPS ..." >&2
    taskset -c "$CORE" "$VENV/bin/python" "$SCRATCH/realnvp_jax.py" "$SECONDS_PER" $CONFIGS >> "$SCRATCH/jax.txt"
    for path in $KERNEL_PATHS; do
        if [ "$path" = default ]; then
            taskset -c "$CORE" "$BENCH" --seconds "$SECONDS_PER" --precision "$BENCH_PRECISION" >> "$SCRATCH/repro-default.txt"
        else
            REPRO_FLOW_KERNELS=$path taskset -c "$CORE" "$BENCH" --seconds "$SECONDS_PER" --precision "$BENCH_PRECISION" >> "$SCRATCH/repro-$path.txt"
        fi
    done
done

for path in $KERNEL_PATHS; do
python3 - "$SCRATCH/jax.txt" "$SCRATCH/repro-$path.txt" $CONFIGS <<'PYTHON'
import re, sys
jax_lines, repro_lines, configs = open(sys.argv[1]).read(), open(sys.argv[2]).read(), sys.argv[3:]
def best(pattern, text):
    runs = [tuple(map(float, r)) for r in re.findall(pattern, text)]
    return tuple(max(r[j] for r in runs) for j in range(3))
# flow-bench --precision single names the single-precision loop's peak as the one its % columns use.
used = re.findall(r"single-precision [A-Za-z0-9-]+ loop ([0-9.]+) GFLOP/s, the peak used below", repro_lines)
peak = max(float(p) for p in (used or re.findall(r"peak: ([0-9.]+) GFLOP/s", repro_lines)))
path = (re.findall(r"kernels: ([a-z0-9]+)", repro_lines) or ["?"])[0]
print(f"RealNVP reverse-KL training, steps/s on one core (repro kernels: {path}, peak {peak:.1f} GFLOP/s):"
      " fastest step / mean by wall time / mean by CPU time, best of the runs")
print(f"{'d':>3} {'hidden':>7} {'batch':>5} | {'repro':>22} | {'JAX jit':>22} | repro/JAX fastest, wall, CPU | repro % of peak")
for i, spec in enumerate(configs):
    d, h, b = spec.split(":")
    jb, jm, jc = best(rf"config {i}: .*?best ([0-9.]+) mean ([0-9.]+) cpu ([0-9.]+)", jax_lines)
    rb, rm, rc = best(rf"\[{i}\] .*?: +([0-9.]+) steps/s \(mean +([0-9.]+), cpu +([0-9.]+)\)", repro_lines)
    frac = re.findall(rf"\[{i}\] .*?GFLOP/s +([0-9.]+)% of peak", repro_lines)
    print(f"{d:>3} {'2x' + h:>7} {b:>5} | {rb:6.1f} {rm:6.1f} {rc:6.1f}  | {jb:6.1f} {jm:6.1f} {jc:6.1f}  |"
          f" {rb / jb:5.2f} {rm / jm:5.2f} {rc / jc:5.2f}{'':>10} | {max(map(float, frac)):.0f}%")
PYTHON
done
