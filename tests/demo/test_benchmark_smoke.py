"""The front-desk benchmark runs end to end on the tiny scale and prints its figures."""

from __future__ import annotations

import re

from benchmarks.front_desk import ACTIONS, run_benchmark


def test_benchmark_runs_on_the_small_scale_and_prints_figures(app):
    printed: list[str] = []
    timings = run_benchmark("small", actions=12, echo=printed.append)
    text = "\n".join(printed)
    assert "Built scale company chainsmall" in text
    for action in ACTIONS:
        line = next(line for line in printed if line.strip().startswith(action))
        # Either figures, or an honest "not available" for a service not built yet.
        assert re.search(r"median +\d+\.\d+ ms +p95 +\d+\.\d+ ms", line) or \
            "not available" in line, line
        timing = timings[action]
        if timing.available:
            assert len(timing.seconds) == 12 and not timing.errors, timing.errors
            assert all(n > 0 for n in timing.statements)
