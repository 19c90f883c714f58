"""Shared set-up for the service department's tests."""

from __future__ import annotations

from app.blueprints.service import inspections as rules
from app.extensions import db


def hygiene_template(points=(10, 10, 5), name="卫生检查表", kind="hygiene"):
    template = rules.create_template(
        kind=kind, name=name,
        items=[rules.ItemInput(f"项目{n}", p) for n, p in enumerate(points, start=1)])
    db.session.flush()
    return template


def inspect(store, template, on, points, inspector=None):
    """Score ``store`` with ``points`` in item order."""
    items = rules.template_items(template.id)
    return rules.record_inspection(store=store, template=template, inspected_on=on,
                                   scores={i.id: p for i, p in zip(items, points, strict=True)},
                                   inspector=inspector)
