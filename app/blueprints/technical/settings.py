"""The technical department's settings (tenant.policies["technical"]), with the
defaults of specs/skill-assessment.md where the company has not set its own.

Edited on the 技术部设置 page and the API (permission ``technical.settings``); each
change is audited.  Values are kept as strings in the JSON column (Decimals exact).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from app.audit import record_audit, register_audit_actions
from app.extensions import db
from app.models import Tenant
from app.tenancy import current_tenant_id
from app.validation import InputError

register_audit_actions({"technical.settings": _l("修改技术部设置（技能评定参数）")})

POLICY_KEY = "technical"


@dataclass(frozen=True)
class TechnicalSettings:
    # The weights of the score's components (specs/skill-assessment.md, Score).
    weight_exam: Decimal = Decimal("0.5")
    weight_rating: Decimal = Decimal("0.3")
    weight_requested: Decimal = Decimal("0.2")
    # An exam counts for this many days before the period's end.
    exam_validity_days: int = 180
    # 点钟率 that scores 100.
    target_requested_rate: Decimal = Decimal("0.5")
    # Fewer completed jobs in the period: "insufficient data".
    min_jobs: int = 20
    # Demotion only below the current level's threshold minus this.
    demotion_margin: Decimal = Decimal("5")
    # Discipline: repeats of the same kind within this many days escalate.
    escalation_window_days: int = 90

    def as_dict(self) -> dict:
        """JSON-ready: Decimals as strings."""
        return {f.name: (str(getattr(self, f.name)) if isinstance(getattr(self, f.name), Decimal)
                         else getattr(self, f.name)) for f in fields(self)}


# name -> (label, lowest, highest); the type is the dataclass field's.
SETTINGS: dict[str, tuple] = {
    "weight_exam": (_l("考核成绩权重"), Decimal("0"), Decimal("10")),
    "weight_rating": (_l("顾客评分权重"), Decimal("0"), Decimal("10")),
    "weight_requested": (_l("点钟率权重"), Decimal("0"), Decimal("10")),
    "exam_validity_days": (_l("考核成绩有效期（天）"), 1, 730),
    "target_requested_rate": (_l("点钟率目标（得满分的点钟率，0–1）"), Decimal("0.01"),
                              Decimal("1")),
    "min_jobs": (_l("评定所需最少完成钟数"), 0, 1000),
    "demotion_margin": (_l("降级缓冲分（低于本级分数线减此分才建议降级）"), Decimal("0"),
                        Decimal("50")),
    "escalation_window_days": (_l("违纪升级期限（天）"), 1, 730),
}
WEIGHTS = ("weight_exam", "weight_rating", "weight_requested")


class TechnicalSettingsError(InputError):
    """A setting out of range; ``fields`` names it, nothing saved."""


def _types() -> dict[str, type]:
    return {f.name: type(f.default) for f in fields(TechnicalSettings)}


def technical_settings(tenant: Tenant | None = None) -> TechnicalSettings:
    """The current tenant's settings; unknown or unreadable stored keys are ignored."""
    tenant = tenant or db.session.get(Tenant, current_tenant_id())
    stored = dict((tenant.policies or {}).get(POLICY_KEY, {}) or {}) if tenant else {}
    types = _types()
    values = {}
    for name, raw in stored.items():
        if name not in types:
            continue
        try:
            values[name] = types[name](str(raw))
        except (InvalidOperation, ValueError):
            continue
    return TechnicalSettings(**values)


def save_technical_settings(values: dict, actor) -> TechnicalSettings:
    """Save the given settings (others keep theirs); audited.  A bad value raises
    TechnicalSettingsError naming it and saves nothing.  The weights may not all be 0."""
    types = _types()
    cleaned, errors = {}, {}
    for name, raw in values.items():
        if name not in SETTINGS:
            errors[name] = _l("没有这个设置")
            continue
        label, lowest, highest = SETTINGS[name]
        number = None
        if not isinstance(raw, bool) and raw is not None:
            try:
                number = types[name](str(raw).strip())
            except (InvalidOperation, ValueError):
                number = None
        if number is None or (isinstance(number, Decimal) and not number.is_finite()) \
                or not lowest <= number <= highest:
            kind = _l("整数") if types[name] is int else _l("数")
            errors[name] = _l("%(label)s 须为 %(lo)s 到 %(hi)s 的%(kind)s",
                              label=label, lo=lowest, hi=highest, kind=kind)
            continue
        cleaned[name] = number
    current = technical_settings()
    if not errors and all(cleaned.get(w, getattr(current, w)) == 0 for w in WEIGHTS):
        errors["weight_exam"] = _l("三项权重不能都为 0")
    if errors:
        raise TechnicalSettingsError(errors)
    tenant = db.session.get(Tenant, current_tenant_id())
    before = dict((tenant.policies or {}).get(POLICY_KEY, {}) or {})
    stored = {name: str(value) if isinstance(value, Decimal) else value
              for name, value in cleaned.items()}
    policies = dict(tenant.policies or {})
    policies[POLICY_KEY] = {**before, **stored}
    tenant.policies = policies  # a new dict: JSON columns track assignment only
    record_audit("technical.settings", "tenant", tenant.id,
                 before={k: before.get(k) for k in stored}, after=stored, actor=actor)
    db.session.flush()
    return technical_settings(tenant)
