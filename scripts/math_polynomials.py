#!/usr/bin/env python3
"""The polynomials of neurite's vectorized `exp` and `ln` (src/math.rs).

    python3 scripts/math_polynomials.py

`exp_polynomial`: e^r = 1 + r + r^2 p(r) on |r| <= ln2/2, p a Chebyshev fit
of degree 10 to (e^r - 1 - r)/r^2.

`ln`: ln(1 + f) = 2 atanh(s) = 2s + s^3 P(s^2), s = f/(2 + f), |s| <=
(sqrt2 - 1)/(sqrt2 + 1), P a Chebyshev fit of degree 7 to
(2 atanh(s) - 2s)/s^3 as a function of z = s^2.

Both fitted with mpmath's chebyfit at 50 digits and rounded to doubles;
printed lowest order first, as src/math.rs holds them, with the largest
relative error of the approximated function on 2001 points (exact
arithmetic but for the coefficients' rounding). Runs in its own venv
(mpmath), made under the user's cache on first use.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import neurite_venv  # noqa: E402

neurite_venv.ensure(["mpmath==1.3.0"])

import mpmath as mp  # noqa: E402


def fit(function, interval, degree):
    highest_first, _ = mp.chebyfit(function, interval, degree + 1, error=True)
    return [float(c) for c in highest_first][::-1]


def evaluate(coefficients, x):
    value = mp.mpf(0)
    for c in reversed(coefficients):
        value = value * x + mp.mpf(c)
    return value


def show(name, coefficients, worst):
    print("%s:" % name)
    for i, c in enumerate(coefficients):
        print("    %r, // ^%d (%s)" % (c, i, c.hex()))
    print("    largest relative error: %.2e" % float(worst))


def main():
    mp.mp.dps = 50
    half_ln2 = mp.log(2) / 2

    def p_exact(r):
        if abs(r) < mp.mpf("1e-20"):
            return mp.mpf(1) / 2 + r / 6
        return (mp.exp(r) - 1 - r) / r**2

    exp_poly = fit(p_exact, [-half_ln2, half_ln2], 10)
    worst = 0
    for i in range(2001):
        r = -half_ln2 + 2 * half_ln2 * i / 2000
        worst = max(worst, abs(1 + r + r * r * evaluate(exp_poly, r) - mp.exp(r)) / mp.exp(r))
    show("exp_polynomial (e^r)", exp_poly, worst)

    s_max = (mp.sqrt(2) - 1) / (mp.sqrt(2) + 1)

    def big_p_exact(z):
        if z < mp.mpf("1e-30"):
            return mp.mpf(2) / 3
        s = mp.sqrt(z)
        return (2 * mp.atanh(s) - 2 * s) / (s * z)

    ln_poly = fit(big_p_exact, [0, s_max**2], 7)
    worst = 0
    for i in range(1, 2001):
        s = -s_max + 2 * s_max * i / 2001
        exact = 2 * mp.atanh(s)
        worst = max(worst, abs(2 * s + s**3 * evaluate(ln_poly, s * s) - exact) / abs(exact))
    show("ln's P (2 atanh s)", ln_poly, worst)


if __name__ == "__main__":
    main()
