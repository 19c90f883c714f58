"""满意度: the index per store and month with its 6-month trend, and the satisfaction
reviews (head office asks on service.satisfaction, the store answers on the desk page
service.satisfaction_reviews)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from app.blueprints.service import bp
from app.blueprints.service import satisfaction as service
from app.blueprints.service.dates import next_month, parse_month, previous_month
from app.blueprints.service.labels import REVIEW_STATUS_LABELS
from app.blueprints.service.models_guests import REVIEW_REQUESTED, SatisfactionReview
from app.blueprints.service.scope import visible_stores
from app.blueprints.store.days import today_for_store
from app.extensions import db
from app.models import Account, Store
from app.permissions import get_in_scope_or_404, permission_required, store_scope


class ReviewRequestForm(FlaskForm):
    """Fields are read from the request by name; this carries the CSRF token."""


def _month_arg():
    month = parse_month(request.args.get("month"), today_for_store().replace(day=1))
    if month is None:
        abort(400)
    return month


def _names(reviews) -> dict[int, str]:
    ids = {r.requested_by_account_id for r in reviews} | {r.answered_by_account_id
                                                         for r in reviews}
    ids.discard(None)
    if not ids:
        return {}
    return {a.id: a.display_name or a.username
            for a in db.session.scalars(select(Account).where(Account.id.in_(ids)))}


@bp.route("/satisfaction")
@permission_required("service.view")
def satisfaction():
    """``?month=YYYY-MM`` (default: this month)."""
    scope = store_scope(current_user)
    month = _month_arg()
    stores = visible_stores(scope)
    months, trends = service.store_trends(month, stores)
    reviews = service.list_reviews(scope)
    chart = {"labels": [m.strftime("%Y-%m") for m in months],
             "datasets": [{"label": t.store.name,
                           "data": [str(v) if v is not None else None for v in t.trend]}
                          for t in trends]}
    return render_template("service/satisfaction.html", month=month, months=months,
                           trends=trends, chart=chart, reviews=reviews,
                           stores={s.id: s for s in stores}, names=_names(reviews),
                           previous=previous_month(month), following=next_month(month),
                           status_labels=REVIEW_STATUS_LABELS, form=ReviewRequestForm(),
                           errors={}, values={})


@bp.route("/satisfaction/reviews/new", methods=["POST"])
@permission_required("satisfaction.request")
def satisfaction_review_request():
    form = ReviewRequestForm()
    if not form.validate_on_submit():
        abort(400)
    store_id = request.form.get("store_id", type=int)
    if store_id is not None:
        get_in_scope_or_404(Store, store_id)
    month = parse_month(request.form.get("month"), None)
    try:
        review = service.request_review(store_id, month, request.form.get("focus", ""),
                                        actor=current_user)
    except service.SatisfactionError as exc:
        db.session.rollback()
        for message in exc.fields.values():
            flash(message, "danger")
        return redirect(url_for("service.satisfaction", month=request.form.get("month") or None))
    db.session.commit()
    flash(_("已要求门店复盘（%(month)s）", month=review.month.strftime("%Y-%m")), "success")
    return redirect(url_for("service.satisfaction", month=review.month.strftime("%Y-%m")))


@bp.route("/satisfaction/reviews")
@permission_required("satisfaction.answer")
def satisfaction_reviews():
    """The store's reviews (``?store_id=``; default: all the reader's stores), waiting first."""
    scope = store_scope(current_user)
    store_id = request.args.get("store_id", type=int)
    store = get_in_scope_or_404(Store, store_id) if store_id is not None else None
    reviews = service.list_reviews(scope, store_id=store.id if store else None)
    return _reviews_page(reviews, store, scope)


def _reviews_page(reviews, store, scope, form=None, errors=None, status=200):
    stores = visible_stores(scope)
    if store is None and len(stores) == 1:
        store = stores[0]
    return render_template("service/satisfaction_reviews.html", reviews=reviews, store=store,
                           stores={s.id: s for s in stores}, store_list=stores,
                           names=_names(reviews), status_labels=REVIEW_STATUS_LABELS,
                           form=form or ReviewRequestForm(), errors=errors or {},
                           values=request.form, requested=REVIEW_REQUESTED), status


@bp.route("/satisfaction/reviews/<int:satisfaction_review_id>", methods=["POST"])
@permission_required("satisfaction.answer")
def satisfaction_review_answer(satisfaction_review_id: int):
    review = get_in_scope_or_404(SatisfactionReview, satisfaction_review_id)
    form = ReviewRequestForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        service.answer_review(review, request.form.get("analysis", ""),
                              request.form.get("measures", ""), actor=current_user)
    except service.SatisfactionError as exc:
        db.session.rollback()
        scope = store_scope(current_user)
        store = db.session.get(Store, review.store_id)
        return _reviews_page(service.list_reviews(scope, store_id=store.id), store, scope,
                             form, {review.id: exc.fields}, 422)
    db.session.commit()
    flash(_("复盘已回复"), "success")
    return redirect(url_for("service.satisfaction_reviews", store_id=review.store_id))

