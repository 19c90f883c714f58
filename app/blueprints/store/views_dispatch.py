"""轮牌 pages: the dispatcher's live board, its actions, the day's log and the
guest's add-on (加钟) confirmation by QR code.

Thin views: parse the form, call app.blueprints.store.dispatch, commit once.
Reading the board and the log needs ``dispatch.view_log`` (the store's
therapists read it too: the rotation is visibly fair); changing it needs
``dispatch.assign``; a therapist clocks themselves in with ``board.clock_in``.
"""

from __future__ import annotations

from datetime import date

import segno
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from app.blueprints.store import bp, dispatch, rotation, rotation_moves
from app.blueprints.store.days import today_for_store
from app.blueprints.store.models import BoardEntry, OrderLine, ServiceItem, ServiceJob
from app.extensions import db, limiter
from app.models import Employee, Store
from app.permissions import get_in_scope_or_404, permission_required, public
from app.tenancy import tenant_context
from app.validation import InputError


def _store_or_404(store_id: int) -> Store:
    return get_in_scope_or_404(Store, store_id)


def _of_store(model, object_id: int, store_id: int):
    """An object of this store (tenant and store scope are checked centrally)."""
    obj = get_in_scope_or_404(model, object_id)
    if obj.store_id != store_id:
        abort(404)
    return obj


def _back(store_id: int) -> str:
    """The page the action came from (``next``), if it is a path of this site."""
    target = request.form.get("next") or request.args.get("next") or ""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("store.board", store_id=store_id)


def _numbers(therapist_ids) -> dict[int, str]:
    ids = set(therapist_ids)
    if not ids:
        return {}
    return {e.id: e.employee_no for e in db.session.scalars(
        select(Employee).where(Employee.id.in_(ids)))}


def _flash_error(error: InputError) -> None:
    """The field's message; for "nobody free", why each therapist was passed over."""
    db.session.rollback()
    message = error.message
    passed = getattr(error, "passed_over", None)
    if passed:
        numbers = _numbers(p.therapist_id for p in passed)
        details = "，".join(f"{numbers.get(p.therapist_id, p.therapist_id)} "
                           f"{rotation.PASS_REASONS.get(p.reason, p.reason)}" for p in passed)
        message = f"{message}（{details}）"
    flash(message, "danger")


def _act(store_id: int, verb, done) -> object:
    """Run one dispatch verb, commit, flash the outcome and go back."""
    try:
        result = verb()
    except InputError as error:
        _flash_error(error)
    else:
        message = done(result)
        db.session.commit()
        flash(message, "success")
    return redirect(_back(store_id))


def _qr_svg(token: str) -> Markup:
    url = url_for("store.addon_confirm", token=token, _external=True)
    return Markup(segno.make(url, error="m").svg_inline(scale=3, dark="#212529"))


def _board_context(store: Store) -> dict:
    snapshot = dispatch.board_snapshot(store.id)
    items = db.session.scalars(
        select(ServiceItem).where(ServiceItem.is_active.is_(True))
        .order_by(ServiceItem.category, ServiceItem.code)).all()
    qr = {addon["token"]: _qr_svg(addon["token"])
          for row in snapshot.queue if row.job for addon in row.job.addons
          if addon["token"] and not addon["confirmed"]}
    own = getattr(current_user, "employee_id", None)
    return {"store": store, "snapshot": snapshot, "items": items, "qr": qr,
            "can_dispatch": current_user.can("dispatch.assign"),
            "can_clock_in": current_user.can("board.clock_in"),
            "own_off_board": any(e.id == own for e in snapshot.off_board),
            "move_labels": rotation_moves.MOVE_LABELS,
            "here": url_for("store.board", store_id=store.id)}


@bp.route("/<int:store_id>/board")
@permission_required("dispatch.view_log")
def board(store_id: int):
    """轮牌: the page the dispatcher keeps open all day (live every 5 s)."""
    store = _store_or_404(store_id)
    return render_template("store/board.html", **_board_context(store))


@bp.route("/<int:store_id>/board/live")
@permission_required("dispatch.view_log")
def board_live(store_id: int):
    """The live part of the board, polled by htmx."""
    store = _store_or_404(store_id)
    return render_template("store/board_live.html", **_board_context(store))


@bp.route("/<int:store_id>/lines/<int:line_id>/assign", methods=["POST"])
@permission_required("dispatch.assign")
def line_assign(store_id: int, line_id: int):
    """派钟 one service line: 轮钟 (mode=rotation, gender: the form pre-selects the
    line's wish) or 点钟 (mode=requested, therapist_no: pre-filled with the line's)."""
    store = _store_or_404(store_id)
    line = _of_store(OrderLine, line_id, store.id)
    mode = request.form.get("mode", "rotation")
    if mode == "requested":
        def verb():
            return dispatch.assign_requested(line, request.form.get("therapist_no"), current_user)
    elif mode == "rotation":
        def verb():
            return dispatch.assign_rotation(line, current_user,
                                            request.form.get("gender", dispatch.LINE_WISH))
    else:
        flash(_("无效的派钟方式"), "danger")
        return redirect(_back(store.id))
    return _act(store.id, verb, lambda job: _("%(item)s 派给 %(no)s 号技师（%(type)s）",
                                              item=line.name,
                                              no=_numbers([job.therapist_id])[job.therapist_id],
                                              type=_("点钟") if job.job_type == "requested"
                                              else _("轮钟")))


