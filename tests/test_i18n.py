"""The English catalog covers the code as it is now, and the app serves it.

Msgids are the Chinese source strings; zh_Hans_CN is the default locale and
has no catalog.  ``make i18n`` re-extracts, updates and compiles
translations/en; these tests fail when a string was added without English.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
# Same keywords as `make i18n`: the code imports lazy_gettext as _l and gettext as _.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|\{\w*\}")


def source_msgids() -> dict[str, str]:
    """msgid -> one place it comes from: what `make i18n` puts in the .pot."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh, "babel.cfg")
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True
    ):
        msgid = message if isinstance(message, str) else message[0]
        found.setdefault(msgid, f"{filename}:{lineno}")
    return found


def test_labels_are_marked_where_they_are_written():
    """The extractor sees only literals: `_(label)` on a variable hides the label.

    Mark the string where it is defined instead (``_l("...")`` in a dict, as
    app/labels.py and app/audit.py do) and render the lazy string as it is.
    Without this rule such labels would need a hand-kept list next to the catalog.
    """
    call = re.compile(r"(?<![\w.])(?:_|_l|gettext|lazy_gettext|ngettext)\(\s*(?![\s'\")]|$)")
    offenders = [
        f"{path.relative_to(ROOT)}:{lineno}: {line.strip()}"
        for folder, pattern in (("app", "*.py"), ("templates", "*.html"))
        for path in sorted((ROOT / folder).rglob(pattern))
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if call.search(line)
    ]
    assert not offenders, "\n".join(offenders)


@pytest.fixture(scope="module")
def catalog():
    with open(PO, "rb") as fh:
        return read_po(fh, locale="en")


def test_extraction_finds_the_ui_strings():
    msgids = source_msgids()
    # From Python (lazy_gettext as _l, gettext as _) and from a template.
    assert {"总经理", "调薪", "用户名或密码不正确", "登录沐足"} <= msgids.keys()


def test_every_msgid_has_a_reviewed_english_translation(catalog):
    assert not catalog.fuzzy, "the catalog header is fuzzy: pybabel compile would skip it"
    problems = []
    for msgid, origin in sorted(source_msgids().items(), key=lambda kv: kv[1]):
        message = catalog.get(msgid)
        strings = [] if message is None else (
            list(message.string) if isinstance(message.string, tuple) else [message.string])
        if message is None:
            problems.append(f"{origin}: {msgid!r} is not in the catalog (run make i18n)")
        elif not all(strings):
            problems.append(f"{origin}: {msgid!r} has no English")
        elif message.fuzzy:
            problems.append(f"{origin}: {msgid!r} is fuzzy: check {strings[0]!r}, drop the flag")
        elif any(CJK.search(s) for s in strings):
            problems.append(f"{origin}: {msgid!r} -> {strings[0]!r} is still Chinese")
        elif any(sorted(PLACEHOLDER.findall(msgid)) != sorted(PLACEHOLDER.findall(s))
                 for s in strings):
            problems.append(f"{origin}: {msgid!r} -> {strings[0]!r} changes the placeholders")
    assert not problems, "\n".join(problems)


def test_template_strings_format_in_both_languages(catalog):
    """Jinja's gettext always %-formats what it returns (with the call's variables, even
    none): a bare "%" in a template's string, Chinese or English, is a 500 on that page
    in that language ("得分率" -> "Score %" was one)."""
    problems = []
    for message in catalog:
        if not message.id or not any(path.endswith(".html") for path, _ in message.locations):
            continue
        ids = list(message.id) if isinstance(message.id, tuple) else [message.id]
        strings = list(message.string) if isinstance(message.string, tuple) else [message.string]
        for text in [*ids, *strings]:
            names = {name: 1 for name in re.findall(r"%\((\w+)\)", text)}
            try:
                text % names
            except (ValueError, TypeError, KeyError) as exc:
                problems.append(f"{message.locations[0][0]}: {text!r}: {exc}")
    assert not problems, "\n".join(problems)


def test_compiled_mo_matches_the_po(catalog):
    """The committed .mo is what Flask-Babel reads: it must hold exactly the .po's messages."""
    with open(MO, "rb") as fh:
        compiled = read_mo(fh)

    def messages(cat, skip_fuzzy):
        return {m.id: m.string for m in cat
                if m.id and m.string and not (skip_fuzzy and m.fuzzy)}

    # pybabel compile leaves fuzzy entries out, as Flask-Babel would never see them.
    expected, actual = messages(catalog, True), messages(compiled, False)
    stale = sorted(k for k in expected.keys() | actual.keys() if expected.get(k) != actual.get(k))
    assert not stale, f"messages.mo is out of date (run make i18n) for: {stale[:10]}"


def _nav(html: str) -> dict[str, str]:
    """endpoint -> label of the main navigation's entries."""
    block = html.split('data-testid="main-nav"', 1)[1].split("</ul>", 1)[0]
    return dict(re.findall(r'data-nav="([\w.]+)" href="[^"]*">([^<]*)</a>', block))


def test_login_page_in_chinese_then_english(client):
    page = client.get("/login").get_data(as_text=True)
    assert "<title>登录 · 沐足</title>" in page
    assert "登录沐足" in page

    response = client.get("/lang/en")
    assert response.status_code == 302

    page = client.get("/login").get_data(as_text=True)
    assert "<title>Sign in · Muzu</title>" in page
    assert "Sign in to Muzu" in page
    assert "Company code" in page
    # Only the language switcher's own name for Chinese stays Chinese.
    assert not CJK.search(page.replace(">中文</a>", "")), CJK.findall(page)

    client.get("/lang/zh_Hans_CN")
    assert "<title>登录 · 沐足</title>" in client.get("/login").get_data(as_text=True)


def test_query_parameter_selects_english_for_one_request(client):
    assert "Sign in to Muzu" in client.get("/login?lang=en").get_data(as_text=True)
    assert "登录沐足" in client.get("/login").get_data(as_text=True)


def test_general_managers_navigation_switches_to_english(client, auth, company_a):
    auth.login_as(company_a, "general_manager")
    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    nav = _nav(page)
    assert nav["gm.index"] == "总经理"
    assert nav["main.audit_log"] == "审计日志"

    client.get("/lang/en")
    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    nav = _nav(page)
    assert nav["gm.index"] == "General manager"
    assert nav["hr.index"] == "HR"
    assert nav["main.audit_log"] == "Audit log"
    assert nav["main.permission_matrix"] == "Permissions"
    assert len(nav) >= 8
    assert not [label for label in nav.values() if CJK.search(label)], nav
    assert "Sign out" in page


def test_the_chosen_language_survives_signing_in_and_out(client, auth, company_a):
    client.get("/lang/en")
    auth.login_as(company_a, "general_manager")
    assert "Audit log" in client.get("/gm/").get_data(as_text=True)
    auth.logout()
    assert "Sign in" in client.get("/login").get_data(as_text=True)
