"""Demo data: filled in by its own part of issue 12 (see app/demo/logistics.py)."""

from __future__ import annotations


def load(demo) -> None:
    """Add this part's rows to the demo company (inside its tenant context)."""
