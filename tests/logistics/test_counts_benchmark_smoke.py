"""benchmarks/asset_count.py at its small scale: it runs, and its rerun adds nothing."""

from __future__ import annotations

from benchmarks.asset_count import run_benchmark


def test_asset_count_benchmark_small(app):
    lines: list[str] = []
    figures = run_benchmark("small", repeats=1, echo=lines.append)
    assert (figures["stores"], figures["counts"], figures["lines"]) == (3, 3, 3 * (20 + 5))
    assert any("target < 10 s" in line for line in lines)
