"""消毒记录 pages: the cleaner's phone page (one round: items, method, room) and the
log per store and day with its gaps (disinfection.py has the rule)."""

from __future__ import annotations

from datetime import timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.blueprints.service import bp
from app.blueprints.service import disinfection as rules
from app.blueprints.service.desk import chosen_store, parse_day, visible_stores
from app.blueprints.service.labels import (
    DISINFECTION_ITEM_LABELS,
    DISINFECTION_METHOD_LABELS,
    PERIOD_LABELS,
)
from app.blueprints.service.models_inspections import DISINFECTION_ITEMS, DISINFECTION_METHODS
from app.extensions import db
from app.models import Room
from app.permissions import permission_required

LOG_DAYS = 7


def _labels() -> dict:
    return {"item_labels": DISINFECTION_ITEM_LABELS, "method_labels": DISINFECTION_METHOD_LABELS,
            "period_labels": PERIOD_LABELS, "items": DISINFECTION_ITEMS,
            "methods": DISINFECTION_METHODS, "periods": rules.PERIODS}


def _rooms(store_id: int) -> list[Room]:
    return list(db.session.scalars(select(Room).where(Room.store_id == store_id)
                                   .order_by(Room.number, Room.id)))


@bp.route("/disinfection/record", methods=["GET", "POST"])
@permission_required("disinfection.record")
def disinfection_record():
    """The cleaner's phone page: tick what was disinfected, pick how, save."""
    stores = visible_stores()
    store = chosen_store(stores)
    errors, chosen, method, room_id = {}, [], "", None
    if store is not None and request.method == "POST":
        chosen = request.form.getlist("items")
        method = request.form.get("method", "")
        room_id = request.form.get("room_id", type=int) or None
        try:
            entry = rules.record_round(store=store, items=chosen, method=method,
                                       room_id=room_id, by=current_user,
                                       note=request.form.get("note", ""))
        except rules.DisinfectionError as exc:
            db.session.rollback()
            errors = exc.fields
        else:
            db.session.commit()
            flash(_("已登记：%(items)s（%(method)s）",
                    items="、".join(str(DISINFECTION_ITEM_LABELS[c]) for c in entry.item_codes),
                    method=DISINFECTION_METHOD_LABELS[entry.method]), "success")
            return redirect(url_for("service.disinfection_record", store_id=store.id))
    today = rules.local_today()
    log = rules.day_logs([store.id], today, today)[(store.id, today)] if store else None
    return render_template("service/disinfection_record.html", stores=stores, store=store,
                           rooms=_rooms(store.id) if store else [], errors=errors,
                           chosen=chosen, method=method, room_id=room_id, log=log,
                           period=rules.period_of(rules.local_now()),
                           **_labels()), (422 if errors else 200)


@bp.route("/disinfection")
@permission_required("disinfection.view")
def disinfection():
    """The log per store and day (the last week up to ``?day=``), gaps flagged."""
    stores = visible_stores()
    store = chosen_store(stores) if request.args.get("store_id") else None
    today = rules.local_today()
    last = min(parse_day(request.args.get("day")) or today, today)
    first = last - timedelta(days=LOG_DAYS - 1)
    shown = [store] if store else stores
    logs = rules.day_logs([s.id for s in shown], first, last)
    days = [last - timedelta(days=n) for n in range(LOG_DAYS)]
    rooms = {}
    if store is not None:
        rooms = {r.id: r.number for r in _rooms(store.id)}
    needs = rules.requirements([s.id for s in shown])
    return render_template("service/disinfection.html", stores=stores, store=store,
                           shown=shown, logs=logs, days=days, rooms=rooms, needs=needs,
                           previous=first - timedelta(days=1),
                           following=min(last + timedelta(days=LOG_DAYS), today)
                           if last < today else None, **_labels())


@bp.route("/disinfection/settings", methods=["GET", "POST"])
@permission_required("inspection.manage")
def disinfection_settings():
    """Rounds a day each item needs, per store (the service department sets the standard)."""
    stores = visible_stores()
    store = chosen_store(stores)
    errors = {}
    if store is not None and request.method == "POST":
        try:
            rules.set_requirements(store, {item: request.form.get(item, "")
                                           for item in DISINFECTION_ITEMS})
        except rules.DisinfectionError as exc:
            db.session.rollback()
            errors = exc.fields
        else:
            db.session.commit()
            flash(_("消毒要求已保存"), "success")
            return redirect(url_for("service.disinfection", store_id=store.id))
    needs = rules.requirements([store.id])[store.id] if store else {}
    return render_template("service/disinfection_settings.html", stores=stores, store=store,
                           needs=needs, errors=errors, **_labels()), (422 if errors else 200)
