"""Home, my page, jobs with live progress, audit log, permission matrix, language."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import func, select

from app.audit import AUDIT_ACTIONS
from app.audit_display import audit_rows
from app.blueprints.main import bp
from app.extensions import db
from app.jobs import JobStartError, result_visible
from app.jobs.display import job_texts, result_lines
from app.jobs.models import JobRecord
from app.models import AuditEntry, Employee
from app.navigation import navigation_for
from app.permissions import PERMISSIONS, ROLES, permission_required, public
from app.tenancy import get_or_404

PAGE_SIZE = 50


@bp.route("/")
@public
def index():
    """Send each person to the first page their role opens."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    items = navigation_for(current_user)
    return redirect(url_for(items[0].endpoint) if items else url_for("main.me"))


@bp.route("/healthz")
@public
def health():
    db.session.execute(select(1))
    return {"status": "ok"}


@bp.route("/me")
@permission_required("self.view")
def me():
    employee = (
        db.session.get(Employee, current_user.employee_id) if current_user.employee_id else None
    )
    month = None
    # Those who go on the board (技师) see their month so far first: 今日钟数 and commission.
    if employee is not None and current_user.can("board.clock_in"):
        from app.blueprints.hr.month_so_far import month_so_far

        month = month_so_far(employee)
    return render_template("main/me.html", employee=employee, month=month)


@bp.route("/lang/<code>", methods=["POST", "GET"])
@public
def set_language(code: str):
    from flask import current_app

    if code in current_app.config["LANGUAGES"]:
        session["locale"] = code
    return redirect(_safe_back() or url_for("main.index"))


def _safe_back() -> str | None:
    target = request.args.get("next") or request.referrer or ""
    from urllib.parse import urlparse

    from app.security import safe_next_path

    parsed = urlparse(target)
    if parsed.netloc and parsed.netloc != request.host:
        return None
    return safe_next_path(parsed.path)


@bp.route("/jobs")
@permission_required("job.view")
def jobs():
    page = max(1, request.args.get("page", 1, type=int))
    rows = db.session.scalars(
        select(JobRecord).order_by(JobRecord.id.desc()).limit(PAGE_SIZE).offset(
            (page - 1) * PAGE_SIZE)
    ).all()
    total = db.session.scalar(select(func.count(JobRecord.id)))
    return render_template("main/jobs.html", jobs=rows, texts=job_texts(rows), page=page,
                           total=total, page_size=PAGE_SIZE)


@bp.route("/jobs/start", methods=["POST"])
@permission_required("job.run")
def job_start():
    """Start the headcount report (生成人员统计) and follow it on its detail page."""
    from app.blueprints.hr.headcount import start_headcount_report

    try:
        record = start_headcount_report()
    except JobStartError as exc:
        flash(exc.message, "danger")
        return redirect(url_for("main.jobs"))
    db.session.commit()  # the job is dispatched after this commit (after_request)
    return redirect(url_for("main.job_detail", job_id=record.id))


@bp.route("/jobs/<int:job_id>")
@permission_required("job.view")
def job_detail(job_id: int):
    record = get_or_404(JobRecord, job_id)
    return render_template("main/job_detail.html", job=record,
                           text=job_texts([record])[record.id],
                           result=result_lines(record.result),
                           show_result=result_visible(record, current_user))


@bp.route("/jobs/<int:job_id>/progress")
@permission_required("job.view")
def job_progress(job_id: int):
    """htmx fragment polled by the Jobs page until the run ends."""
    record = get_or_404(JobRecord, job_id)
    return render_template("main/_job_progress.html", job=record)


@bp.route("/audit")
@permission_required("audit.view")
def audit_log():
    page = max(1, request.args.get("page", 1, type=int))
    action = request.args.get("action") or None
    query = select(AuditEntry)
    if action:
        query = query.where(AuditEntry.action == action)
    rows = db.session.scalars(
        query.order_by(AuditEntry.id.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    return render_template("main/audit.html", entries=audit_rows(rows), page=page, action=action,
                           actions=AUDIT_ACTIONS, page_size=PAGE_SIZE)


@bp.route("/permissions")
@permission_required("permissions.view")
def permission_matrix():
    return render_template("main/permissions.html", roles=ROLES, permissions=PERMISSIONS)
