"""The parts of the head-office demo (app/demo/head_office.py), in order: one import
and one entry per part, each a ``load(demo)`` that adds nothing twice."""

from __future__ import annotations

from app.demo import (
    head_office_report,
    head_office_rollups,
    head_office_targets,
    service_guests,
    service_inspections,
    service_procedures,
)

STEPS: list = [
    service_procedures.load,
    service_inspections.load,
    # Adds complaint cases on past days: before the rollups, which count them.
    service_guests.load,
    head_office_rollups.load,
    # Targets are set around what the stores did.
    head_office_targets.load,
    # Last: the report reads what every other part added.
    head_office_report.load,
]
