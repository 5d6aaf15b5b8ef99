#!/usr/bin/env python3
"""Writes reference.json: scikit-learn's GaussianMixture (full covariances) on a seeded draw of three overlapping
3-D Gaussians, as the independent reference for OrleansRca's EM (tests/.../Mitigation/GaussianMixtureTests).

- `start`: one EM start per size (equal weights, unit covariances, means drawn from the rows by the seed). sklearn
  is given exactly that start (weights_init, means_init, precisions_init) and runs to a tight tolerance (1e-14), with
  reg_covar equal to OrleansRca's ridge (1e-3 on every covariance diagonal, as ours adds in each M step).
- `fits`: per size, sklearn's weights, means, covariances and mean log-likelihood per row at its optimum.
- `bic`: per size, sklearn's own BIC with its default k-means start (n_init 5): the size it would choose.
Run with Debian's python3 (python3-numpy, python3-sklearn 1.2.1): /usr/bin/python3 make_reference.py
"""
import json
import numpy as np
import sklearn
from sklearn.mixture import GaussianMixture

rng = np.random.default_rng(20261201)
centres = np.array([[0.0, 0.0, 0.0], [3.0, 1.0, -1.0], [-1.0, 3.5, 2.0]])
sizes = [900, 600, 500]
covs = [np.array([[1.0, 0.6, 0.0], [0.6, 1.0, 0.3], [0.0, 0.3, 0.5]]),
        np.array([[0.5, -0.2, 0.1], [-0.2, 1.5, 0.0], [0.1, 0.0, 0.8]]),
        np.array([[2.0, 0.0, 0.9], [0.0, 0.3, 0.0], [0.9, 0.0, 1.0]])]
x = np.vstack([rng.multivariate_normal(m, s, size=n) for m, s, n in zip(centres, covs, sizes)])
x = x[rng.permutation(len(x))]
n, d = x.shape

starts, fits, bics = {}, {}, {}
for k in range(1, 5):
    means = x[rng.choice(n, size=k, replace=False)]
    starts[k] = means.tolist()
    gm = GaussianMixture(k, covariance_type="full", reg_covar=1e-3, tol=1e-14, max_iter=20000,
                         weights_init=np.full(k, 1.0 / k), means_init=means,
                         precisions_init=np.array([np.eye(d)] * k)).fit(x)
    assert gm.converged_
    fits[k] = {"weights": gm.weights_.tolist(), "means": gm.means_.tolist(),
               "covariances": gm.covariances_.tolist(), "mean_log_likelihood": gm.score(x)}
    bics[k] = GaussianMixture(k, covariance_type="full", reg_covar=1e-3, n_init=5, random_state=0).fit(x).bic(x)

json.dump({"source": f"scikit-learn {sklearn.__version__} GaussianMixture, make_reference.py",
           "columns": x.T.tolist(), "start": starts, "fits": fits, "bic": bics}, open("reference.json", "w"))
print({k: round(v, 2) for k, v in bics.items()}, {k: round(f["mean_log_likelihood"], 6) for k, f in fits.items()})
