"""benchmarks/payroll.py runs end to end on the tiny scale and prints its figures."""

from __future__ import annotations

import re

from benchmarks.payroll import run_benchmark


def test_payroll_benchmark_runs_on_the_small_scale(app):
    printed: list[str] = []
    figures = run_benchmark("small", repeats=2, echo=printed.append)
    text = "\n".join(printed)
    assert re.search(r"Scale small \(chainsmall\), month \d{4}-\d{2}: 2 stores, \d+ employees",
                     text), text
    assert re.search(r"raw aggregation +best +\d+\.\d+ s", text), text
    assert re.search(r"payroll run +best +\d+\.\d+ s", text), text
    assert "ratio run / raw aggregation" in text
    assert figures["payslips"] > 0
    assert len(set(figures["statements"])) == 1  # every recomputation: the same count
    (store_count, store_people), (company_count, company_people) = figures["flat"].values()
    assert store_people < company_people and store_count == company_count
