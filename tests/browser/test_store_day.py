"""A front-desk day end to end, through the real pages, as the store manager.

上牌 three therapists on the 轮牌 board, 开单 a walk-in into a free room, 轮钟 from
the order page, 退钟 on the board (the next therapist takes the line), 下钟 (the
room goes to 待清洁, the order to 待结账), then 收银 split between WeChat and cash
with change, and the receipt.  Each step is checked where the desk would see it:
the board, the room board, the dispatch log, the receipt.

The conftest's server has the demo companies only; the desk needs the catalogue
and the therapists' qualifications, so this module serves its own copy with the
demo history of store GZ01 (store 1) loaded as ``flask demo load`` does.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from app.demo.history import load_history
from app.demo.loader import load_demo
from app.extensions import db
from tests.browser.conftest import browser_app

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
STORE_ID = 1  # GZ01 悦足·天河旗舰店: the store roles of the demo work here
SERVICE = "足疗 60 分钟"  # every demo therapist is qualified for it


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """The conftest's live server, plus the demo history (catalogue, qualifications,
    past days) of store 1; today's business day is untouched (no board yet)."""
    from flask_migrate import upgrade

    url = f"sqlite:///{tmp_path_factory.mktemp('store_day') / 'muzu.sqlite'}"
    app = browser_app(url)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        load_demo()
        db.session.commit()
        history = load_history("yuezu", days=90, store_codes=("GZ01",))
        assert not history.skipped
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="store-day-server",
                              daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    with app.app_context():
        db.engine.dispose()


# -- what the desk sees ----------------------------------------------------------


def expect_flash(page, *, contains: str) -> None:
    """The page the action redirected to says ``contains`` (and no error)."""
    expect(page.locator(".alert[role=alert]", has_text=contains)).to_be_visible()
    page.wait_for_load_state()
    errors = page.locator(".alert-danger").all_inner_texts()
    assert not errors, errors


def board_rows(page) -> list[dict]:
    """The 轮牌 queue as the dispatcher sees it, in queue order."""
    return page.eval_on_selector_all(
        "[data-testid=board-queue] tbody tr[data-therapist-no]",
        """rows => rows.map(r => ({no: r.dataset.therapistNo, status: r.dataset.status,
                                   position: Number(r.dataset.position),
                                   text: r.innerText}))""")


def row_of(page, number: str):
    return page.locator(f"[data-testid=board-queue] tr[data-therapist-no='{number}']")


def open_board(page, base: str) -> None:
    page.goto(f"{base}/store/{STORE_ID}/board")
    page.wait_for_selector("[data-testid=board-live]")


def open_room_board(page, base: str):
    page.goto(f"{base}/store/?store_id={STORE_ID}")
    page.wait_for_selector("[data-testid=room-board]")


def room_card(page, room_id: str):
    return page.locator(f"[data-testid=room-board] [data-room-id='{room_id}']")


def log_rows(page, base: str, action: str) -> list[str]:
    page.goto(f"{base}/store/{STORE_ID}/board/log")
    page.wait_for_selector("[data-testid=dispatch-log]")
    return page.locator(f"[data-testid=dispatch-log] tr[data-log-action='{action}']"
                        ).all_inner_texts()


