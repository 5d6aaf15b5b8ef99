"""A tried-and-not-kept experiment (issue 9, docs/benchmarks.md): would a nearest-neighbour detector make
least-cost mitigation flip Loan's ground-truth label?

The detector: standardised distance from a row to its nearest normal row, threshold at the 0.995 quantile of
the normal rows' leave-one-out distances (RootCLAM's quantile). Its normal set follows the shape of the data
(a union of balls around normal rows), unlike the ellipsoids of mahalanobis/pca. Mitigation as the engine
does it: least ||theta / sd|| on the truly shifted nodes (a stand-in for localization's flags) such that the
counterfactual, propagated through the true Loan SCM with the row's own noise, scores at or below
alpha x threshold. The response to theta is linear between the kink of S at I = 0, so each ball's least-cost
point is a secular-equation solve (vectorised bisection here), re-linearised three times.

Usage: /usr/bin/python3 bench/mitigation_nearest_prototype.py ALPHA [ANOMALIES]   (Debian's python3-numpy)
"""
import sys

import numpy as np

ALPHA = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
ANOMALIES = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
rng = np.random.default_rng(0)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def draw(n, shift=None):
    """The Loan SCM of shared/spec/rootclam-datasets.md; shift[:, j] pushes u_L, u_D, u_I, u_S."""
    g = rng.binomial(1, 0.5, n).astype(float)
    a = -35 + rng.gamma(10, 3.5, n)
    u_e, u_l, u_d = rng.normal(0, 0.5, n), rng.normal(0, 2, n), rng.normal(0, 3, n)
    u_i, u_s = rng.normal(0, 2, n), rng.normal(0, 5, n)
    if shift is not None:
        u_l += 4 * shift[:, 0]
        u_d += 9 * shift[:, 1]
        u_i -= 4 * shift[:, 2]
        u_s -= 25 * shift[:, 3]
    e = -0.5 + sigmoid(-1 + 0.5 * g + sigmoid(0.1 * a) + u_e)
    l = 1 + 0.01 * (a - 5) * (5 - a) + g + u_l
    d = -1 + 0.1 * a + 2 * g + l + u_d
    i = -4 + 0.1 * (a + 35) + 2 * g + g * e + u_i
    s = -4 + 1.5 * (i > 0) * i + u_s
    return np.stack([g, a, e, l, d, i, s], 1)


def label(x):
    l, d, i, s = x[:, 3], x[:, 4], x[:, 5], x[:, 6]
    return sigmoid(0.3 * (-l - d + i + s + i * s))


def normal_rows(n):
    out = []
    while sum(len(o) for o in out) < n:
        x = draw(50_000)
        out.append(x[label(x) > 0.95])
    return np.concatenate(out)[:n]


def anomaly_rows(n):
    types = np.array([[(t >> b) & 1 for b in range(4)] for t in range(1, 16)])
    rows, shifts = [], []
    while sum(len(o) for o in rows) < n:
        shift = types[rng.integers(15, size=20_000)]
        x = draw(20_000, shift)
        keep = label(x) < 0.05
        rows.append(x[keep])
        shifts.append(shift[keep])
    return np.concatenate(rows)[:n], np.concatenate(shifts)[:n]


normal = normal_rows(10_000)
anomalies, shifted = anomaly_rows(ANOMALIES)
mean, sd = normal.mean(0), normal.std(0, ddof=1)
z_normal = (normal - mean) / sd

loo = np.empty(len(z_normal))
for start in range(0, len(z_normal), 500):
    block = ((z_normal[start:start + 500, None, :] - z_normal[None, :, :]) ** 2).sum(2)
    block[np.arange(len(block)), start + np.arange(len(block))] = np.inf
    loo[start:start + 500] = np.sqrt(block.min(1))
threshold = np.quantile(loo, 0.995)
radius = ALPHA * threshold


def score(x):
    z = (x - mean) / sd
    return np.sqrt(((z[:, None, :] - z_normal[None, :, :]) ** 2).sum(2).min(1))


def propagate(x, acted, theta):
    """The true counterfactual: L feeds D with weight 1, I feeds S through 1.5 max(I, 0)."""
    out = x.copy()
    for j, v in enumerate(acted):
        out[v] += theta[j]
    if 3 in acted:
        out[4] += theta[acted.index(3)]
    out[6] += 1.5 * (max(out[5], 0) - max(x[5], 0))
    return out


detected = np.where(score(anomalies) > threshold)[0]
detector_flips = label_flips = solved = 0
norms = []
for r in detected:
    x = anomalies[r]
    acted = [3 + j for j in range(4) if shifted[r, j]]
    theta = np.zeros(len(acted))
    phi = None
    for _ in range(3):
        current = propagate(x, acted, theta)
        jac = np.zeros((7, len(acted)))
        for j, v in enumerate(acted):
            jac[v, j] = 1
            if v == 3:
                jac[4, j] = 1
            if v == 5:
                jac[6, j] = 1.5 if current[5] > 0 else 0
        m = jac * sd[acted][None, :] / sd[:, None]          # standardised response per unit of phi = theta / sd
        z0 = (current - mean) / sd - m @ (theta / sd[acted])
        u, s, vt = np.linalg.svd(m, full_matrices=False)
        offset = z0[None, :] - z_normal
        proj = offset @ u
        off_plane = (offset ** 2).sum(1) - (proj ** 2).sum(1)
        reachable = np.where(off_plane <= radius ** 2 * (1 - 1e-9))[0]
        if len(reachable) == 0:
            phi = None
            break
        rho = np.sqrt(radius ** 2 - off_plane[reachable])
        p = proj[reachable]
        lo, hi = np.full(len(reachable), 1e-12), np.full(len(reachable), 1e12)
        for _ in range(120):
            lam = np.sqrt(lo * hi)
            w = -p * (lam[:, None] * s ** 2 / (1 + lam[:, None] * s ** 2))
            outside = np.linalg.norm(p + w, axis=1) > rho
            lo, hi = np.where(outside, lam, lo), np.where(outside, hi, lam)
        w = -p * (hi[:, None] * s ** 2 / (1 + hi[:, None] * s ** 2))
        w[np.linalg.norm(p, axis=1) <= rho] = 0
        costs = np.linalg.norm(w / s, axis=1)
        best = np.argmin(costs)
        phi = vt.T @ (w[best] / s)
        theta = phi * sd[acted]
    if phi is None:
        continue
    solved += 1
    after = propagate(x, acted, theta)
    detector_flips += score(after[None, :])[0] <= threshold
    if label(after[None, :])[0] > 0.9:
        label_flips += 1
        norms.append(np.linalg.norm(phi))

n = len(detected)
print(f"alpha {ALPHA}: threshold {threshold:.3f}, detected {n}/{ANOMALIES}, solved {solved}, "
      f"detector flip {detector_flips / n:.3f}, label flip {label_flips / n:.3f}, "
      f"mean norm on label flips {np.mean(norms) if norms else float('nan'):.3f}")
