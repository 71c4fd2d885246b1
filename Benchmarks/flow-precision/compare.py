#!/usr/bin/env python3
"""Compares flow runs of two precisions, cell by cell: each metrics.csv's
final min_mass per seed, collapsed when < 0.1 (fig6's criterion), as k/n with
its Wilson 95% interval in each precision, whether each fraction lies in the
other's interval, and on how many seeds (paired: same seed, same draws) the two
precisions end the same way. fig7's annealed flows: the final KL's median.

    compare.py DOUBLE_DIR SINGLE_DIR     (each holding artifacts/fig6, artifacts/fig7)

Exit status 1 if some fraction lies outside the other precision's interval."""
import csv
import math
import statistics
import sys
from pathlib import Path

THRESHOLD = 0.1
Z = 1.959963984540054


def wilson(k, n):
    p = k / n
    den = 1 + Z * Z / n
    centre = (p + Z * Z / (2 * n)) / den
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / den
    return max(0.0, centre - half), min(1.0, centre + half)


def finals(path):
    last = {}
    with open(path) as f:
        for row in csv.DictReader(f):
            seed, step = int(row["seed"]), int(row["step"])
            if seed not in last or step >= last[seed][0]:
                last[seed] = (step, float(row["min_mass"]), float(row["kl"]))
    return {s: (m, kl) for s, (_, m, kl) in last.items()}


def main(double_dir, single_dir):
    ok = True
    print(f"{'cell':<28} {'double k/n [95%]':<26} {'single k/n [95%]':<26} in each other's  same outcome")
    for path in sorted(Path(double_dir, "artifacts/fig6").glob("flows-d*-c*-metrics.csv"),
                       key=lambda p: (p.name.split("-c")[1], int(p.name.split("-d")[1].split("-")[0]))):
        other = Path(single_dir, "artifacts/fig6", path.name)
        a, b = finals(path), finals(other)
        seeds = sorted(set(a) & set(b))
        n = len(seeds)
        ka = sum(a[s][0] < THRESHOLD for s in seeds)
        kb = sum(b[s][0] < THRESHOLD for s in seeds)
        la, ha = wilson(ka, n)
        lb, hb = wilson(kb, n)
        eps = 1e-12  # the bounds of 0/n and n/n are 0 and 1 up to rounding
        inside = la - eps <= kb / n <= ha + eps and lb - eps <= ka / n <= hb + eps
        ok &= inside
        same = sum((a[s][0] < THRESHOLD) == (b[s][0] < THRESHOLD) for s in seeds)
        cell = path.name.removeprefix("flows-").removesuffix("-metrics.csv")
        print(f"{cell:<28} {ka:>2}/{n} [{la:.3f}, {ha:.3f}]      {kb:>2}/{n} [{lb:.3f}, {hb:.3f}]      "
              f"{'yes' if inside else 'NO ':<15} {same}/{n}")
    for path in sorted(Path(double_dir, "artifacts/fig7").glob("flows-*-metrics.csv")):
        a, b = finals(path), finals(Path(single_dir, "artifacts/fig7", path.name))
        seeds = sorted(set(a) & set(b))
        ma = statistics.median(a[s][1] for s in seeds)
        mb = statistics.median(b[s][1] for s in seeds)
        ka = sum(a[s][0] < THRESHOLD for s in seeds)
        kb = sum(b[s][0] < THRESHOLD for s in seeds)
        print(f"fig7 {path.name:<23} final KL median double {ma:.4f}, single {mb:.4f}; "
              f"collapsed {ka}/{len(seeds)} vs {kb}/{len(seeds)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
