#!/usr/bin/env python3
"""The polynomial of neurite's vectorized `exp` (src/math.rs, `exp_polynomial`).

    python3 scripts/exp_polynomial.py

e^r = 1 + r + r^2 p(r) on |r| <= ln2/2: p is a Chebyshev fit of degree 10 to
(e^r - 1 - r)/r^2 (mpmath's chebyfit, 50 digits), its coefficients rounded
to doubles. Prints them lowest order first, as `exp_polynomial`'s table
holds them, and the largest relative error of 1 + r + r^2 p against e^r on
2001 points (exact arithmetic but for the coefficients' rounding).
Runs in its own venv (mpmath), made under the user's cache on first use.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import neurite_venv  # noqa: E402

neurite_venv.ensure(["mpmath==1.3.0"])

import mpmath as mp  # noqa: E402

DEGREE = 10


def main():
    mp.mp.dps = 50
    half_ln2 = mp.log(2) / 2

    def p_exact(r):
        if abs(r) < mp.mpf("1e-20"):
            return mp.mpf(1) / 2 + r / 6
        return (mp.exp(r) - 1 - r) / r**2

    highest_first, _ = mp.chebyfit(p_exact, [-half_ln2, half_ln2], DEGREE + 1, error=True)
    coefficients = [float(c) for c in highest_first][::-1]
    worst = 0
    for i in range(2001):
        r = -half_ln2 + 2 * half_ln2 * i / 2000
        p = mp.mpf(0)
        for c in reversed(coefficients):
            p = p * r + mp.mpf(c)
        worst = max(worst, abs(1 + r + r * r * p - mp.exp(r)) / mp.exp(r))
    for i, c in enumerate(coefficients):
        print("    %r, // r^%d (%s)" % (c, i, c.hex()))
    print("largest relative error of e^r: %.2e" % float(worst))


if __name__ == "__main__":
    main()
