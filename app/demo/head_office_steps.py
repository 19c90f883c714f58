"""The parts of the head-office demo (app/demo/head_office.py), in order: one import
and one entry per part, each a ``load(demo)`` that adds nothing twice."""

from __future__ import annotations

from app.demo import head_office_rollups, head_office_targets

STEPS: list = [
    head_office_rollups.load,
    head_office_targets.load,
]
