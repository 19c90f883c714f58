"""Excel (.xlsx) cells that hold a Decimal exactly: money files finance re-adds by hand.

openpyxl writes every number with ``"%.16g"`` (``openpyxl.compat.strings.safe_string``,
for floats and Decimals alike), and 16 significant digits do not give a double back
its shortest form: 8969.31 lands in the file as ``8969.309999999999``.  A Decimal cell
is therefore stored as its own digits in a numeric cell (type ``n``): the sheet XML
holds ``<v>8969.31</v>``, which Excel reads as the number 8969.31, and the cell's
number format shows the two decimals.
"""

from __future__ import annotations

from decimal import Decimal

MONEY_FORMAT = "#,##0.00"


def exact_decimals(sheet, default_format: str = MONEY_FORMAT) -> None:
    """Store every Decimal cell of ``sheet`` with its exact digits.

    Call it once the sheet is filled and formatted: a Decimal cell still in the
    General format gets ``default_format`` (money, two decimals); others keep theirs.
    """
    for row in sheet.iter_rows():
        for cell in row:
            value = cell.value
            if not isinstance(value, Decimal) or not value.is_finite():
                continue
            if cell.number_format == "General":
                cell.number_format = default_format
            # A numeric cell given the digits as text: written to the XML as they are.
            cell.value = format(value, "f")
            cell.data_type = "n"
