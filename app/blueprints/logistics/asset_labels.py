"""QR labels of asset tags (segno): the code scanned on the counting page is the tag
code itself, so a label printed today still works whatever the asset's URL becomes."""

from __future__ import annotations

import io
from dataclasses import dataclass

import segno
from markupsafe import Markup

# Medium error correction survives a scuffed or partly peeled label.
ERROR = "m"
# Module size on the sheet: 25 modules × 3 px ≈ 2 cm printed, scannable by a phone.
SCALE = 3


@dataclass(frozen=True)
class Label:
    asset_id: int
    tag_code: str
    name: str
    store_id: int
    svg: Markup


def qr_for(tag_code: str) -> segno.QRCode:
    return segno.make_qr(tag_code, error=ERROR)


def label_svg(tag_code: str) -> bytes:
    """A standalone SVG document of the tag's QR code (the label.svg endpoint)."""
    out = io.BytesIO()
    qr_for(tag_code).save(out, kind="svg", scale=4, border=2, title=tag_code)
    return out.getvalue()


def inline_svg(tag_code: str) -> Markup:
    """The tag's QR code as an ``<svg>`` element for a page (no script, CSP-safe)."""
    svg = qr_for(tag_code).svg_inline(scale=SCALE, border=2, svgclass="asset-qr", omitsize=True,
                                      title=tag_code)
    return Markup(svg)  # noqa: S704 - segno writes only path data and the escaped title


def labels_for(assets) -> list[Label]:
    return [Label(a.id, a.tag_code, a.name, a.store_id, inline_svg(a.tag_code)) for a in assets]
