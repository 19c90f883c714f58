"""Front-desk demo history, the writing half: a day's planned orders as bulk inserts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from app.blueprints.store.models import (
    CardLedgerEntry,
    ComplaintCase,
    DispatchLog,
    Feedback,
    MemberCard,
    OrderLine,
    Payment,
    Product,
    Refund,
    ServiceJob,
)
from app.demo.rows import BATCH, bulk_insert
from app.extensions import db

RATINGS = ((5, 70), (4, 22), (3, 5), (2, 2), (1, 1))
COMMENTS = {5: ("手法很好，力度合适", "非常舒服，下次还点她", "服务热情，很专业", ""),
            4: ("不错，就是等了一会儿", "挺舒服的", "力度稍微重了点", ""),
            3: ("一般", "水有点凉", "时间感觉不够"),
            2: ("技师一直看手机", "力度太轻，没感觉"),
            1: ("服务态度差", "明显缩短了时间")}
COMPLAINTS = ("客人反映技师服务中频繁看手机", "客人反映足浴水温过烫", "客人反映钟点时间不足",
              "客人反映技师态度冷淡")
RETURN_REASONS = ("客人要求换技师", "力度不合适", "客人要求换女技师")


class HistoryWriter:
    """The writing half of :class:`app.demo.history.HistoryGenerator`: a day's planned
    orders go out as bulk inserts (lines, jobs, payments, cards, feedback)."""

    def _write_children(self, orders: list[dict]) -> None:
        t, rng = self.tenant_id, self.rng
        # Lines: main lines and products first, then 加钟 lines that point at them.
        for phase in (False, True):
            rows, refs = [], []
            for o in orders:
                for ln in o["lines"]:
                    if (ln["addon_of"] is not None) != phase:
                        continue
                    is_product = ln["kind"] == "product"
                    qty = ln.get("qty", 1)
                    rows.append({
                        "tenant_id": t, "order_id": o["id"], "store_id": o["store"].id,
                        "kind": ln["kind"],
                        "service_item_id": None if is_product else ln["item"].id,
                        "product_id": ln["product"] if is_product else None,
                        "name": self._product_name(ln["product"]) if is_product
                        else ln["item"].name,
                        "quantity": qty, "unit_price": ln["price"], "amount": ln["price"] * qty,
                        "guest_no": ln["guest_no"], "requested_therapist_id": ln["requested"],
                        "addon_of_line_id": ln["addon_of"]["id"] if phase else None,
                        "gender_wish": ln.get("gender_wish"),
                        "returned_therapist_ids": ln.get("returned", []),
                        "status": ln["status"], "created_at": o["row"]["opened_at"]})
                    refs.append(ln)
            for ln, lid in zip(refs, bulk_insert(OrderLine, rows, returning=True), strict=True):
                ln["id"] = lid
        # Jobs: main (and returned) jobs, then add-on jobs with their parent.
        for phase in (False, True):
            rows, refs = [], []
            for o in orders:
                day_id = o["row"]["business_day_id"]
                for job in o["jobs"]:
                    if (job["addon_of"] is not None) != phase:
                        continue
                    start = self._local(o["date"], job["start"])
                    end = self._local(o["date"], job["end"])
                    planned = start + timedelta(minutes=job["line"]["item"].minutes)
                    rows.append({
                        "tenant_id": t, "store_id": o["store"].id, "business_day_id": day_id,
                        "order_id": o["id"], "order_line_id": job["line"]["id"],
                        "therapist_id": job["therapist"], "room_id": o["row"]["room_id"],
                        "job_type": job["type"], "is_addon": phase,
                        "parent_job_id": job["addon_of"]["id"] if phase else None,
                        "status": job["status"], "started_at": start, "planned_end_at": planned,
                        "ended_at": end, "addon_token": None,
                        "addon_confirmed_at": end if phase else None,
                        "return_reason": rng.choice(RETURN_REASONS)
                        if job["status"] == "returned" else ""})
                    refs.append(job)
            for job, jid in zip(refs, bulk_insert(ServiceJob, rows, returning=True), strict=True):
                job["id"] = jid
        self._write_early_finishes(orders)
        self._write_money(orders)
        self._write_feedback(orders)

    def _product_name(self, product_id: int) -> str:
        if not self._product_names:
            self._product_names = dict(db.session.execute(select(Product.id, Product.name)).all())
        return self._product_names[product_id]

    def _write_money(self, orders: list[dict]) -> None:
        t = self.tenant_id
        refunds, refund_orders = [], []
        for o in orders:
            if o["refund"]:
                method, amount, reason = o["refund"]
                decided = o["closed"] + timedelta(minutes=20)
                refunds.append({"tenant_id": t, "store_id": o["store"].id, "order_id": o["id"],
                                "amount": amount, "method": method, "reason": reason,
                                "status": "approved", "requested_by_account_id": None,
                                "requested_at": o["closed"] + timedelta(minutes=10),
                                "decided_by_account_id": o["store"].closer_account_id,
                                "decided_at": decided, "decision_note": "店长同意"})
                refund_orders.append(o)
        refund_ids = bulk_insert(Refund, refunds, returning=True)
        payments, ledger = [], []
        for o in orders:
            base = {"tenant_id": t, "store_id": o["store"].id, "order_id": o["id"],
                    "business_day_id": o["row"]["business_day_id"]}
            for method, amount, card, voucher in o["payments"]:
                cash = method == "cash"
                platform, code = voucher or (None, None)
                tendered = (amount / 50).to_integral_value(rounding="ROUND_CEILING") * 50 \
                    if cash else None
                payments.append({**base, "method": method, "amount": amount,
                                 "tendered": tendered,
                                 "change": (tendered - amount) if cash else Decimal("0.00"),
                                 "card_id": card.id if card else None, "refund_id": None,
                                 "reference": "" if cash or card or voucher
                                 else f"T{o['id']:010d}",
                                 "voucher_platform": platform, "voucher_code": code,
                                 "created_at": o["closed"], "created_by_account_id": None})
            for kind, card, amount, method, after in o["ledger"]:
                ledger.append({"tenant_id": t, "card_id": card.id, "store_id": o["store"].id,
                               "kind": kind, "amount": amount, "count_delta": 0,
                               "balance_after": after, "count_after": 0,
                               "order_id": o["id"] if kind == "spend" else None,
                               "payment_method": method, "note": "",
                               "created_at": o["closed"], "created_by_account_id": None,
                               "sold_by_employee_id": o["card_seller"] if kind == "topup"
                               else None})
        for o, rid in zip(refund_orders, refund_ids, strict=True):
            method, amount, _reason = o["refund"]
            payments.append({"tenant_id": t, "store_id": o["store"].id, "order_id": o["id"],
                             "business_day_id": o["row"]["business_day_id"], "method": method,
                             "amount": -amount, "tendered": None, "change": Decimal("0.00"),
                             "card_id": None, "refund_id": rid, "reference": "",
                             "voucher_platform": None, "voucher_code": None,
                             "created_at": o["closed"] + timedelta(minutes=20),
                             "created_by_account_id": None})
        bulk_insert(Payment, payments)
        bulk_insert(CardLedgerEntry, ledger)

    def _write_early_finishes(self, orders: list[dict]) -> None:
        """The dispatch log's 下钟 entry of each job the guest ended early, with the
        minutes short and the reason, as ``finish_job`` writes it (the rest of the
        board's history is not replayed: the log's other entries belong to the desk)."""
        rows = []
        for o in orders:
            for job in o["jobs"]:
                if not job.get("early"):
                    continue
                short, reason = job["early"]
                requested = job["type"] == "requested"
                rows.append({
                    "tenant_id": self.tenant_id, "store_id": o["store"].id,
                    "business_day_id": o["row"]["business_day_id"],
                    "at": self._local(o["date"], job["end"]), "actor_account_id": None,
                    "actor_name": o["store"].dispatcher_name or "调派", "action": "finish",
                    "rule": "下钟：点钟不占轮，留在原位" if requested
                    else "下钟：轮钟结束，排到队尾",
                    "therapist_id": job["therapist"], "job_id": job["id"], "order_id": o["id"],
                    "reason": reason, "minutes_short": short, "queue_before": None,
                    "queue_after": None, "passed_over": []})
        bulk_insert(DispatchLog, rows)

    def _write_feedback(self, orders: list[dict]) -> None:
        t, rng = self.tenant_id, self.rng
        rows, complaints = [], []
        for o in orders:
            if o["row"]["status"] != "paid":
                continue
            for job in o["jobs"]:
                if job["status"] != "finished" or job["addon_of"] is not None:
                    continue
                if rng.random() > 0.35:
                    continue
                rating = rng.choices([r for r, _w in RATINGS], weights=[w for _r, w in RATINGS])[0]
                rows.append({"tenant_id": t, "store_id": o["store"].id, "order_id": o["id"],
                             "job_id": job["id"], "therapist_id": job["therapist"],
                             "rating": rating, "comment": rng.choice(COMMENTS[rating]),
                             "created_at": o["closed"], "created_by_account_id": None})
                complaints.append((o, job, rating))
        ids = bulk_insert(Feedback, rows, returning=True)
        cases = []
        for (o, job, rating), fid in zip(complaints, ids, strict=True):
            if rating > 2:
                continue
            status = rng.choice(("resolved", "closed", "closed"))
            cases.append({"tenant_id": t, "store_id": o["store"].id, "order_id": o["id"],
                          "therapist_id": job["therapist"], "customer_id": o["customer"],
                          "feedback_id": fid, "description": rng.choice(COMPLAINTS),
                          "status": status, "owner_account_id": None,
                          "resolution": "已与技师谈话，记入考核",
                          "reply_to_guest": "已致电客人致歉",
                          "guest_confirmed_at": o["closed"] + timedelta(days=1),
                          "created_at": o["closed"],
                          # Only a closed case has a close time (feedback.py: one truth).
                          "closed_at": (o["closed"] + timedelta(days=2)
                                        if status == "closed" else None)})
        bulk_insert(ComplaintCase, cases)

    def finish(self) -> None:
        """Write each card's cached balance (equal to its ledger's sum)."""
        from sqlalchemy import update

        # Bulk UPDATE by primary key: the key is (tenant_id, id).
        rows = [{"tenant_id": self.tenant_id, "id": c.id, "balance": c.balance}
                for c in self.cards.values() if c.id]
        for start in range(0, len(rows), BATCH):
            db.session.execute(update(MemberCard), rows[start:start + BATCH])
