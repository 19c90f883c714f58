"""入职: from candidate to probation (the checklist), and the 转正 review after it.

specs/hr-lifecycle.md.  Plain functions: they add/flush, write the audit entry
and never commit (the view does).  Bad input raises ``HrError``; an item owned
by another department raises ``ChecklistForbidden`` (403 in the views).

Rules chosen where the spec is silent:
* Onboarding starts only from ``candidate``; the employee becomes
  ``onboarding`` at once and ``probation`` when every REQUIRED item is done.
  The 创建登录账号 item (action ``create_account``) is never a condition of
  that: it is ticked by the system when the login is created — at the start if
  the template says ``account_at="start"``, else on completion.  HR (holding
  ``account.manage``) may tick it earlier to create the login then.
* The login: username = employee number (工号), or 工号-2, -3… when taken (or
  ``e<id>`` when the number is not a valid username); role = the position's
  role; store = the employee's store.  The initial password is returned once to
  the caller (the page that caused the creation shows it, never stored).
* Issuing items (发放物品) creates one IssuedItem per name ticked; the item list
  comes from the template (``detail``), logistics may leave some out.
* 入职技师审核: "pass" ticks the item; "fail" leaves it open with the note and
  an audit entry, so it can be reviewed again or HR cancels the onboarding.
  Other departments may refuse a "pass" through :func:`register_review_guard`
  (the technical department: not before the person passed a pre-job training);
  hr never imports them.
* Cancelling an onboarding sends the person back to ``candidate`` (they never
  worked) and disables a login created at the start; the checklist stays.
* The hire date is kept when HR entered one, else it is the day the person
  reaches probation; probation_ends_on = hire date + template months − 1 day.
* 转正: "confirm" → ``active``; "end" → a termination request (离职) with the
  given last day, which the HR manager approves like any other offboarding.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, select

from app import duties
from app.audit import record_audit, register_audit_actions
from app.blueprints.hr import checklists, services
from app.blueprints.hr.models import ChecklistItem, ChecklistTemplate, IssuedItem, Onboarding
from app.extensions import db
from app.models import Account, Employee, Position
from app.models.base import utcnow
from app.tenants import USERNAME_RE

register_audit_actions({
    "onboarding.start": _l("开始入职"),
    "onboarding.item_done": _l("完成入职事项"),
    "onboarding.review_failed": _l("入职技师审核未通过"),
    "onboarding.complete": _l("入职完成（转入试用期）"),
    "onboarding.cancel": _l("取消入职"),
    "onboarding.login_deferred": _l("入职账号待有权限者开通"),
    "onboarding.probation_confirm": _l("转正"),
    "onboarding.probation_end": _l("试用期不合格，终止劳动关系"),
    "issued_item.issue": _l("发放员工物品"),
})

REVIEW_OUTCOMES = ("pass", "fail")
PROBATION_OUTCOMES = ("confirm", "end")
# How many days ahead a probation review shows up as due on the HR page.
REVIEW_DUE_WITHIN_DAYS = 7


# name -> guard(employee) returning a message that refuses a 入职技师审核 "pass", or None.
REVIEW_GUARDS: dict[str, Callable[[Employee], str | None]] = {}


def register_review_guard(name: str, guard: Callable[[Employee], str | None]) -> None:
    """Let another department refuse a 入职技师审核 "pass" (registered at app start;
    registering the same name again replaces it)."""
    REVIEW_GUARDS[name] = guard


def _review_refusal(employee: Employee) -> str | None:
    for guard in REVIEW_GUARDS.values():
        message = guard(employee)
        if message:
            return message
    return None


@dataclass
class OnboardingResult:
    onboarding: Onboarding
    # The login created by this step (its password is shown once), if any.
    issued: services.IssuedLogin | None = None
    completed: bool = False


# --------------------------------------------------------------------------- lookups


def items_of(onboarding: Onboarding) -> list[ChecklistItem]:
    return list(db.session.scalars(
        select(ChecklistItem).where(ChecklistItem.onboarding_id == onboarding.id)
        .order_by(ChecklistItem.sort_order, ChecklistItem.id)))


def employee_of(onboarding: Onboarding) -> Employee:
    return db.session.scalar(select(Employee).where(Employee.id == onboarding.employee_id))


def open_onboarding_of(employee: Employee) -> Onboarding | None:
    return db.session.scalar(select(Onboarding).where(
        Onboarding.employee_id == employee.id, Onboarding.status == "open"))


def _position(employee: Employee) -> Position | None:
    return db.session.scalar(select(Position).where(Position.id == employee.position_id))


# --------------------------------------------------------------------------- candidate


def create_candidate(*, employee_no: str, name: str, position_id: int | None,
                     store_id: int | None = None, gender: str = "female", phone: str = "",
                     hire_date: date | None = None) -> Employee:
    """A candidate's file (status ``candidate``), through the employee file's own rules."""
    return services.create_employee(
        employee_no=employee_no, name=name, position_id=position_id, store_id=store_id,
        gender=gender, phone=phone, status="candidate", hire_date=hire_date)


# --------------------------------------------------------------------------- start


def start_onboarding(employee: Employee, actor=None, today: date | None = None
                     ) -> OnboardingResult:
    """入职: the checklist from the position's template; the person becomes ``onboarding``."""
    if employee.status != "candidate":
        raise services.HrError({"employee": _("只有候选人可以开始入职（当前状态：%(s)s）",
                                              s=_status_label(employee.status))})
    if open_onboarding_of(employee) is not None:
        raise services.HrError({"employee": _("该员工已有进行中的入职")})
    template = checklists.template_for("onboarding", employee.position_id)
    if template is None:
        raise services.HrError({"template": _("没有可用的入职清单模板，请先在“清单模板”中新建")})
    today = today or checklists.tenant_today()
    onboarding = Onboarding(employee_id=employee.id, template_id=template.id, status="open",
                            account_at=template.account_at, started_on=today,
                            started_by_account_id=getattr(actor, "id", None))
    db.session.add(onboarding)
    db.session.flush()
    items = checklists.copy_items(template, employee_id=employee.id,
                                  onboarding_id=onboarding.id, start=today)
    employee.status = "onboarding"
    db.session.flush()
    record_audit("onboarding.start", "employee", employee.id,
                 before={"status": "candidate"},
                 after={"status": "onboarding", "onboarding_id": onboarding.id,
                        "template": template.name, "items": len(items)})
    result = OnboardingResult(onboarding)
    if template.account_at == "start":
        result.issued = _ensure_login(employee, items, actor)
    result.completed = _complete_if_ready(onboarding, employee, items, actor, result, today)
    return result


