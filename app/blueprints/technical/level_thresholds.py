"""等级分数线: each therapist level's assessment threshold (0–100, or none: the level is
not reached by assessment), edited with the technical settings (``technical.settings``)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.audit import record_audit, register_audit_actions
from app.extensions import db
from app.models import TherapistLevel
from app.validation import InputError

register_audit_actions({"technical.level_thresholds": _l("修改技师等级分数线")})


def clean_threshold(raw) -> Decimal | None:
    """A threshold 0–100 with at most two decimals; blank is None; else ValueError."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool | float):
        raise ValueError
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise ValueError from None
    if not value.is_finite() or not 0 <= value <= 100 or value != value.quantize(
            Decimal("0.01")):
        raise ValueError
    return value.quantize(Decimal("0.01"))


def save_level_thresholds(values: dict[int, object], actor) -> list[TherapistLevel]:
    """Set the thresholds given ({level id: value}); a bad one names ``threshold_<id>``
    and nothing is saved.  Audited (before/after of the changed levels)."""
    levels = {level.id: level for level in db.session.scalars(select(TherapistLevel))}
    cleaned, errors = {}, {}
    for level_id, raw in values.items():
        if level_id not in levels:
            errors[f"threshold_{level_id}"] = _("没有这个技师等级")
            continue
        try:
            cleaned[level_id] = clean_threshold(raw)
        except ValueError:
            errors[f"threshold_{level_id}"] = _("分数线须为 0 到 100 的数，最多两位小数，或留空")
    if errors:
        raise InputError(errors)
    before, after = {}, {}
    for level_id, value in cleaned.items():
        level = levels[level_id]
        if level.assessment_threshold != value:
            before[str(level_id)] = str(level.assessment_threshold) \
                if level.assessment_threshold is not None else None
            after[str(level_id)] = str(value) if value is not None else None
            level.assessment_threshold = value
    if after:
        db.session.flush()
        record_audit("technical.level_thresholds", "therapist_level", "", before=before,
                     after=after, actor=actor)
    return sorted(levels.values(), key=lambda level: (level.rank, level.id))
