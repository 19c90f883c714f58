"""benchmarks/dashboard.py runs end to end on two tiny lean companies and prints its
figures, with the same statement count for both."""

from __future__ import annotations

import re

from benchmarks.dashboard import run_benchmark


def test_dashboard_benchmark_runs_on_tiny_companies(app):
    printed: list[str] = []
    results = run_benchmark(2, echo=printed.append, orders_today=2, companies=(
        {"code": "dashtiny3", "stores": 3, "days": 4},
        {"code": "dashtiny1", "stores": 1, "days": 2}))
    text = "\n".join(printed)
    assert "Built dashtiny3" in text and "Company dashtiny3: 3 stores, 12 rollup rows" in text
    assert len(results) == 6
    for line in [p for p in printed if "median" in p]:
        assert re.search(r"median +\d+\.\d+ ms +p95 +\d+\.\d+ ms", line), line
    by_url = {}
    for figures in results:
        by_url.setdefault(figures["url"].split("/stores/")[0], set()).add(figures["statements"])
    assert all(len(counts) == 1 for counts in by_url.values()), by_url