def test_front_desk_day(login, live_server, page, artifacts):
    base = live_server
    login("store_manager")

    # 1. 上牌: today's board starts empty; clock three therapists in.
    open_board(page, base)
    assert "今天还没有技师上牌" in page.locator("[data-testid=board-queue]").inner_text()
    clocked = []
    for _ in range(3):
        select = page.locator("[data-testid=clock-in] select[name=therapist_id]")
        label = select.locator("option").first.inner_text().strip()
        select.select_option(index=0)
        page.click("[data-testid=clock-in] [data-action=clock-in]")
        page.wait_for_load_state()
        confirm = page.locator("[data-action=confirm-rest-day]")
        if confirm.count():  # the demo's schedule gives them a rest day: 上牌 asks first
            confirm.click()
        number = label.split()[0]
        expect(row_of(page, number)).to_have_attribute("data-status", "waiting")
        expect_flash(page, contains="已上牌")
        clocked.append(number)
    rows = board_rows(page)
    assert sorted(r["no"] for r in rows) == sorted(clocked)
    assert [r["status"] for r in rows] == ["waiting"] * 3
    assert [r["position"] for r in rows] == [1, 2, 3]
    before = {r["no"]: r["position"] for r in rows}
    first, second, third = (r["no"] for r in rows)
    assert page.locator("[data-testid=ready-list] [data-ready-no]").count() == 3

    # 2. 开单: a walk-in into the first free room, one line of 足疗.
    open_room_board(page, base)
    free = page.locator("[data-testid=room-board] [data-room-status=free]").first
    room_id = free.get_attribute("data-room-id")
    room_no = free.locator("a.fs-5").inner_text().strip()
    occupied_before = int(page.locator("[data-count=occupied]").inner_text())
    # muzu.js wires the form once the page has loaded: typing before that goes unseen.
    with page.expect_navigation():
        free.locator("[data-action=checkin]").click()
    form = page.locator("[data-testid=checkin-form]")
    assert form.locator("select[name=room_id]").input_value() == room_id
    form.locator("input[name=guest_name]").fill("王先生")
    # A party: each service row follows the party size guest by guest (muzu.js); a
    # guest number typed by hand stays.
    party = form.locator("input[name=party_size]")

    def guests():
        return [form.locator(f"input[name='services-{n}-guest_no']").input_value()
                for n in range(4)]

    party.fill("3")
    assert guests() == ["1", "2", "3", "1"]
    form.locator("input[name='services-1-guest_no']").fill("1")
    party.fill("2")
    assert guests() == ["1", "1", "1", "2"]
    party.fill("1")
    assert guests() == ["1", "1", "1", "1"]
    service = form.locator("select[name='services-0-service_item_id']")
    option = service.locator("option", has_text=SERVICE).first
    service.select_option(value=option.get_attribute("value"))
    price = re.search(r"¥(\d+(?:\.\d+)?)", option.inner_text()).group(1)
    form.locator("button[type=submit]").click()
    expect_flash(page, contains="已开单，客人已入房")
    match = re.search(rf"/store/{STORE_ID}/orders/(\d+)$", page.url)
    assert match, page.url
    order_id = match.group(1)
    order_url = page.url
    assert f"{room_no} 号房" in page.locator("h1").locator("..").inner_text()
    line = page.locator("[data-testid=order-lines] tbody tr[data-line-id]")
    assert line.count() == 1 and SERVICE in line.inner_text() and "待派钟" in line.inner_text()

    open_room_board(page, base)
    card = room_card(page, room_id)
    assert card.get_attribute("data-room-status") == "occupied"
    assert card.locator(f"[data-order-id='{order_id}']").count() == 1
    assert "待派钟" in card.inner_text() and "王先生" in card.inner_text()
    assert int(page.locator("[data-count=occupied]").inner_text()) == occupied_before + 1
    page.screenshot(path=str(artifacts / "store_day_rooms_occupied.png"), full_page=True)

    # 3. 轮钟 from the order page: the first waiting therapist gets it.
    page.goto(order_url)
    page.locator("[data-testid=assign-form] button[name=mode][value=rotation]").click()
    expect_flash(page, contains=f"派给 {first} 号技师（轮钟）")
    assert f"{first}号" in page.locator("[data-testid=order-lines] tbody tr").first.inner_text()

    open_board(page, base)
    busy = row_of(page, first)
    assert busy.get_attribute("data-status") == "busy"
    assert "轮钟" in busy.inner_text() and f"{room_no} 房" in busy.inner_text()
    assert [r["no"] for r in board_rows(page) if r["status"] == "waiting"] == [second, third]
    page.screenshot(path=str(artifacts / "store_day_board_dispatched.png"), full_page=True)
    assigned = log_rows(page, base, "assign_rotation")
    assert len(assigned) == 1 and first in assigned[0] and "轮钟" in assigned[0]

    # 4. 退钟 on the board: back at their old place, the next one takes the line.
    open_board(page, base)
    busy = row_of(page, first)
    busy.locator("summary", has_text="退钟").click()
    busy.get_by_label("退钟原因").fill("客人要求换技师")
    busy.locator("[data-action=return]").click()
    expect_flash(page, contains=f"已退钟，改派 {second} 号技师")
    page.wait_for_selector("[data-testid=board-live]")
    returned = row_of(page, first)
    assert returned.get_attribute("data-status") == "waiting"
    assert int(returned.get_attribute("data-position")) == before[first]
    taken = row_of(page, second)
    assert taken.get_attribute("data-status") == "busy"
    assert f"{room_no} 房" in taken.inner_text() and SERVICE in taken.inner_text()
    page.screenshot(path=str(artifacts / "store_day_board_returned.png"), full_page=True)
    log = log_rows(page, base, "return")
    assert len(log) == 1 and first in log[0] and "客人要求换技师" in log[0]
    reassigned = log_rows(page, base, "assign_rotation")
    assert len(reassigned) == 2 and any(second in text for text in reassigned)
    page.goto(order_url)
    line = page.locator("[data-testid=order-lines] tbody tr[data-line-id]")
    assert f"{second}号" in line.inner_text() and f"{first}号 已退钟" in line.inner_text()

    # 5. 下钟 on the board (long before the planned end: with the reason the form asks
    # for): the therapist goes to the tail, the room to 待清洁.
    open_board(page, base)
    busy = row_of(page, second)
    busy.locator("summary", has_text="下钟").click()
    busy.get_by_label("提前下钟原因").fill("客人临时有事")
    busy.locator("[data-action=finish]").click()
    expect_flash(page, contains=f"{second} 号技师已下钟")
    rows = board_rows(page)
    assert [r["status"] for r in rows] == ["waiting"] * 3
    assert rows[-1]["no"] == second, rows
    page.screenshot(path=str(artifacts / "store_day_board.png"), full_page=True)

    open_room_board(page, base)
    card = room_card(page, room_id)
    assert card.get_attribute("data-room-status") == "cleaning"
    assert "待清洁" in card.inner_text()
    to_pay = page.locator(f"[data-testid=to-pay] [data-to-pay-order-id='{order_id}']")
    assert to_pay.count() == 1
    page.screenshot(path=str(artifacts / "store_day_rooms.png"), full_page=True)
    page.goto(order_url)
    assert page.locator("h1 ~ [data-status]").first.get_attribute("data-status") == "to_pay"

    # 6. 收银: part WeChat, the rest in cash with a 50 note; change is shown.
    open_room_board(page, base)
    page.locator(f"[data-testid=to-pay] [data-to-pay-order-id='{order_id}']").click()
    page.wait_for_selector("#pay-form")
    total = page.locator("[data-testid=bill-total]").inner_text().strip()
    assert total == f"¥{float(price):.2f}", total
    due = round(float(price), 2)
    wechat = 100.0
    cash = round(due - wechat, 2)
    tendered = 50.0
    change = round(tendered - cash, 2)
    assert 0 < cash < tendered
    page.fill("#wechat_amount", f"{wechat:.2f}")
    page.fill("#cash_amount", f"{cash:.2f}")
    page.fill("#cash_tendered", f"{tendered:.2f}")
    assert page.locator("#change").inner_text() == f"{change:.2f}"
    assert page.locator("#rest").inner_text() == "0.00"
    page.locator("#pay-form button[type=submit]").click()
    page.wait_for_selector("[data-testid=receipt]")
    expect_flash(page, contains=f"结账成功，找零 ¥{change:.2f}")
    receipt = page.locator("[data-testid=receipt]")
    assert "结账单" in receipt.inner_text()
    assert page.locator("[data-testid=receipt-total]").inner_text().strip() == total
    payments = page.locator("[data-testid=receipt-payments]").inner_text()
    assert "微信支付" in payments and f"{wechat:.2f}" in payments
    assert "现金" in payments and f"{cash:.2f}" in payments
    assert "实收现金" in payments and f"{tendered:.2f}" in payments
    assert page.locator("[data-testid=receipt-change]").inner_text().strip() == f"{change:.2f}"
    receipt.screenshot(path=str(artifacts / "store_day_receipt.png"))

    page.goto(order_url)
    assert page.locator("h1 ~ [data-status]").first.get_attribute("data-status") == "paid"
    open_room_board(page, base)
    assert page.locator(f"[data-to-pay-order-id='{order_id}']").count() == 0
