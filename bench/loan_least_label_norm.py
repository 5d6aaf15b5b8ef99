"""A reference for issue 9's norm comparison (docs/benchmarks.md): the least action, in the nodes' own units (the
norm RootCLAM reports), that turns a Loan anomaly's ground-truth label normal (y > 0.9), whatever a detector says;
and the least that does so while a detector scores the counterfactual normal too, on the anomalies it detects, for
the issue's two detectors as the engine defines them (trained on 10,000 normal rows of the same SCM, threshold at
the 0.995 quantile of their scores): mahalanobis, the distance to the normal centre in whitened space (our linear
Deep SVDD), and pca, the reconstruction error of the standardised row from the fewest principal axes of the
correlation matrix explaining 90% of the variance (our linear autoencoder). Each second figure is a floor for any
method's label flips with that detector; it is also given over the cheapest rows, as many as RootCLAM flips.

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


def nodes(u):
    g, a = u[0], -35 + u[1]
    return np.array([g, a, -0.5 + sigmoid(-1 + 0.5 * g + sigmoid(0.1 * a) + u[2]), *simulate(u)])


def normal_rows(n):
    out = []
    while len(out) < n:
        u = np.array([rng.binomial(1, .5), rng.gamma(10, 3.5), rng.normal(0, .5), rng.normal(0, 2), rng.normal(0, 3),
                      rng.normal(0, 2), rng.normal(0, 5)])
        if sigmoid(label_logit(*simulate(u))) > 0.95:
            out.append(nodes(u))
    return np.array(out)


normal = normal_rows(10_000)
centre, sd = normal.mean(0), normal.std(0, ddof=1)
precision = np.linalg.inv(np.cov(normal.T))
values, vectors = np.linalg.eigh(np.corrcoef(normal.T))
order = np.argsort(values)[::-1]
kept = int(np.searchsorted(np.cumsum(values[order]) / values.sum(), 0.9) + 1)
residual = np.eye(len(centre)) - vectors[:, order[:kept]] @ vectors[:, order[:kept]].T


def mahalanobis(x):
    return float(np.sqrt((x - centre) @ precision @ (x - centre)))


def pca(x):
    return float(np.linalg.norm(residual @ ((x - centre) / sd)))


# name, score, RootCLAM's counterpart: its label flips and mean norm (table 4)
detectors = [("mahalanobis", mahalanobis, "Deep SVDD", 0.963, 5.862), ("pca", pca, "AE", 0.839, 5.185)]
thresholds = {name: np.quantile([score(x) for x in normal], 0.995) for name, score, *_ in detectors}
cut = np.log(0.9 / 0.1)


def least_norm(constraints, spread):
    """The smallest ||theta|| SLSQP finds meeting every constraint (functions >= 0), from 12 random starts."""
    best = np.inf
    for _ in range(12):
        r = minimize(lambda t: t @ t, rng.normal(0, spread, 4), method="SLSQP", options={"maxiter": 400},
                     constraints=[{"type": "ineq", "fun": lambda t, c=c: c(t) - 1e-6} for c in constraints])
        if r.success and all(c(r.x) >= -1e-6 for c in constraints):
            best = min(best, float(np.linalg.norm(r.x)))
    return best


def summary(values, share=None):
    v = np.array(values)
    v = v[np.isfinite(v)]
    text = f"found for {len(v)}: mean {v.mean():.3f}, median {np.median(v):.3f}, 90th percentile {np.quantile(v, .9):.3f}"
    if share is not None:
        text += f"; mean over the cheapest {share:.1%} {np.sort(v)[:int(np.ceil(share * len(v)))].mean():.3f}"
    return text


label_only = []
with_detector = {name: [] for name, *_ in detectors}
for u in anomalies(rows):
    def label(theta, u=u):
        return label_logit(*simulate(u + np.r_[0, 0, 0, theta])) - cut
    label_only.append(least_norm([label], 3))
    for name, score, *_ in detectors:
        def inside(theta, u=u, score=score, limit=thresholds[name]):
            return limit - score(nodes(u + np.r_[0, 0, 0, theta]))
        if inside(np.zeros(4)) < 0:  # detected
            with_detector[name].append(least_norm([label, inside], 6))
print(f"{rows} anomalies; least ||theta|| (nodes' units) turning the label normal, {summary(label_only)}")
for name, _, theirs, flips, norm in detectors:
    print(f"{len(with_detector[name])} detected by {name} (threshold {thresholds[name]:.3f}); least ||theta|| turning the "
          f"label and the detector normal, {summary(with_detector[name], flips)} (RootCLAM's {theirs}: {flips} at {norm})")
