"""Reference values for qexp's paired t-test, computed with SciPy (scipy.stats.ttest_rel).

Run: python3 test/reference/paired_ttest.py  → JSON list of {t, p} for the cases in CASES.
test/eval/significance.test.ts embeds the output (SciPy 1.17.1, Debian python3-scipy) and, when
SciPy is importable, runs this script and compares again.
"""
import json
from scipy import stats

CASES = [
    ([0.61, 0.45, 0.72, 0.33, 0.58, 0.49, 0.81, 0.27, 0.66, 0.52, 0.39, 0.74],
     [0.55, 0.47, 0.60, 0.30, 0.51, 0.52, 0.70, 0.25, 0.61, 0.44, 0.41, 0.62]),
    ([0.1, 0.2, 0.3, 0.4, 0.5], [0.12, 0.18, 0.33, 0.41, 0.47]),
    ([1.0, 0.0, 0.5, 0.25, 0.75, 0.5, 0.0, 1.0], [0.0, 1.0, 0.5, 0.75, 0.25, 0.5, 1.0, 0.0]),
]

print(json.dumps([{"t": float(r.statistic), "p": float(r.pvalue)} for r in (stats.ttest_rel(a, b) for a, b in CASES)]))
