#!/usr/bin/env python3
"""The numpy + pandas peer of `rca mediate` (contract section 5), for the end-to-end benchmark.

    python3 bench/mediate_numpy.py MODEL.json DATA.csv OUT.json

What a careful numpy user would write: read the CSV with pandas, abduct every non-root node's noise
(u = x - f(parents)), then per treatment propagate the treated world through the treatment's
descendants only, and per (treatment, mediator) pair force the mediator's treated value and propagate
through the mediator's descendants only. Treated = +50% (relative), untreated = observed, as the CLI's
defaults. Mechanisms: linear, and formulas evaluated by numpy (the contract's function set).
"""
import json, sys
import numpy as np
import pandas as pd

FUNCS = {"exp": np.exp, "log": np.log, "sqrt": np.sqrt, "abs": np.abs, "min": np.minimum, "max": np.maximum,
         "pow": np.power, "sigmoid": lambda z: 1 / (1 + np.exp(-z)), "tanh": np.tanh}


def main(model_path, data_path, out_path):
    model = json.load(open(model_path))
    names = [n["name"] for n in model["nodes"]]
    role = {n["name"]: n.get("role", "covariate") for n in model["nodes"]}
    parents = {n: [p for p, c in model["edges"] if c == n] for n in names}
    children = {n: [c for p, c in model["edges"] if p == n] for n in names}
    mech = model["mechanisms"]
    compiled = {n: compile(m["expression"].replace("^", "**"), n, "eval") for n, m in mech.items() if m["kind"] == "formula"}

    def f(n, env):
        m = mech[n]
        if m["kind"] == "linear":
            out = np.full(len(next(iter(env.values()))), float(m.get("intercept", 0.0)))
            for p, w in m["weights"].items():
                out += w * env[p]
            return out
        return eval(compiled[n], {"__builtins__": {}}, {**FUNCS, **{p: env[p] for p in parents[n]}})

    frame = pd.read_csv(data_path, usecols=names, dtype=np.float64, engine="c")
    x = {n: frame[n].to_numpy() for n in names}
    order, seen = [], set()
    while len(order) < len(names):  # topological order
        for n in names:
            if n not in seen and all(p in seen for p in parents[n]):
                order.append(n); seen.add(n)
    u = {n: x[n] - f(n, x) if parents[n] else x[n] for n in names}

    def descendants(n):
        out, stack = set(), [n]
        while stack:
            for c in children[stack.pop()]:
                if c not in out:
                    out.add(c); stack.append(c)
        return out

    desc = {n: descendants(n) for n in names}
    treatments = [n for n in names if role[n] == "treatment"]
    mediators = [n for n in names if role[n] == "mediator"]
    outcome = next(n for n in names if role[n] == "outcome")
    base = x[outcome]

    def propagate(forced_node, forced_value):
        env = dict(x)
        env[forced_node] = forced_value
        for n in order:
            if n in desc[forced_node]:
                env[n] = f(n, env) + u[n]
        return env

    nie = []
    for t in treatments:
        treated = propagate(t, x[t] * 1.5)
        for m in mediators:
            if m not in desc[t]:
                total = 0.0
            else:
                world = propagate(m, treated[m])
                total = float(np.sum(world[outcome] - base))
            nie.append({"treatment": t, "mediator": m, "mean": total / len(base), "total": total})
    json.dump({"outcome": outcome, "rows": len(base), "nie": nie}, open(out_path, "w"))


if __name__ == "__main__":
    main(*sys.argv[1:4])
