"""benchmarks/pnl.py runs end to end on a tiny lean company and prints its figures."""

from __future__ import annotations

import re

from benchmarks.pnl import run_benchmark


def test_pnl_benchmark_runs_on_a_tiny_company(app):
    printed: list[str] = []
    results = run_benchmark(2, echo=printed.append, code="pnltiny", stores=2,
                            orders_per_day=2, staff=2, assets=2, cards=5)
    text = "\n".join(printed)
    assert "Built pnltiny" in text and "Company pnltiny: 2 stores" in text
    assert len(results) == 5
    for line in printed[-5:]:
        assert re.search(r"median +\d+\.\d+ ms +p95 +\d+\.\d+ ms", line), line
    assert all(r["statements"] > 0 for r in results)
