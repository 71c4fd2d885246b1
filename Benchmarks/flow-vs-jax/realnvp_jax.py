"""RealNVP reverse-KL training in JAX (float64, jit), the same model and step
as Sources/Flows: 8 affine couplings, conditioner k -> H -> H -> 2m (tanh),
s = tanh(s_hat), x_t = z_t * exp(s) + t, loss E[log N(z) - log|det| - log p(x)]
for p the two-Gaussian mixture (|mu| = 4), Adam 1e-3, a fresh normal batch per
step. Prints, per configuration, the fastest step and the mean over the run,
in steps/s: `config I: best B mean M`.

Usage: python realnvp_jax.py SECONDS DIM:HIDDEN:BATCH ...
"""
import sys
import time

import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp
import numpy as np


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
        z = jax.random.normal(sub, (batch, d), dtype=jnp.float64)
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
        best, steps, start = float("inf"), 0, time.perf_counter()
        while True:
            t0 = time.perf_counter()
            state, key, value = step(state, key)
            value.block_until_ready()
            now = time.perf_counter()
            best = min(best, now - t0)
            steps += 1
            if now - start > seconds:
                break
        print(f"config {i}: d={d} 2x{hidden} batch {batch}: best {1 / best:.1f} mean {steps / (now - start):.1f}"
              f" steps/s (loss {float(value):.3f})", flush=True)


if __name__ == "__main__":
    main()
