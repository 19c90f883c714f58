"""预算 page: the month's grid (store × category) edited in place, copy last month, and
the expense categories' budget against actual with the stores over budget marked."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.blueprints.finance import bp
from app.blueprints.finance import budgets as service
from app.blueprints.finance.expenses import month_bounds
from app.blueprints.finance.labels import BUDGET_CATEGORY_LABELS
from app.blueprints.finance.models import BUDGET_CATEGORIES, EXPENSE_CATEGORIES
from app.blueprints.finance.views_expenses import CsrfForm, parse_month_arg
from app.extensions import db
from app.permissions import permission_required, store_scope
from app.stores import list_stores
from app.validation import InputError


def _month() -> date:
    from app.blueprints.finance.expenses import _today

    month = request.values.get("month")
    if month:
        parsed = parse_month_arg(month)
        if parsed is None:
            abort(400)
        return parsed
    return _today().replace(day=1)


def _stores():
    return db.session.scalars(list_stores(store_scope(current_user))).all()


def _chart(report) -> dict:
    """Budget against actual expenses per store, for Chart.js (a data- attribute)."""
    return {"labels": [row.store.name for row in report],
            "budget": [float(row.budget_total) for row in report],
            "actual": [float(row.actual_total) for row in report],
            "names": {"budget": _("预算"), "actual": _("实际费用")}}


@bp.route("/budgets")
@permission_required("finance.view")
def budgets():
    """The month's budgets per store and category, with the month's actual expenses."""
    return _budget_page(_month(), _stores(), CsrfForm(), {}, {})


@bp.route("/budgets", methods=["POST"], endpoint="budget_save")
@permission_required("budget.manage")
def budget_save():
    """Save the whole grid or none of it (the page again with each bad cell marked)."""
    month, stores = _month(), _stores()
    form = CsrfForm()
    if not form.validate_on_submit():
        abort(400)
    cells, typed = [], {}
    for store in stores:
        for category in BUDGET_CATEGORIES:
            name = f"b-{store.id}-{category}"
            if name in request.form:
                typed[name] = request.form[name]
                cells.append({"store_id": store.id, "category": category,
                              "amount": request.form[name]})
    try:
        changed = service.save_cells(month, cells, current_user, [s.id for s in stores])
    except InputError as exc:
        db.session.rollback()
        errors = {_grid_name(cells, key): message for key, message in exc.fields.items()}
        flash(_("有 %(n)d 个格子填写有误，未保存", n=len(errors)), "danger")
        return _budget_page(month, stores, form, errors, typed)
    db.session.commit()
    flash(_("预算已保存（%(n)d 处修改）", n=changed), "success")
    return redirect(url_for("finance.budgets", month=month.strftime("%Y-%m")))


def _budget_page(month, stores, form, errors: dict[str, str], typed: dict[str, str]):
    grid = service.budget_for(month, [s.id for s in stores])
    report = service.expense_report(month, stores)
    return render_template(
        "finance/budgets.html", month=month, stores=stores, grid=grid, report=report,
        typed=typed, errors=errors, categories=BUDGET_CATEGORIES,
        expense_categories=EXPENSE_CATEGORIES, labels=BUDGET_CATEGORY_LABELS,
        chart=_chart(report), form=form, may_edit=current_user.can("budget.manage"),
        previous=service.previous_month(month),
        following=month_bounds(month)[1]), 422 if errors else 200


def _grid_name(cells: list[dict], key: str) -> str:
    """``cells.<i>.amount`` -> the grid input's name."""
    parts = key.split(".")
    if len(parts) >= 2 and parts[1].isdigit() and int(parts[1]) < len(cells):
        cell = cells[int(parts[1])]
        return f"b-{cell['store_id']}-{cell['category']}"
    return key


@bp.route("/budgets/copy", methods=["POST"])
@permission_required("budget.manage")
def budget_copy():
    """Fill this month's empty cells with last month's budget."""
    month = _month()
    if not CsrfForm().validate_on_submit():
        abort(400)
    added = service.copy_previous_month(month, current_user, [s.id for s in _stores()])
    db.session.commit()
    flash(_("已从上月复制 %(n)d 项预算", n=added) if added else _("上月没有可复制的预算"),
          "success" if added else "info")
    return redirect(url_for("finance.budgets", month=month.strftime("%Y-%m")))
