"""技能评定的确认: a technical supervisor or the director confirms (or does not adopt)
a recommended promotion or demotion, through the one approval flow (kind
``skill_assessment``, approval_kinds_assessment.py).

Confirming files an *approved* level change with hr (``changes.record_assessed_level_change``:
kind promotion/demotion, the recommended level, the effective date given, a reason naming
the assessment), applied at once when the date has come, else by hr's daily job; payroll
then pays each job at the level in force on its day.  Not adopting (不采纳) keeps the
level.  Either way the assessment is decided and a rerun of its period leaves it.

The effective date defaults to the 1st of the month after the period and must fall after
the period's end (a month's result does not reach back into that month).
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from app import approvals
from app.audit import record_audit
from app.blueprints.hr import changes as hr_changes
from app.blueprints.hr.common import HrError
from app.blueprints.technical.assessment import AssessmentError, default_effective_on
from app.blueprints.technical.models import SkillAssessment
from app.extensions import db
from app.models import Employee
from app.models.base import utcnow

KIND = "skill_assessment"
CHANGE_KINDS = {"promote": "promotion", "demote": "demotion"}


def _check_pending(assessment: SkillAssessment) -> None:
    if assessment.status != "pending":
        raise AssessmentError({"status": _("只能处理待确认的技能评定")})


def confirm_assessment(assessment: SkillAssessment, actor, effective_on: date | None = None,
                       note: str = "", today: date | None = None) -> SkillAssessment:
    """确认: the level change is recorded (approved) and applied when due."""
    _check_pending(assessment)
    effective_on = effective_on or default_effective_on(assessment.period_end)
    if not isinstance(effective_on, date):
        raise AssessmentError({"effective_on": _("请填写生效日期")})
    if effective_on <= assessment.period_end:
        raise AssessmentError({"effective_on": _("生效日期须晚于评定期间的最后一天")})
    note = approvals.clean_note(note)

    def effect(_step):
        employee = db.session.get(Employee, assessment.employee_id)
        reason = _("技能评定 %(start)s 至 %(end)s（评定 #%(id)s）：得分 %(score)s，%(note)s",
                   start=assessment.period_start.isoformat(),
                   end=assessment.period_end.isoformat(), id=assessment.id,
                   score=assessment.score, note=note or _("确认建议"))
        try:
            change = hr_changes.record_assessed_level_change(
                employee, CHANGE_KINDS[assessment.recommendation],
                assessment.recommended_level_id, effective_on, reason, actor=actor,
                today=today)
        except HrError as exc:
            # The level changed since, an open change waits, a date before hiring ...
            field = "effective_on" if "effective_on" in exc.fields else "status"
            raise AssessmentError({field: exc.fields.get(field, exc.message)}) from exc
        assessment.status = "confirmed"
        assessment.decided_by_account_id = actor.id
        assessment.decided_at = utcnow()
        assessment.decision_note = note
        assessment.effective_on = effective_on
        assessment.employee_change_id = change.id
        db.session.flush()
        record_audit("technical.assessment_confirm", "skill_assessment", assessment.id,
                     before={"status": "pending"},
                     after={"status": "confirmed", "effective_on": effective_on.isoformat(),
                            "employee_change_id": change.id,
                            "recommended_level_id": assessment.recommended_level_id,
                            "note": note}, actor=actor)

    approvals.decide(KIND, assessment, actor, approvals.APPROVED, note, effect)
    return assessment


def reject_assessment(assessment: SkillAssessment, actor, note: str = "") -> SkillAssessment:
    """不采纳: the level stays; kept with who decided and why."""
    _check_pending(assessment)
    note = approvals.clean_note(note)

    def effect(_step):
        assessment.status = "rejected"
        assessment.decided_by_account_id = actor.id
        assessment.decided_at = utcnow()
        assessment.decision_note = note
        db.session.flush()
        record_audit("technical.assessment_reject", "skill_assessment", assessment.id,
                     before={"status": "pending"}, after={"status": "rejected", "note": note},
                     actor=actor)

    approvals.decide(KIND, assessment, actor, approvals.REJECTED, note, effect)
    return assessment
