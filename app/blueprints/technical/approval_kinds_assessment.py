"""技能评定 in the one approval flow (app/approvals.py): a recommended promotion or
demotion waits (``pending``) for a technical supervisor of the therapist's store or the
technical director (``therapist.assess``); nobody decides one about themselves."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from app import approvals
from app.approvals import ApprovalKind, Step
from app.blueprints.technical import assessment_decisions as decisions
from app.blueprints.technical.assessment import RECOMMENDATION_LABELS, AssessmentError
from app.blueprints.technical.models import SkillAssessment


def _describe(row: SkillAssessment) -> str:
    employee = row.__dict__.get("employee")
    level = (row.inputs or {}).get("recommended_level") or {}
    name = employee.name if employee is not None else "#" + str(row.employee_id)
    return _("%(name)s 技能评定 %(end)s：%(advice)s（得分 %(score)s → %(level)s）",
             name=name,
             end=row.period_end.strftime("%Y-%m"),
             advice=RECOMMENDATION_LABELS.get(row.recommendation, row.recommendation),
             score=row.score, level=level.get("name", ""))


SKILL_ASSESSMENT = ApprovalKind(
    name=decisions.KIND, label=_l("技能评定"), model=SkillAssessment,
    steps=(Step("technical", "pending", "therapist.assess", _l("技术督导确认")),),
    submitter=lambda row: None,
    subject=lambda row: row.employee_id,
    store=lambda row: row.store_id,
    store_column=SkillAssessment.store_id,
    approve=lambda row, actor, note: decisions.confirm_assessment(row, actor, note=note),
    reject=lambda row, actor, note: decisions.reject_assessment(row, actor, note),
    describe=_describe,
    url=lambda row: url_for("technical.assessment_detail", assessment_id=row.id),
    submitted_at=lambda row: row.created_at,
    inbox_options=(joinedload(SkillAssessment.employee),),
    refusal_error=AssessmentError,
)


def register() -> None:
    approvals.register_kind(SKILL_ASSESSMENT)
