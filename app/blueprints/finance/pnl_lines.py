"""门店损益 drill-down: the source rows behind one figure of the P&L, a page at a time.

Each line reads the same rows, with the same conditions, as ``pnl.figures_by_store``
adds up (one statement for the page, one for the count), so the rows of a figure
always add up to it.  ``store_id`` ``HEAD_OFFICE_ID`` (0) is 总部: costs with no store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select

from app.blueprints.finance.models import ExpenseClaim
from app.blueprints.finance.pnl import (
    CARD_METHODS,
    CENT,
    CONSUMED_KINDS,
    EXPENSE_COUNTED,
    HEAD_OFFICE_ID,
    LINES,
    card_money_ratios,
    month_end,
)
from app.blueprints.hr.models import PayrollRun, Payslip
from app.blueprints.hr.models.payroll import FROZEN_RUN_STATUSES
from app.blueprints.logistics.models import Asset, DepreciationEntry, StockItem, StockMovement
from app.blueprints.store.closing_figures import order_no
from app.blueprints.store.models import BusinessDay, Order, Payment
from app.extensions import db
from app.models import Employee, Store

PAGE_SIZE = 50


@dataclass
class LineRow:
    """One source row: when, what, the store, and its amount in the P&L."""

    on: date | None
    reference: str
    description: str
    kind: str  # a code shown through a label (payment method, category, movement kind)
    store_code: str
    amount: Decimal
    url_kind: str = ""  # what the row links to (the page builds the URL)
    url_id: int | None = None


@dataclass
class LinePage:
    line: str
    rows: list[LineRow]
    total_count: int
    total_amount: Decimal
    page: int
    page_size: int


class LineError(ValueError):
    """An unknown line name."""


def _store_filter(column, store_id: int | None, scope: set[int] | None):
    """One store, or 总部 (NULL store), or every store in scope."""
    if store_id == HEAD_OFFICE_ID:
        return column.is_(None) if scope is None else False
    if store_id is not None:
        return column == store_id
    return column.in_(sorted(scope) or [-1]) if scope is not None else True


def _statement(line: str, month: date, store_id: int | None, scope: set[int] | None):
    """(select of the rows, the SQL amount expression) of one line."""
    first, until = month, month_end(month)
    if line == "revenue":
        days = select(BusinessDay.id).where(BusinessDay.business_date >= first,
                                            BusinessDay.business_date < until)
        store_cond = _store_filter(Payment.store_id, store_id, scope)
        stmt = (select(Payment, BusinessDay.business_date, Order.seq, Store.code)
                .join(BusinessDay, BusinessDay.id == Payment.business_day_id)
                .join(Order, Order.id == Payment.order_id)
                .join(Store, Store.id == Payment.store_id)
                .where(Payment.business_day_id.in_(days), store_cond)
                .order_by(BusinessDay.business_date, Payment.id))
        return stmt, Payment.amount, [Payment.business_day_id.in_(days), store_cond]
    if line == "labour":
        cond = [PayrollRun.month == first, PayrollRun.status.in_(FROZEN_RUN_STATUSES),
                _store_filter(Payslip.store_id, store_id, scope)]
        stmt = (select(Payslip, Employee.employee_no, Employee.name, Store.code)
                .join(PayrollRun, PayrollRun.id == Payslip.run_id)
                .join(Employee, Employee.id == Payslip.employee_id)
                .outerjoin(Store, Store.id == Payslip.store_id)
                .where(*cond).order_by(Employee.employee_no, Payslip.id))
        return stmt, Payslip.gross, cond
    if line == "expenses":
        cond = [ExpenseClaim.status.in_(EXPENSE_COUNTED), ExpenseClaim.spent_on >= first,
                ExpenseClaim.spent_on < until,
                _store_filter(ExpenseClaim.store_id, store_id, scope)]
        stmt = (select(ExpenseClaim, Store.code)
                .outerjoin(Store, Store.id == ExpenseClaim.store_id)
                .where(*cond).order_by(ExpenseClaim.spent_on, ExpenseClaim.id))
        return stmt, ExpenseClaim.amount, cond
    if line == "stock":
        cond = [StockMovement.kind.in_(CONSUMED_KINDS), StockMovement.moved_on >= first,
                StockMovement.moved_on < until,
                _store_filter(StockMovement.store_id, store_id, scope)]
        stmt = (select(StockMovement, StockItem.code, StockItem.name, StockItem.unit,
                       Store.code)
                .join(StockItem, StockItem.id == StockMovement.stock_item_id)
                .join(Store, Store.id == StockMovement.store_id)
                .where(*cond).order_by(StockMovement.moved_on, StockMovement.id))
        return stmt, -StockMovement.quantity * StockMovement.unit_cost, cond
    if line == "depreciation":
        cond = [DepreciationEntry.period == first,
                _store_filter(DepreciationEntry.store_id, store_id, scope)]
        stmt = (select(DepreciationEntry, Asset.tag_code, Asset.name, Store.code)
                .join(Asset, Asset.id == DepreciationEntry.asset_id)
                .join(Store, Store.id == DepreciationEntry.store_id)
                .where(*cond).order_by(Asset.tag_code, DepreciationEntry.id))
        return stmt, DepreciationEntry.amount, cond
    raise LineError(line)


def _model_of(line: str):
    return {"revenue": Payment, "labour": Payslip, "expenses": ExpenseClaim,
            "stock": StockMovement, "depreciation": DepreciationEntry}[line]


def line_page(line: str, month: date, store_id: int | None, scope: set[int] | None,
              page: int = 1, page_size: int = PAGE_SIZE) -> LinePage:
    """One page of the rows behind ``line`` of ``month`` (a store, 总部, or all in scope)."""
    if line not in LINES:
        raise LineError(line)
    stmt, amount, cond = _statement(line, month, store_id, scope)
    model = _model_of(line)
    count_stmt = select(func.count(model.id), func.coalesce(func.sum(amount), 0)).where(*cond)
    if line == "labour":
        count_stmt = count_stmt.join(PayrollRun, PayrollRun.id == Payslip.run_id)
    total_count, total_amount = db.session.execute(count_stmt).one()
    page = max(page, 1)
    rows = db.session.execute(stmt.limit(page_size).offset((page - 1) * page_size)).all()
    ratios = {}
    if line == "revenue" and any(r[0].method in CARD_METHODS for r in rows):
        ratios = card_money_ratios({r[0].card_id for r in rows if r[0].card_id is not None})
    result = [_row(line, row, ratios) for row in rows]
    total = Decimal(total_amount)
    if line == "revenue":
        # Cards at their money share: the page's total is the P&L's figure, not face value.
        from app.blueprints.finance.pnl import figures_by_store

        if store_id is not None and store_id != HEAD_OFFICE_ID:
            total = figures_by_store(month, {store_id}).get(store_id)
            total = total.revenue if total is not None else Decimal("0.00")
        elif store_id is None:
            total = sum((f.revenue for f in figures_by_store(month, scope).values()),
                        Decimal("0.00"))
        else:
            total = Decimal("0.00")
    return LinePage(line=line, rows=result, total_count=total_count,
                    total_amount=total.quantize(CENT, ROUND_HALF_UP), page=page,
                    page_size=page_size)


def _row(line: str, row, ratios: dict) -> LineRow:
    if line == "revenue":
        payment, business_date, seq, store_code = row
        amount = Decimal(payment.amount)
        if payment.method in CARD_METHODS:
            amount = (amount * ratios.get(payment.card_id, Decimal(1))).quantize(
                CENT, ROUND_HALF_UP)
        return LineRow(business_date, order_no(business_date, seq),
                       payment.voucher_platform or payment.reference or "", payment.method,
                       store_code, amount)
    if line == "labour":
        slip, employee_no, name, store_code = row
        return LineRow(slip.month, employee_no, name, "payslip", store_code or "",
                       Decimal(slip.gross), "payroll_run", slip.run_id)
    if line == "expenses":
        claim, store_code = row
        return LineRow(claim.spent_on, f"#{claim.id}", claim.description or claim.payee,
                       claim.category, store_code or "", Decimal(claim.amount), "expense",
                       claim.id)
    if line == "stock":
        move, item_code, item_name, unit, store_code = row
        amount = (-Decimal(move.quantity) * Decimal(move.unit_cost)).quantize(
            CENT, ROUND_HALF_UP)
        return LineRow(move.moved_on, item_code,
                       f"{item_name} {Decimal(move.quantity).normalize():f}{unit}"
                       f" × ¥{move.unit_cost}", move.kind, store_code, amount)
    entry, tag_code, name, store_code = row
    return LineRow(entry.period, tag_code, name, "depreciation", store_code,
                   Decimal(entry.amount), "asset", entry.asset_id)