# --------------------------------------------------------------------------- ticking


def tick_item(item: ChecklistItem, actor, *, note: str = "", outcome: str | None = None,
              item_names: list[str] | None = None, today: date | None = None
              ) -> OnboardingResult:
    """Tick one item of an open onboarding as its owner department.

    ``outcome`` is "pass"/"fail" for 入职技师审核; ``item_names`` the items handed
    out for 发放物品 (default: the template's list).
    """
    onboarding = db.session.scalar(select(Onboarding).where(Onboarding.id == item.onboarding_id))
    if onboarding is None:
        raise services.HrError({"checklist_item": _("这不是入职清单的事项")})
    employee = employee_of(onboarding)
    checklists.check_may_tick(actor, item, employee.store_id)
    if onboarding.status != "open":
        raise services.HrError({"checklist_item": _("该入职已结束，不能再勾选")})
    if item.done_at is not None:
        raise services.HrError({"checklist_item": _("“%(title)s”已经完成", title=item.title)})
    today = today or checklists.tenant_today()
    note = (note or "").strip()
    result = OnboardingResult(onboarding)
    audit_after: dict = {"item_id": item.id, "title": item.title}

    if item.action == "create_account":
        if actor is not None and not actor.can("account.manage"):
            raise checklists.ChecklistForbidden({"checklist_item": _(
                "开通账号需要“管理登录账号”的权限；所有必办事项完成后系统会自动开通")})
        items = items_of(onboarding)
        result.issued = _ensure_login(employee, items, actor, explicit=True)
        result.completed = _complete_if_ready(onboarding, employee, items, actor, result, today)
        return result
    if item.action == "technical_review":
        if outcome not in REVIEW_OUTCOMES:
            raise services.HrError({"outcome": _("请选择审核结果：通过或不通过")})
        if outcome == "fail":
            if not note:
                raise services.HrError({"note": _("不通过时请写明原因")})
            item.note = (_("未通过：") + note)[:255]
            db.session.flush()
            record_audit("onboarding.review_failed", "employee", employee.id,
                         after={**audit_after, "note": note})
            return result
        refusal = _review_refusal(employee)
        if refusal:
            raise services.HrError({"outcome": refusal})
        note = _("通过") + (f"：{note}" if note else "")
        audit_after["outcome"] = "pass"
    if item.action == "issue_items":
        names = _issue_names(item, item_names)
        for name in names:
            db.session.add(IssuedItem(employee_id=employee.id, name=name, issued_on=today,
                                      store_id=employee.store_id, kind=issued_item_kind(name),
                                      issued_by_account_id=getattr(actor, "id", None)))
        db.session.flush()
        record_audit("issued_item.issue", "employee", employee.id, after={"items": names})
        note = "、".join(names) + (f"；{note}" if note else "")
        audit_after["issued"] = names
    checklists.mark_done(item, actor, note)
    db.session.flush()
    record_audit("onboarding.item_done", "employee", employee.id, after=audit_after)
    result.completed = _complete_if_ready(onboarding, employee, items_of(onboarding), actor,
                                          result, today)
    return result


