"""技术考核 pages: the score history, scoring an exam on a phone, one exam, the rubrics."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.blueprints.hr import services as hr_services
from app.blueprints.hr.common import get_by_id
from app.blueprints.store.catalogue import exam_pass_mark_text
from app.blueprints.store.models import ComplaintCase, ServiceItem
from app.blueprints.technical import bp, exams
from app.blueprints.technical.models import EXAM_KINDS, PracticalExam
from app.extensions import db
from app.models import Account, Employee
from app.models.people import ON_STAFF_STATUSES
from app.permissions import get_in_scope_or_404, permission_required, store_scope

PAGE_SIZE = 50


def _visible_stores():
    scope = store_scope(current_user)
    return [s for s in hr_services.stores() if scope is None or s.id in scope]


def _items(exam_only: bool = False) -> list[ServiceItem]:
    query = select(ServiceItem).where(ServiceItem.is_active)
    if exam_only:
        query = query.where(ServiceItem.exam_pass_score.is_not(None))
    return list(db.session.scalars(query.order_by(ServiceItem.category, ServiceItem.code)))


def _page_context() -> dict:
    return {"kind_label": exams.kind_label, "pass_mark": exam_pass_mark_text}


@bp.route("/exams", endpoint="exams")
@permission_required("technical.view")
def exams_list():
    """考核记录: newest first, by store, therapist, item and result (a supervisor: own stores)."""
    result = request.args.get("result") or ""
    filters = exams.ExamFilters(
        store_id=request.args.get("store_id", type=int),
        employee_id=request.args.get("employee_id", type=int),
        service_item_id=request.args.get("service_item_id", type=int),
        passed={"passed": True, "failed": False}.get(result))
    page = max(1, request.args.get("page", 1, type=int))
    scope = store_scope(current_user)
    rows = db.session.scalars(exams.exam_query(filters, scope)
                              .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    stores = _visible_stores()
    return render_template(
        "technical/exams.html", rows=rows, filters=filters, result=result, page=page,
        page_size=PAGE_SIZE, stores=stores, store_names={s.id: s.name for s in stores},
        therapists=hr_services.therapist_roster(scope), items=_items(),
        item_names={i.id: i.name for i in db.session.scalars(select(ServiceItem))},
        **_page_context())


def _therapist_choices() -> list[Employee]:
    """Working therapists of the examiner's stores, not the examiner."""
    return [t for t in hr_services.therapist_roster(store_scope(current_user))
            if t.status in ON_STAFF_STATUSES and t.id != current_user.employee_id]


def _chosen(model, name: str):
    """The object a query or form field names, 404 when out of the viewer's scope."""
    value = request.values.get(name, type=int)
    return get_in_scope_or_404(model, value) if value else None


def _chosen_item() -> ServiceItem | None:
    value = request.values.get("service_item_id", type=int)
    return get_by_id(ServiceItem, value) if value else None


@bp.route("/exams/new", methods=["GET", "POST"])
@permission_required("therapist.assess")
def exam_new():
    """考核评分 on a phone: pick the therapist and item, then score each criterion.

    ``?employee_id=&service_item_id=&complaint_id=`` prefill a re-exam ordered by a complaint.
    """
    employee = _chosen(Employee, "employee_id")
    complaint = _chosen(ComplaintCase, "complaint_id")
    if employee is None and complaint is not None and complaint.therapist_id is not None \
            and request.method == "GET":
        employee = get_in_scope_or_404(Employee, complaint.therapist_id)
    item = _chosen_item()
    errors: dict[str, str] = {}
    if request.method == "POST":
        scores = {key.removeprefix("score_"): value for key, value in request.form.items()
                  if key.startswith("score_")}
        if employee is None:
            errors["employee_id"] = _("请选择技师")
        else:
            try:
                exam = exams.record_exam(
                    employee, item, scores, kind=request.form.get("kind") or "regular",
                    note=request.form.get("note", ""),
                    examined_on=request.form.get("examined_on"), actor=current_user,
                    complaint_id=complaint.id if complaint else None)
            except exams.ExamError as exc:
                db.session.rollback()
                errors = exc.fields
            else:
                db.session.commit()
                flash(_("已保存：%(score)s 分，%(result)s", score=exam.score,
                        result=_("合格") if exam.passed else _("不合格")),
                      "success" if exam.passed else "warning")
                return redirect(url_for("technical.exam_detail", exam_id=exam.id))
    criteria = exams.criteria_of(item.id) if item is not None else []
    ready = employee is not None and item is not None and not exams.exam_refusal(
        current_user, employee, item)
    if employee is not None and item is not None and not ready and not errors:
        errors = exams.exam_refusal(current_user, employee, item)
    kind = request.values.get("kind") or ("re_exam" if complaint else "regular")
    return render_template(
        "technical/exam_new.html", employee=employee, item=item, complaint=complaint,
        criteria=criteria, ready=ready, errors=errors, form=request.form, kind=kind,
        kinds=EXAM_KINDS, therapists=_therapist_choices(), items=_items(exam_only=True),
        today=hr_services.tenant_today(),
        **_page_context()), 422 if errors and request.method == "POST" else 200


