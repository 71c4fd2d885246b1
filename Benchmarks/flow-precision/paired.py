#!/usr/bin/env python3
"""The decision of paired-study.sh, per cell: collapse counts in double and
single precision on the same seeds, Wilson 95% intervals, the seeds whose
outcome differs (double-only collapses / single-only), the exact two-sided
McNemar p-value on those, and whether the cell passes (p >= 0.05 and each
fraction inside the other's interval).

    paired.py PROJECT DOUBLE_DIR SINGLE_DIR SEEDS

The double runs are the PROJECT's committed outputs joined with DOUBLE_DIR's
(the further seeds); exit status 1 if some cell fails."""
import math
import sys
from pathlib import Path

from compare import THRESHOLD, finals, wilson

CELLS = ["fig6/flows-d2-c3.0-metrics.csv", "fig6/flows-d2-c0.01-metrics.csv",
         "fig7/flows-power-metrics.csv", "fig7/flows-variance-metrics.csv"]


def mcnemar(b, c):
    """Exact two-sided p of b vs c discordant pairs under 1/2 each."""
    n = b + c
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(0, min(b, c) + 1)) / 2 ** n
    return min(1.0, 2 * tail)


def main(project, double_dir, single_dir, seeds):
    want = set(range(1, seeds + 1))
    ok = True
    print(f"{'cell':<22} {'double k/n [95%]':<24} {'single k/n [95%]':<24} "
          f"{'double-only':>11} {'single-only':>11} {'McNemar p':>9}  verdict")
    for cell in CELLS:
        a = finals(Path(project, "artifacts", cell))
        a.update(finals(Path(double_dir, "artifacts", cell)))
        b = finals(Path(single_dir, "artifacts", cell))
        missing = (want - set(a)) | (want - set(b))
        if missing:
            sys.exit(f"{cell}: seeds {sorted(missing)[:5]}… missing")
        n = seeds
        ca = {s for s in want if a[s][0] < THRESHOLD}
        cb = {s for s in want if b[s][0] < THRESHOLD}
        ka, kb = len(ca), len(cb)
        la, ha = wilson(ka, n)
        lb, hb = wilson(kb, n)
        eps = 1e-12
        inside = la - eps <= kb / n <= ha + eps and lb - eps <= ka / n <= hb + eps
        only_d, only_s = len(ca - cb), len(cb - ca)
        p = mcnemar(only_d, only_s)
        passed = inside and p >= 0.05
        ok &= passed
        name = cell.split("/")[1].removeprefix("flows-").removesuffix("-metrics.csv")
        print(f"{name:<22} {ka:>2}/{n} [{la:.3f}, {ha:.3f}]    {kb:>2}/{n} [{lb:.3f}, {hb:.3f}]    "
              f"{only_d:>11} {only_s:>11} {p:>9.3f}  {'single' if passed else 'stays double'}"
              + ("" if inside else " (outside)"))
        if only_d or only_s:
            print(f"{'':<22} double-only seeds {sorted(ca - cb)}, single-only {sorted(cb - ca)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])))