# Words in an item's name -> its kind (logistics' list counts by kind); first match wins.
_KIND_WORDS = (("工服", "uniform"), ("钥匙", "key"), ("工牌", "badge"), ("手机", "phone"))


def issued_item_kind(name: str) -> str:
    """The kind of an issued item read from its name (工服, 柜钥匙, 工牌, 手机…), else other."""
    for word, kind in _KIND_WORDS:
        if word in (name or ""):
            return kind
    return "other"


def _issue_names(item: ChecklistItem, chosen: list[str] | None) -> list[str]:
    listed = [n.strip() for n in (item.detail or "").split(",") if n.strip()]
    if chosen is None:
        return listed
    names = []
    for name in chosen:
        name = (name or "").strip()[:64]
        if name and name not in names:
            names.append(name)
    if not names:
        raise services.HrError({"item_names": _("请至少选择一件发放的物品")})
    return names


def _login_username(employee: Employee) -> str:
    base = employee.employee_no if USERNAME_RE.match(employee.employee_no or "") \
        else f"e{employee.id}"
    taken = set(db.session.scalars(select(Account.username).where(
        Account.username.startswith(base, autoescape=True))))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def _ensure_login(employee: Employee, items: list[ChecklistItem], actor,
                  explicit: bool = False) -> services.IssuedLogin | None:
    """Create the person's login unless they have one; tick the 创建登录账号 items.

    Separation of duties (app/duties.py): the login takes the post's role, so the
    person who causes its creation must be allowed to give that role.  Ticked
    explicitly, a refusal is an error; created on the way (at the start, on
    completion) it is left for someone who may give the role: the item stays open.
    """
    issued = None
    existing = services.accounts_of_employee(employee)
    if not existing and not explicit:
        position = _position(employee)
        if position is not None and not duties.may_manage_role(actor, position.role):
            record_audit("onboarding.login_deferred", "employee", employee.id,
                         after={"role": position.role})
            return None
    if not existing:
        issued = services.create_login_for_employee(employee, _login_username(employee),
                                                    actor=actor)
        username = issued.account.username
    else:
        username = existing[0].username
    for item in items:
        if item.action == "create_account" and item.done_at is None:
            checklists.mark_done(item, actor, _("账号 %(u)s", u=username))
    db.session.flush()
    return issued


def _complete_if_ready(onboarding: Onboarding, employee: Employee, items: list[ChecklistItem],
                       actor, result: OnboardingResult, today: date) -> bool:
    """Every required item done → login (if none yet), ``probation``, onboarding done."""
    pending = [i for i in items if i.required and i.done_at is None
               and i.action != "create_account"]
    if pending or onboarding.status != "open":
        return False
    issued = _ensure_login(employee, items, actor)
    if issued is not None:
        result.issued = issued
    template = db.session.scalar(select(ChecklistTemplate).where(
        ChecklistTemplate.id == onboarding.template_id)) if onboarding.template_id else None
    months = template.probation_months if template is not None else 3
    if employee.hire_date is None:
        employee.hire_date = today
    employee.probation_ends_on = checklists.probation_end(employee.hire_date, months)
    before = employee.status
    if employee.probation_ends_on is None:
        employee.status = "active"
        onboarding.review_outcome = "confirmed"
        onboarding.reviewed_at = utcnow()
    else:
        employee.status = "probation"
    onboarding.status = "done"
    onboarding.completed_at = utcnow()
    db.session.flush()
    record_audit("onboarding.complete", "employee", employee.id, before={"status": before},
                 after={"status": employee.status, "hire_date": employee.hire_date.isoformat(),
                        "probation_ends_on": employee.probation_ends_on.isoformat()
                        if employee.probation_ends_on else None})
    return True


# --------------------------------------------------------------------------- cancel


def cancel_onboarding(onboarding: Onboarding, actor=None, reason: str = "") -> Onboarding:
    """Stop an open onboarding: back to ``candidate``; a login made at the start is disabled."""
    if onboarding.status != "open":
        raise services.HrError({"onboarding": _("只能取消进行中的入职")})
    reason = (reason or "").strip()
    if not reason:
        raise services.HrError({"reason": _("请填写取消原因")})
    employee = employee_of(onboarding)
    onboarding.status = "cancelled"
    onboarding.review_note = reason[:2000]
    employee.status = "candidate"
    for account in services.accounts_of_employee(employee):
        services.disable_login(account, reason="入职取消")
    db.session.flush()
    record_audit("onboarding.cancel", "employee", employee.id, before={"status": "onboarding"},
                 after={"status": "candidate", "reason": reason})
    return onboarding


