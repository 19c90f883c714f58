"""新项目 pages: the proposals, a new proposal, one proposal (approve / reject in place,
withdraw by the proposer)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from app import approvals
from app.blueprints.store.models import ServiceItem
from app.blueprints.store.models.catalogue import SERVICE_CATEGORIES
from app.blueprints.technical import bp
from app.blueprints.technical import proposals as service
from app.blueprints.technical.models import PROPOSAL_STATUSES, TechniqueProposal
from app.extensions import db
from app.models import Account, Store
from app.permissions import get_in_scope_or_404, permission_required, store_scope
from app.validation import InputError, show_on_form

PAGE_SIZE = 50


class ProposalForm(FlaskForm):
    name = StringField(_l("项目名称"), validators=[Length(max=64)])
    category = SelectField(_l("类别"), choices=[
        SelectChoice(code, service.category_label(code)) for code in SERVICE_CATEGORIES])
    duration_minutes = StringField(_l("时长（分钟）"), default="60")
    price_idea = StringField(_l("建议售价（元，可不填）"))
    # Not "process": a form's own method has that name.
    procedure = TextAreaField(_l("操作流程"), validators=[Length(max=4000)],
                            description=_l("手法步骤、力度、注意事项"))
    materials = TextAreaField(_l("所需用品"), validators=[Length(max=2000)],
                              description=_l("药包、精油、器具等"))
    rationale = TextAreaField(_l("提出理由"), validators=[Length(max=2000)],
                              description=_l("客人需求、其他门店或同行的做法"))


FORM_NAMES = {"process": "procedure"}


class NoteForm(FlaskForm):
    note = TextAreaField(_l("审批意见"), validators=[Length(max=500)])


@bp.route("/proposals")
@permission_required("technical.view")
def proposals():
    """新项目: proposals of the viewer's stores (head office: all), newest first."""
    status = request.args.get("status") or None
    if status not in PROPOSAL_STATUSES:
        status = None
    page = max(1, request.args.get("page", 1, type=int))
    rows = db.session.scalars(service.proposal_query(store_scope(current_user), status)
                              .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    store_ids = {row.store_id for row in rows} - {None}
    stores = {s.id: s.name for s in db.session.scalars(
        select(Store).where(Store.id.in_(sorted(store_ids) or [-1])))}
    return render_template("technical/proposals.html", rows=rows, status=status,
                           statuses=PROPOSAL_STATUSES, status_label=service.status_label,
                           category_label=service.category_label, stores=stores, page=page,
                           page_size=PAGE_SIZE)


@bp.route("/proposals/new", methods=["GET", "POST"])
@permission_required("technique.propose")
def proposal_new():
    """提出新项目: process, time, materials, a price idea; the director decides."""
    form = ProposalForm()
    if form.validate_on_submit():
        try:
            proposal = service.propose(
                {name: getattr(form, FORM_NAMES.get(name, name)).data
                 for name in service.FIELDS}, current_user)
        except InputError as exc:
            db.session.rollback()
            show_on_form(form, {FORM_NAMES.get(k, k): v for k, v in exc.fields.items()})
        else:
            db.session.commit()
            flash(_("提案已提交，等待技术总监审批"), "success")
            return redirect(url_for("technical.proposal_detail", proposal_id=proposal.id))
    status = 422 if any(f.errors for f in form) else 200
    return render_template("technical/proposal_form.html", form=form), status


@bp.route("/proposals/<int:proposal_id>")
@permission_required("technical.view")
def proposal_detail(proposal_id: int):
    proposal = get_in_scope_or_404(TechniqueProposal, proposal_id)
    verdict = approvals.judge(service.KIND, proposal, current_user)
    accounts = {a.id: a for a in db.session.scalars(select(Account).where(Account.id.in_(
        [i for i in (proposal.requested_by_account_id, proposal.decided_by_account_id) if i]
        or [-1])))}
    item = db.session.get(ServiceItem, proposal.service_item_id) \
        if proposal.service_item_id else None
    return render_template(
        "technical/proposal_detail.html", proposal=proposal, verdict=verdict,
        may_decide=verdict.allowed,
        may_cancel=(proposal.status == "pending"
                    and proposal.requested_by_account_id == current_user.id),
        accounts=accounts, item=item,
        store=db.session.get(Store, proposal.store_id) if proposal.store_id else None,
        status_label=service.status_label, category_label=service.category_label,
        note_form=NoteForm(formdata=None))


def _act(proposal_id: int, verb, done: str):
    proposal = get_in_scope_or_404(TechniqueProposal, proposal_id)
    form = NoteForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        verb(proposal, form.note.data or "")
    except InputError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        db.session.commit()
        flash(done, "success")
    return redirect(url_for("technical.proposal_detail", proposal_id=proposal_id))


@bp.route("/proposals/<int:proposal_id>/approve", methods=["POST"])
@permission_required("technique.approve")
def proposal_approve(proposal_id: int):
    return _act(proposal_id, lambda row, note: service.approve(row, current_user, note),
                _("已批准：已生成新项目草稿，待总部定价后发布"))


@bp.route("/proposals/<int:proposal_id>/reject", methods=["POST"])
@permission_required("technique.approve")
def proposal_reject(proposal_id: int):
    return _act(proposal_id, lambda row, note: service.reject(row, current_user, note),
                _("已驳回"))


@bp.route("/proposals/<int:proposal_id>/cancel", methods=["POST"])
@permission_required("technique.propose")
def proposal_cancel(proposal_id: int):
    return _act(proposal_id, lambda row, note: service.cancel(row, current_user), _("已撤回"))