@bp.route("/<int:store_id>/service-jobs/<int:service_job_id>/finish", methods=["POST"])
@permission_required("dispatch.assign")
def job_finish(store_id: int, service_job_id: int):
    """下钟 (more than the tenant's threshold early: with the form's reason)."""
    store = _store_or_404(store_id)
    job = _of_store(ServiceJob, service_job_id, store.id)
    return _act(store.id, lambda: dispatch.finish_job(job, current_user,
                                                      request.form.get("reason", "")),
                lambda job: _("%(no)s 号技师已下钟", no=_numbers([job.therapist_id])[
                    job.therapist_id]))


@bp.route("/<int:store_id>/service-jobs/<int:service_job_id>/return", methods=["POST"])
@permission_required("dispatch.assign")
def job_return(store_id: int, service_job_id: int):
    """退钟 with the guest's reason; the line goes to the next therapist."""
    store = _store_or_404(store_id)
    job = _of_store(ServiceJob, service_job_id, store.id)

    def done(replacement):
        if replacement is None:
            return _("已退钟；暂时没有空闲技师，该项目等待派钟")
        return _("已退钟，改派 %(no)s 号技师",
                 no=_numbers([replacement.therapist_id])[replacement.therapist_id])

    return _act(store.id, lambda: dispatch.return_job(job, current_user,
                                                      request.form.get("reason", ""),
                                                      gender=request.form.get(
                                                          "gender", dispatch.LINE_WISH)), done)


@bp.route("/<int:store_id>/service-jobs/<int:service_job_id>/addon", methods=["POST"])
@permission_required("dispatch.assign")
def job_addon(store_id: int, service_job_id: int):
    """加钟: another item by the same therapist; the guest confirms by QR."""
    store = _store_or_404(store_id)
    job = _of_store(ServiceJob, service_job_id, store.id)
    return _act(store.id, lambda: dispatch.add_on(job, request.form.get("service_item_id"),
                                                  current_user),
                lambda addon: _("已加钟，请技师出示二维码请客人确认"))


def _therapist_for_clocking() -> object:
    """Dispatchers clock anyone in or out; a therapist only themselves."""
    if current_user.can("dispatch.assign"):
        return request.form.get("therapist_id")
    own = getattr(current_user, "employee_id", None)
    if own is None:
        abort(403)
    return own


@bp.route("/<int:store_id>/board/clock-in", methods=["POST"])
@permission_required("board.clock_in")
def board_clock_in(store_id: int):
    """上牌: join today's board at the tail.  On a rest day the page asks first
    (a confirm step that posts again with ``confirm_rest_day``); an expired
    健康证 is refused with the reason."""
    store = _store_or_404(store_id)
    therapist_id = _therapist_for_clocking()
    confirmed = request.form.get("confirm_rest_day") == "1"
    try:
        entry = dispatch.clock_in(store.id, therapist_id, current_user,
                                  confirm_rest_day=confirmed)
    except InputError as error:
        if "confirm_rest_day" not in error.fields:
            _flash_error(error)
            return redirect(_back(store.id))
        db.session.rollback()
        return render_template("store/clock_in_confirm.html", store=store,
                               therapist_id=therapist_id, question=error.message,
                               back=_back(store.id))
    db.session.commit()
    flash(_("已上牌，排第 %(n)s 位", n=entry.position), "success")
    return redirect(_back(store.id))


@bp.route("/<int:store_id>/board/clock-out", methods=["POST"])
@permission_required("board.clock_in")
def board_clock_out(store_id: int):
    """下牌: a break or the end of the shift (no turn until clocked in again)."""
    store = _store_or_404(store_id)
    therapist_id = _therapist_for_clocking()
    return _act(store.id, lambda: dispatch.clock_out(store.id, therapist_id, current_user),
                lambda entry: _("已下牌"))


@bp.route("/<int:store_id>/board/<int:entry_id>/move", methods=["POST"])
@permission_required("dispatch.assign")
def board_move(store_id: int, entry_id: int):
    """置尾 / 奖头 / 停牌 / 复牌 / 留牌 / 取消留牌, each with a reason."""
    store = _store_or_404(store_id)
    entry = _of_store(BoardEntry, entry_id, store.id)
    action = request.form.get("action", "")
    return _act(store.id, lambda: dispatch.move(entry, action, request.form.get("reason", ""),
                                                current_user),
                lambda entry: _("%(action)s：已记录", action=rotation_moves.MOVE_LABELS[action]))


@bp.route("/<int:store_id>/board/log")
@permission_required("dispatch.view_log")
def dispatch_log(store_id: int):
    """The day's dispatch log: every change of the board, with the reasons."""
    store = _store_or_404(store_id)
    raw = request.args.get("date", "")
    try:
        day = date.fromisoformat(raw) if raw else today_for_store()
    except ValueError:
        flash(_("日期格式应为 2026-01-31"), "danger")
        day = today_for_store()
    logs, employees = dispatch.day_log(store.id, day)
    return render_template("store/dispatch_log.html", store=store, day=day, logs=logs,
                           employees=employees, reasons=rotation.PASS_REASONS,
                           actions=dispatch.LOG_ACTIONS)


# -- the guest's add-on confirmation (no login) ------------------------------------

@bp.route("/addon/<token>", methods=["GET", "POST"])
@public
@limiter.limit("30 per minute")
def addon_confirm(token: str):
    """加钟确认: the guest scans the therapist's QR code and confirms the add-on.
    The page expires with the job (404 once it has ended)."""
    job = dispatch.addon_by_token(token)
    if job is None:
        abort(404)
    with tenant_context(job.tenant_id):
        if job.status != "in_service":
            return render_template("store/addon_expired.html"), 404
        if request.method == "POST":
            try:
                dispatch.confirm_addon(job)
            except InputError:
                db.session.rollback()
                return render_template("store/addon_expired.html"), 404
            db.session.commit()
        details = dispatch.addon_details(job)
        return render_template("store/addon_confirm.html", token=token, details=details)
