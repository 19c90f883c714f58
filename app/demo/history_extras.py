"""Front-desk demo history, what a chain's floor adds to the plain day: 团购 vouchers,
the guest's gender wish, jobs finished early with a reason, a therapist's 停牌, and
therapists credited with the cards they recommended.

Rules chosen for the demo (a real chain's last 90 days):

* 团购 (美团 mostly, 抖音 some) is how a new guest comes in: about half of the walk-ins'
  orders (散客) and some members' first visit of the history are paid with vouchers,
  about one order in five overall.  A voucher buys one guest's main service of the
  deal items (``VOUCHER_ITEMS``) and is worth that line's charge at this store; a
  party brings a voucher per guest more often than not; the rest of the bill (加钟,
  drinks, an item outside the deal) is paid by cash / 微信 / 支付宝.  Codes are
  digits as the platforms print them (美团 12, 抖音 15), unique per company.
  Voucher money is never refunded at the desk (refunds.py): an order refunded in
  part is refunded on its other method, or not at all.
* About one rotation line in twenty carries a gender wish (mostly 指定女技师); the
  line goes to a qualified therapist of that gender when the store has one.
* About one finished job in a hundred (main jobs of an hour or more, no 加钟) ends
  15–35 minutes early with a reason; the dispatch log keeps both, as ``finish_job``
  does (app/blueprints/store/dispatch.py).
* A top-up made while a therapist served the guest is credited to that therapist one
  time in three (技师推卡); the rest are credited by ``assign_card_sellers`` to the
  store's cashiers, receptionists and manager (app/demo/hr.py).
* One therapist of the first store is 停牌 with a reason (app/demo/history.py).

Drawn from a second seeded RNG, so the plain day (arrivals, items, cards) keeps the
draws it had before these were added.
"""

from __future__ import annotations

import random
from decimal import Decimal

from app.demo.rows import money

# Deal items sold on the platforms (足疗 and the common 推拿 / 开背 sets).
VOUCHER_ITEMS = ("ZL60", "ZL90", "TN60", "JY90")
# Share of orders paid by 团购: walk-ins, a member's first visit, other members.
VOUCHER_SHARE = {"walk_in": 0.65, "first_visit": 0.25, "member": 0.02}
VOUCHER_PLATFORM_WEIGHTS = (("meituan", 75), ("douyin", 25))
VOUCHER_CODE_DIGITS = {"meituan": 12, "douyin": 15}
# The party's other guests come with the same deal this often.
VOUCHER_PER_GUEST = 0.7
# Share of rotation lines with a gender wish, and of those the wish for a woman.
GENDER_WISH_SHARE = 0.05
FEMALE_WISH_SHARE = 0.85
EARLY_FINISH_SHARE = 0.01
EARLY_FINISH_REASONS = ("客人有事先走", "客人接到电话，要求提前结束",
                        "客人觉得时间够了，要求提前结束", "客人身体不适，提前结束",
                        "客人赶车，提前结束")
THERAPIST_SELLER_SHARE = 1 / 3
SUSPENSION_REASON = "两次客诉“钟点时间不足”，停牌复训，技术督导考核合格后复牌"


class HistoryExtras:
    """Mixed into :class:`app.demo.history.HistoryGenerator` (``self.extras`` is its
    second RNG; ``self.customers``, ``self.by_code`` as there)."""

    extras: random.Random

    def _setup_extras(self, seed: int) -> None:
        self.extras = random.Random(f"{seed}-floor")
        self._visited: set[int] = set()
        self._voucher_codes: set[tuple[str, str]] = set()
        self._voucher_item_ids = {self.by_code[c].id for c in VOUCHER_ITEMS
                                  if c in self.by_code}

    def _gender_wish(self, store, item) -> str | None:
        """指定女技师 / 男技师 on a rotation line, if the store has someone able."""
        if not store.genders or self.extras.random() >= GENDER_WISH_SHARE:
            return None
        wish = "female" if self.extras.random() < FEMALE_WISH_SHARE else "male"
        able = [t for t in store.therapists
                if store.genders.get(t) == wish and item.id in store.qualified[t]]
        return wish if able else None

    def _early_finish(self, item) -> tuple[int, str] | None:
        """(minutes short, reason) for a job the guest ends early, else None."""
        if item.minutes < 60 or self.extras.random() >= EARLY_FINISH_SHARE:
            return None
        return self.extras.randint(15, 35), self.extras.choice(EARLY_FINISH_REASONS)

    def _first_visit(self, customer: int | None) -> bool:
        """Whether this is the member's first order of the history (walk-ins: True)."""
        if customer is None:
            return True
        if customer in self._visited:
            return False
        self._visited.add(customer)
        return True

    def _card_seller(self, order: dict) -> int | None:
        """The therapist who recommended the top-up (技师推卡), or None (the desk sold it)."""
        jobs = [j for j in order["jobs"] if j["status"] == "finished"]
        if not jobs or self.extras.random() >= THERAPIST_SELLER_SHARE:
            return None
        return jobs[0]["therapist"]

    def _vouchers(self, order: dict, rate: Decimal, first_visit: bool) -> list[tuple]:
        """The order's 团购 payments: (method, amount, card, (platform, code)) each."""
        x = self.extras
        kind = "walk_in" if order["customer"] is None else (
            "first_visit" if first_visit else "member")
        if x.random() >= VOUCHER_SHARE[kind]:
            return []
        deal = [ln for ln in order["lines"] if ln["kind"] == "service" and ln["status"] == "active"
                and ln["addon_of"] is None and ln["item"].id in self._voucher_item_ids]
        if not deal or deal[0]["guest_no"] != 1:
            return []  # the guest who booked the deal isn't having a deal item
        deal = [ln for ln in deal if ln["guest_no"] == 1 or x.random() < VOUCHER_PER_GUEST]
        platforms = [p for p, _w in VOUCHER_PLATFORM_WEIGHTS]
        platform = x.choices(platforms, weights=[w for _p, w in VOUCHER_PLATFORM_WEIGHTS])[0]
        payments = []
        for line in deal:
            payments.append(("voucher", money(line["price"] * rate), None,
                             (platform, self._voucher_code(platform))))
        return payments

    def _voucher_code(self, platform: str) -> str:
        digits = VOUCHER_CODE_DIGITS[platform]
        while True:
            code = f"{self.extras.randrange(10 ** (digits - 1), 10 ** digits)}"
            if (platform, code) not in self._voucher_codes:
                self._voucher_codes.add((platform, code))
                return code
