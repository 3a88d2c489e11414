#!/usr/bin/env python3
"""How far simple non-anticipating replica policies get on the NAB traces, parameters picked in hindsight.

Evidence for the autoscaling target (80 % fewer bad minutes than the reactive HPA at <= 110 % of its
pod-hours): each policy sizes the pods from samples that have ended by each decision, and is replayed
with the benchmark's own simulator (../shared/tools/simulate.py, recommendations beside the reactive
HPA as KEDA delivers them; capacity median / 7, 3-minute start-up, 70 % target, a week of warm-up),
beside the simulator's oracle at the target (a schedule that knows the future).
Usage: scripts/scale-frontier.py [--tools ../shared/tools] [--nab ../shared/data/nab/realAWSCloudwatch]
"""
import argparse, glob, math, os, sys
from multiprocessing import Pool

ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
ap.add_argument("--tools", default="../shared/tools")
ap.add_argument("--nab", default="../shared/data/nab/realAWSCloudwatch")
ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
args = ap.parse_args()
if not os.path.exists(os.path.join(args.tools, "simulate.py")):
    sys.exit(f"no simulate.py in {args.tools} (pass --tools)")
sys.path.insert(0, args.tools)
import numpy as np
import simulate as S

# (what, samples looked back, quantile of them, multiplier): pods = ceil(multiplier * statistic / capacity)
POLICIES = [("last", 1, 1.0, m) for m in (1.0, 1.2, 1.43, 1.7, 2.0)] + \
           [("quantile", w, q, m) for w in (12, 48, 288) for q in (0.5, 0.9, 0.99, 1.0) for m in (1.0, 1.43)]


def recommendations(tr, capacity, policy):
    what, window, q, mult = policy
    decisions, replicas = [], []
    for k in range(1, len(tr.ts)):
        seen = tr.values[max(0, k - window):k]            # samples ended by the decision
        stat = seen[-1] if what == "last" else np.quantile(seen, q)
        decisions.append(tr.ts[k - 1] + tr.step)
        replicas.append(int(math.ceil(mult * stat / capacity)))
    return np.array(decisions), np.array(replicas)


def replay(path):
    tr = S.read_nab(path)
    if np.median(tr.values) <= 0:
        return None
    cfg = S.Config(capacity=float(np.median(tr.values)) / 7)
    try:
        grid = S.make_grid(tr, cfg)
    except S.InputError:                                  # shorter than the warm-up
        return None
    hpa = S.score(grid, cfg, S.simulate(grid, cfg, "hpa"))
    oracle = S.score(grid, cfg, S.oracle(grid, cfg, at_target=True))   # knows the future
    out = {"hpa": (hpa["slo_violation_min"], hpa["pod_hours"]), "oracle": (oracle["slo_violation_min"], oracle["pod_hours"])}
    for p in POLICIES:
        d, r = recommendations(tr, cfg.capacity, p)
        s = S.score(grid, cfg, S.simulate(grid, cfg, "hpa+reactive", S.rec_to_ticks(grid, cfg, d, r, cfg.startup_s)))
        out[p] = (s["slo_violation_min"], s["pod_hours"])
    print(f"  {tr.name}", file=sys.stderr)
    return out


files = sorted(glob.glob(os.path.join(args.nab, "*.csv")))
with Pool(args.jobs) as pool:
    rows = [r for r in pool.map(replay, files) if r]
bad_hpa = sum(r["hpa"][0] for r in rows)
hours_hpa = sum(r["hpa"][1] for r in rows)
print(f"{len(rows)} traces; HPA {bad_hpa} bad minutes")
print("policy\tfewer bad minutes\tpod-h/HPA total\tmean per trace")
for p in ["oracle"] + POLICIES:
    bad = sum(r[p][0] for r in rows)
    name = p if p == "oracle" else f"{p[0]} w={p[1]} q={p[2]} x{p[3]}"
    print(f"{name}\t{100 * (1 - bad / bad_hpa):.1f}%\t"
          f"{sum(r[p][1] for r in rows) / hours_hpa:.2f}\t{np.mean([r[p][1] / r['hpa'][1] for r in rows]):.2f}")
