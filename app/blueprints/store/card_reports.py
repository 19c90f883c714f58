"""会员卡 reports: money taken for cards per store and method, and the settlement
between stores (a card bought in one store and used in another; finance)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from app.blueprints.store.catalogue import CENT
from app.blueprints.store.models import CardLedgerEntry, MemberCard
from app.blueprints.store.policy import store_policy
from app.extensions import db
from app.models import Store, Tenant
from app.tenancy import current_tenant_id


def _day_window(start: date, end: date) -> tuple[datetime, datetime]:
    """UTC bounds of the business days ``start``..``end`` (inclusive) in the tenant's zone."""
    tenant = db.session.get(Tenant, current_tenant_id())
    zone = ZoneInfo(tenant.timezone)
    opens: time = store_policy(tenant).business_day_starts_at
    # In UTC: SQLite keeps the wall clock of an aware datetime and drops its zone, and
    # every timestamp is written in UTC (app.models.base.utcnow).
    return (datetime.combine(start, opens, zone).astimezone(UTC),
            datetime.combine(end + timedelta(days=1), opens, zone).astimezone(UTC))


def topups_by_method(store_id: int, business_date: date) -> dict[str, Decimal]:
    """Money received for cards by ``store_id`` on one business day, by payment method
    (for the daily closing: card top-ups count in the takings of the receiving store)."""
    since, until = _day_window(business_date, business_date)
    rows = db.session.execute(
        select(CardLedgerEntry.payment_method, func.sum(CardLedgerEntry.amount))
        .where(CardLedgerEntry.store_id == store_id, CardLedgerEntry.kind == "topup",
               CardLedgerEntry.payment_method.is_not(None),
               CardLedgerEntry.created_at >= since, CardLedgerEntry.created_at < until)
        .group_by(CardLedgerEntry.payment_method))
    return {method: Decimal(total).quantize(CENT) for method, total in rows}


@dataclass
class SettlementRow:
    """Between two stores over a period: what A's cards did in B, and the net."""

    issuing_store: Store
    spending_store: Store
    spent: Decimal  # face value spent in B from cards issued by A (refunds to card deducted)
    spent_money: Decimal  # …of which prepaid money (the bonus share taken out)
    received: Decimal  # money B received for top-ups of A's cards
    owed_to_spending_store: Decimal  # A owes B (negative: B owes A)


def card_settlement(start: date, end: date, store_ids: set[int] | None = None
                    ) -> list[SettlementRow]:
    """跨店结算: per (issuing store A, other store B), over business days start..end.

    The money of a card belongs to its issuing store A.  When a card is spent in
    another store B, B gave the service and A holds the money: A owes B the
    prepaid money spent — the face value times the card's share of real money
    (top-ups ÷ (top-ups + bonus), over the card's whole life), since a bonus
    was never paid by anyone.  When B receives a top-up for A's card, B holds
    A's money: that is deducted.  Refunds put back on a card in B reduce what
    was spent in B.  ``store_ids`` keeps the pairs that involve those stores.
    """
    since, until = _day_window(start, end)
    rows = db.session.execute(
        select(CardLedgerEntry.card_id, MemberCard.issued_store_id, CardLedgerEntry.store_id,
               CardLedgerEntry.kind, func.sum(CardLedgerEntry.amount))
        .join(MemberCard, MemberCard.id == CardLedgerEntry.card_id)
        .where(CardLedgerEntry.store_id != MemberCard.issued_store_id,
               CardLedgerEntry.kind.in_(("topup", "spend", "refund")),
               CardLedgerEntry.created_at >= since, CardLedgerEntry.created_at < until)
        .group_by(CardLedgerEntry.card_id, MemberCard.issued_store_id, CardLedgerEntry.store_id,
                  CardLedgerEntry.kind)).all()
    card_ids = {row[0] for row in rows}
    ratio: dict[int, Decimal] = {}
    if card_ids:
        life = db.session.execute(
            select(CardLedgerEntry.card_id, CardLedgerEntry.kind,
                   func.sum(CardLedgerEntry.amount))
            .where(CardLedgerEntry.card_id.in_(card_ids),
                   CardLedgerEntry.kind.in_(("topup", "bonus")))
            .group_by(CardLedgerEntry.card_id, CardLedgerEntry.kind)).all()
        paid, bonus = defaultdict(Decimal), defaultdict(Decimal)
        for card_id, kind, total in life:
            (paid if kind == "topup" else bonus)[card_id] += Decimal(total)
        for card_id in card_ids:
            face = paid[card_id] + bonus[card_id]
            ratio[card_id] = paid[card_id] / face if face > 0 else Decimal(1)
    pairs: dict[tuple[int, int], dict[str, Decimal]] = defaultdict(
        lambda: {"spent": Decimal(0), "spent_money": Decimal(0), "received": Decimal(0)})
    for card_id, issued, where, kind, total in rows:
        total = Decimal(total)
        pair = pairs[(issued, where)]
        if kind == "topup":
            pair["received"] += total
        else:  # spend (negative) and refund (positive) in B
            pair["spent"] -= total
            pair["spent_money"] -= total * ratio[card_id]
    stores = {s.id: s for s in db.session.scalars(select(Store))}
    result = []
    for (issued, where), sums in sorted(pairs.items()):
        if store_ids is not None and issued not in store_ids and where not in store_ids:
            continue
        spent_money = sums["spent_money"].quantize(CENT, ROUND_HALF_UP)
        result.append(SettlementRow(
            issuing_store=stores[issued], spending_store=stores[where],
            spent=sums["spent"].quantize(CENT), spent_money=spent_money,
            received=sums["received"].quantize(CENT),
            owed_to_spending_store=spent_money - sums["received"].quantize(CENT)))
    return result


def net_between_stores(rows: list[SettlementRow]) -> list[tuple[Store, Store, Decimal]]:
    """(debtor, creditor, amount) per pair of stores, both directions netted."""
    net: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    stores: dict[int, Store] = {}
    for row in rows:
        a, b = row.issuing_store, row.spending_store
        stores[a.id], stores[b.id] = a, b
        key = (min(a.id, b.id), max(a.id, b.id))
        # Positive: the lower id owes the higher id.
        net[key] += row.owed_to_spending_store if a.id == key[0] else -row.owed_to_spending_store
    result = []
    for (low, high), amount in sorted(net.items()):
        if amount > 0:
            result.append((stores[low], stores[high], amount))
        elif amount < 0:
            result.append((stores[high], stores[low], -amount))
    return result
