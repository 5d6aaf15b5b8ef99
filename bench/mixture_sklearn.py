#!/usr/bin/env python3
"""The peer for the mixture detector's training: scikit-learn's GaussianMixture (full covariances, reg_covar 1e-3,
one k-means start per size as ours has one k-means++ start) for 1..6 components on the standardised columns of a
CSV of normal rows, the size chosen by BIC. Prints the chosen size and the time of the fits alone (reading excluded).
Usage: /usr/bin/python3 bench/mixture_sklearn.py normal.csv  (needs python3-numpy, python3-pandas, python3-sklearn)"""
import sys, time
import numpy as np
import pandas as pd
from sklearn.mixture import GaussianMixture

x = pd.read_csv(sys.argv[1]).to_numpy(dtype=float)
z = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)
# Ours stops at a relative 1e-7 of |log-likelihood per row| (about 4 on Loan): about sklearn's absolute 5e-7.
# sklearn's default (1e-3) is timed too: it stops far earlier.
for tol in (5e-7, 1e-3):
    start = time.perf_counter()
    fits = [GaussianMixture(k, covariance_type="full", reg_covar=1e-3, tol=tol, max_iter=300, random_state=0).fit(z)
            for k in range(1, 7) if len(z) >= k * (z.shape[1] + 1) * 10]
    best = min(fits, key=lambda g: g.bic(z))
    print(f"sklearn, tol {tol:g}: {best.n_components} components by BIC, {time.perf_counter() - start:.3f} s "
          f"for {len(fits)} sizes on {z.shape}, iterations {[g.n_iter_ for g in fits]}")
