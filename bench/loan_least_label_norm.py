"""A reference for issue 9's norm comparison (docs/benchmarks.md): the least action, in the nodes' own units (the
norm RootCLAM reports), that turns a Loan anomaly's ground-truth label normal (y > 0.9), whatever a detector says.

The true Loan SCM of shared/spec/rootclam-datasets.md, anomalies drawn as the protocol does (one of the 15 shift
types, kept when y < 0.05); actions are soft interventions on L, D, I, S (each node's noise shifted, descendants
respond). Per row, scipy's SLSQP minimises ||theta||^2 subject to the label's logit reaching logit(0.9), from 12
random starts (the constraint is not convex: S has a kink at I = 0 and the logit holds I*S); the smallest norm found.

Usage: /usr/bin/python3 bench/loan_least_label_norm.py [ANOMALIES] [SEED]   (Debian's python3-numpy and -scipy)
"""
import sys

import numpy as np
from scipy.optimize import minimize

rows = int(sys.argv[1]) if len(sys.argv) > 1 else 300
rng = np.random.default_rng(int(sys.argv[2]) if len(sys.argv) > 2 else 0)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def simulate(u):
    """L, D, I, S from the noises (u_G, u_A, u_E, u_L, u_D, u_I, u_S)."""
    g, a = u[0], -35 + u[1]
    e = -0.5 + sigmoid(-1 + 0.5 * g + sigmoid(0.1 * a) + u[2])
    loan = 1 + 0.01 * (a - 5) * (5 - a) + g + u[3]
    duration = -1 + 0.1 * a + 2 * g + loan + u[4]
    income = -4 + 0.1 * (a + 35) + 2 * g + g * e + u[5]
    savings = -4 + 1.5 * (income > 0) * income + u[6]
    return loan, duration, income, savings


def label_logit(loan, duration, income, savings):
    return 0.3 * (-loan - duration + income + savings + income * savings)


def anomalies(n):
    out = []
    while len(out) < n:
        u = [rng.binomial(1, .5), rng.gamma(10, 3.5), rng.normal(0, .5), rng.normal(0, 2), rng.normal(0, 3),
             rng.normal(0, 2), rng.normal(0, 5)]
        kind = rng.integers(1, 16)
        for bit, node, shift in ((1, 3, 4), (2, 4, 9), (4, 5, -4), (8, 6, -25)):
            if kind & bit:
                u[node] += shift
        if sigmoid(label_logit(*simulate(u))) < 0.05:
            out.append(np.array(u, dtype=float))
    return out


cut = np.log(0.9 / 0.1)
least = []
for u in anomalies(rows):
    def margin(theta, u=u):
        return label_logit(*simulate(u + np.r_[0, 0, 0, theta])) - cut
    best = np.inf
    for _ in range(12):
        r = minimize(lambda t: t @ t, rng.normal(0, 3, 4), method="SLSQP", options={"maxiter": 300},
                     constraints=[{"type": "ineq", "fun": lambda t: margin(t) - 1e-6}])
        if r.success and margin(r.x) >= -1e-6:
            best = min(best, float(np.linalg.norm(r.x)))
    least.append(best)
least = np.array(least)
found = np.isfinite(least)
print(f"{rows} anomalies, a label-flipping action found for {found.sum()}; least ||theta|| (nodes' units): "
      f"mean {least[found].mean():.3f}, median {np.median(least[found]):.3f}, 90th percentile {np.quantile(least[found], .9):.3f}")