@bp.route("/exams/<int:exam_id>")
@permission_required("technical.view")
def exam_detail(exam_id: int):
    """One exam as scored: each criterion (as it was then), the score, pass mark, result."""
    exam = get_in_scope_or_404(PracticalExam, exam_id)
    employee = db.session.get(Employee, exam.employee_id)
    item = db.session.get(ServiceItem, exam.service_item_id)
    examiner = db.session.get(Account, exam.examiner_account_id) \
        if exam.examiner_account_id else None
    qualified = exams.holds_qualification(exam.employee_id, exam.service_item_id)
    return render_template("technical/exam_detail.html", exam=exam, employee=employee,
                           item=item, examiner=examiner, qualified=qualified,
                           store_names={s.id: s.name for s in hr_services.stores()},
                           **_page_context())


@bp.route("/exams/rubrics")
@permission_required("technical.view")
def exam_rubrics():
    """评分标准: every item with its pass mark and criteria."""
    items = _items()
    return render_template("technical/exam_rubrics.html", items=items,
                           criteria=exams.criteria_by_item([i.id for i in items]),
                           **_page_context())


def _rubric_page(item: ServiceItem, rows=None, errors=None, pass_score=None, status=200):
    return render_template(
        "technical/exam_rubric.html", item=item,
        rows=rows if rows is not None else [
            {"id": c.id, "name": c.name, "weight": c.weight, "description": c.description,
             "sort_order": c.sort_order, "is_active": c.is_active}
            for c in exams.criteria_of(item.id, archived=True)],
        pass_score=pass_score if pass_score is not None else (
            item.exam_pass_score if item.exam_pass_score is not None else ""),
        errors=errors or {}, blank_rows=3, **_page_context()), status


@bp.route("/exams/rubrics/<int:service_item_id>")
@permission_required("technical.view")
def exam_rubric(service_item_id: int):
    """One item's rubric: read for the department, edited with ``technical.settings``."""
    return _rubric_page(db.session.get(ServiceItem, service_item_id))


def _posted_rows() -> list[dict]:
    """The rubric form's rows (``row`` = index; blank new rows skipped)."""
    rows = []
    for index in request.form.getlist("row"):
        get = request.form.get
        row = {"id": get(f"id_{index}") or None, "name": get(f"name_{index}", ""),
               "weight": get(f"weight_{index}", ""), "description": get(f"description_{index}", ""),
               "sort_order": get(f"sort_order_{index}", ""),
               "is_active": get(f"active_{index}") == "1"}
        if row["id"] is None and not row["name"].strip() and not row["weight"].strip():
            continue
        rows.append(row)
    return rows


@bp.route("/exams/rubrics/<int:service_item_id>", methods=["POST"])
@permission_required("technical.settings")
def exam_rubric_save(service_item_id: int):
    item = db.session.get(ServiceItem, service_item_id)
    rows = _posted_rows()
    pass_score = request.form.get("pass_score", "")
    try:
        exams.save_rubric(item, pass_score, rows, actor=current_user)
    except exams.ExamError as exc:
        db.session.rollback()
        return _rubric_page(item, rows=rows, errors=exc.fields, pass_score=pass_score, status=422)
    db.session.commit()
    flash(_("已保存“%(item)s”的评分标准", item=item.name), "success")
    return redirect(url_for("technical.exam_rubric", service_item_id=item.id))