# --------------------------------------------------------------------------- 转正


def pending_review_of(employee: Employee) -> Onboarding | None:
    """The finished onboarding whose 转正 review is still to come, if any."""
    return db.session.scalar(select(Onboarding).where(
        Onboarding.employee_id == employee.id, Onboarding.status == "done",
        Onboarding.review_outcome.is_(None)).order_by(Onboarding.id.desc()))


def review_probation(onboarding: Onboarding, outcome: str, actor=None, note: str = "",
                     last_day: date | None = None, today: date | None = None):
    """转正 from the onboarding page (see :func:`review_probation_of`)."""
    if onboarding.status != "done" or onboarding.review_outcome is not None:
        raise services.HrError({"onboarding": _("该员工不在待转正的试用期")})
    return review_probation_of(employee_of(onboarding), outcome, actor, note=note,
                               last_day=last_day, today=today)


def review_probation_of(employee: Employee, outcome: str, actor=None, note: str = "",
                        last_day: date | None = None, today: date | None = None):
    """转正: "confirm" → ``active``; "end" → a termination request (returns it).

    Works for anyone on probation, with or without an onboarding on file (people
    entered before onboarding existed); the outcome is kept on the onboarding
    when there is one, and always in the audit log.  Returns the employee
    (confirm) or the new Offboarding (end).
    """
    from app.blueprints.hr import offboarding as offboarding_services

    if employee.status != "probation":
        raise services.HrError({"onboarding": _("该员工不在待转正的试用期")})
    if outcome not in PROBATION_OUTCOMES:
        raise services.HrError({"outcome": _("请选择转正或不予录用")})
    note = (note or "").strip()
    today = today or checklists.tenant_today()
    onboarding = pending_review_of(employee)
    result = employee
    if outcome == "confirm":
        employee.status = "active"
        action, after = "onboarding.probation_confirm", {"status": "active", "note": note}
    else:
        if not note:
            raise services.HrError({"note": _("请写明不予录用的原因")})
        result = offboarding_services.request_offboarding(
            employee, kind="termination", last_day=last_day or today,
            reason=_("试用期考核不合格：%(note)s", note=note), actor=actor)
        action, after = "onboarding.probation_end", {"offboarding_id": result.id, "note": note}
    if onboarding is not None:
        onboarding.review_outcome = "confirmed" if outcome == "confirm" else "ended"
        onboarding.reviewed_at = utcnow()
        onboarding.reviewed_by_account_id = getattr(actor, "id", None)
        onboarding.review_note = note
    db.session.flush()
    record_audit(action, "employee", employee.id, before={"status": "probation"}, after=after)
    return result


def due_probation_reviews(scope: set[int] | None = None, today: date | None = None,
                          within_days: int = REVIEW_DUE_WITHIN_DAYS
                          ) -> list[tuple[Onboarding | None, Employee]]:
    """People on probation whose period ends within ``within_days`` (or has ended),
    soonest first, with their onboarding when there is one (not everyone on
    probation came through onboarding: files entered directly, the demo)."""
    today = today or checklists.tenant_today()
    query = (
        select(Onboarding, Employee)
        .select_from(Employee)
        .outerjoin(Onboarding, and_(Onboarding.employee_id == Employee.id,
                                    Onboarding.status == "done",
                                    Onboarding.review_outcome.is_(None)))
        .where(Employee.status == "probation",
               Employee.probation_ends_on <= today + timedelta(days=within_days))
        .order_by(Employee.probation_ends_on, Employee.id))
    if scope is not None:
        query = query.where(Employee.store_id.in_(scope or [-1]))
    seen: set[int] = set()
    rows = []
    for onboarding, employee in db.session.execute(query):
        if employee.id not in seen:  # one row per person
            seen.add(employee.id)
            rows.append((onboarding, employee))
    return rows


def open_onboardings(scope: set[int] | None = None) -> list[tuple[Onboarding, Employee]]:
    query = (select(Onboarding, Employee).join(Employee, Employee.id == Onboarding.employee_id)
             .where(Onboarding.status == "open")
             .order_by(Onboarding.started_on, Onboarding.id))
    if scope is not None:
        query = query.where(Employee.store_id.in_(scope or [-1]))
    return [(o, e) for o, e in db.session.execute(query)]


def _status_label(status: str) -> str:
    from app.labels import status_label

    return status_label(status)
