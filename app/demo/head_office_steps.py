"""The parts of the head-office demo (app/demo/head_office.py), in order: one import
and one entry per part, each a ``load(demo)`` that adds nothing twice."""

from __future__ import annotations

from app.demo import service_inspections

STEPS: list = [
    service_inspections.load,
]
