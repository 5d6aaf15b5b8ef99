#!/usr/bin/env python3
"""Runs a command and prints its wall time (s) and peak resident memory (MB) as JSON: the same
measurement for `rca` and for the numpy peer. Usage: python3 bench/peak.py CMD ARG..."""
import json, resource, subprocess, sys, time

start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
wall = time.perf_counter() - start
peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"exit": code, "seconds": wall, "peak_mb": peak_kb / 1024}))
