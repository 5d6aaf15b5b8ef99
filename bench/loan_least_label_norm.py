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

With --exact, each row's minimum is global instead, up to the grid: once the action on I is fixed, S's kink and
I*S are constants, the label's constraint is linear and each detector's is convex quadratic in the actions on L, D
and S (the counterfactual is affine in them), so SLSQP solves that convex problem exactly; the action on I runs
over a grid (-20..20 by 0.1, warm-started along it), refined by 0.005 around the best point. Both searches are
run on the same rows and both figures printed, so the random starts' figure can be checked against the global one.
Slow: tens of seconds a row (6 rows agreed with the random starts to 3 decimals; a 120-row run was stopped after
46 minutes on the 2-core machine).

--csv FILE writes each row's least norms (empty where the detector does not flag the row), for
bench/plot_mitigation_frontier.py.

Usage: /usr/bin/python3 bench/loan_least_label_norm.py [ANOMALIES] [SEED] [--exact] [--csv FILE]   (Debian's python3-numpy and -scipy)
"""
import argparse

import numpy as np
from scipy.optimize import minimize

parser = argparse.ArgumentParser(description="The least label-flipping Loan actions, alone and with a detector held normal.")
parser.add_argument("rows", nargs="?", type=int, default=300, help="anomalies to draw (default 300)")
parser.add_argument("seed", nargs="?", type=int, default=0, help="random seed (default 0)")
parser.add_argument("--exact", action="store_true", help="also the global search over a grid of the action on I")
parser.add_argument("--csv", dest="csv_path", help="write each row's least norms to this file")
arguments = parser.parse_args()
exact, csv_path, rows = arguments.exact, arguments.csv_path, arguments.rows
rng = np.random.default_rng(arguments.seed)


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


def noise():
    """One draw of (u_G, u_A, u_E, u_L, u_D, u_I, u_S) from the normal SCM."""
    return np.array([rng.binomial(1, .5), rng.gamma(10, 3.5), rng.normal(0, .5), rng.normal(0, 2), rng.normal(0, 3),
                     rng.normal(0, 2), rng.normal(0, 5)], dtype=float)


def anomalies(n):
    out = []
    while len(out) < n:
        u = noise()
        kind = rng.integers(1, 16)
        for bit, node, shift in ((1, 3, 4), (2, 4, 9), (4, 5, -4), (8, 6, -25)):
            if kind & bit:
                u[node] += shift
        if sigmoid(label_logit(*simulate(u))) < 0.05:
            out.append(u)
    return out


def nodes(u):
    g, a = u[0], -35 + u[1]
    return np.array([g, a, -0.5 + sigmoid(-1 + 0.5 * g + sigmoid(0.1 * a) + u[2]), *simulate(u)])


def normal_rows(n):
    out = []
    while len(out) < n:
        u = noise()
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


def slsqp(constraints, start, actions=lambda z: z):
    """SLSQP's least ||z|| from start with every constraint (a function of theta = actions(z)) >= 0: (its norm, or
    inf when it failed or broke a constraint; z)."""
    r = minimize(lambda z: z @ z, start, method="SLSQP", options={"maxiter": 400},
                 constraints=[{"type": "ineq", "fun": lambda z, c=c: c(actions(z)) - 1e-6} for c in constraints])
    ok = r.success and all(c(actions(r.x)) >= -1e-6 for c in constraints)
    return (float(np.linalg.norm(actions(r.x))) if ok else np.inf), r.x


def least_norm(constraints, spread):
    """The smallest ||theta|| SLSQP finds meeting every constraint (functions >= 0), from 12 random starts."""
    return min(slsqp(constraints, rng.normal(0, spread, 4))[0] for _ in range(12))


def least_norm_global(constraints):
    """The smallest ||theta|| meeting every constraint (functions of theta >= 0), global up to the grid over the
    action on I: for a fixed one, the problem in the actions on L, D, S is convex and SLSQP's answer is its minimum."""
    def at(t_i, start):
        return slsqp(constraints, start, lambda z: np.array([z[0], z[1], t_i, z[2]]))

    best, best_i, start = np.inf, None, np.zeros(3)
    for t_i in np.arange(-20, 20.0001, 0.1):
        value, z = at(t_i, start)
        start = z if np.isfinite(value) else np.zeros(3)
        if value < best:
            best, best_i = value, t_i
    if best_i is not None:
        for t_i in np.arange(best_i - 0.1, best_i + 0.1001, 0.005):
            best = min(best, at(t_i, np.zeros(3))[0])
    return best


def summary(values, share=None):
    v = np.array(values)
    v = v[np.isfinite(v)]  # nan: not detected; inf: no solution found
    text = f"found for {len(v)}: mean {v.mean():.3f}, median {np.median(v):.3f}, 90th percentile {np.quantile(v, .9):.3f}"
    if share is not None:
        text += f"; mean over the cheapest {share:.1%} {np.sort(v)[:int(np.ceil(share * len(v)))].mean():.3f}"
    return text


label_only = []
with_detector = {name: [] for name, *_ in detectors}
label_only_global = []
with_detector_global = {name: [] for name, *_ in detectors}
for u in anomalies(rows):
    def label(theta, u=u):
        return label_logit(*simulate(u + np.r_[0, 0, 0, theta])) - cut
    label_only.append(least_norm([label], 3))
    if exact:
        label_only_global.append(least_norm_global([label]))
    for name, score, *_ in detectors:
        def inside(theta, u=u, score=score, limit=thresholds[name]):
            return limit - score(nodes(u + np.r_[0, 0, 0, theta]))
        detected = inside(np.zeros(4)) < 0
        with_detector[name].append(least_norm([label, inside], 6) if detected else np.nan)
        if exact:
            with_detector_global[name].append(least_norm_global([label, inside]) if detected else np.nan)
print(f"{rows} anomalies; least ||theta|| (nodes' units) turning the label normal, {summary(label_only)}")
for name, _, theirs, flips, norm in detectors:
    print(f"{np.sum(~np.isnan(with_detector[name]))} detected by {name} (threshold {thresholds[name]:.3f}); least ||theta|| turning the "
          f"label and the detector normal, {summary(with_detector[name], flips)} (RootCLAM's {theirs}: {flips} at {norm})")
if exact:
    print(f"global (grid over the action on I): label alone, {summary(label_only_global)}")
    for name, _, theirs, flips, norm in detectors:
        found = np.array(with_detector[name]), np.array(with_detector_global[name])
        both = np.isfinite(found[0]) & np.isfinite(found[1])
        print(f"global, {name}: {summary(with_detector_global[name], flips)}; the random starts' figure is above the "
              f"global one by {np.mean(found[0][both] - found[1][both]):.4f} on average, at most "
              f"{np.max(found[0][both] - found[1][both]):.4f}, and below it on {np.sum(found[0][both] < found[1][both] - 1e-3)} rows")
if csv_path:
    columns = {"label": label_only, **{name: with_detector[name] for name, *_ in detectors}}
    if exact:
        columns |= {"label_global": label_only_global, **{f"{name}_global": with_detector_global[name] for name, *_ in detectors}}
    with open(csv_path, "w") as f:
        f.write(",".join(columns) + "\n")
        for row in zip(*columns.values()):
            f.write(",".join("" if np.isnan(v) else f"{v:.6f}" for v in row) + "\n")
