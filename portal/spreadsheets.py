"""Cells that a spreadsheet shows as text, never runs (CSV/formula injection, OWASP ASVS 1.2.10).

Department, app and data item names come from administrators and imports; a name such as
`=HYPERLINK("http://…","…")` must not become a live formula in a file a county office opens.
Only text is touched: numbers stay numbers (a negative number is not a formula).
"""

from openpyxl.cell import WriteOnlyCell

# What makes Excel, LibreOffice or Sheets read a cell as a formula (OWASP's list).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_value(value):
    """A CSV cell: text that would start a formula gets a leading single quote, which spreadsheet
    programs show as the text itself."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def xlsx_row(sheet, values) -> list:
    """A row for `sheet.append()`: every text value as a cell typed string ("s"), so it is stored
    as text whatever it starts with and keeps its exact value (drop-downs match names exactly)."""
    row = []
    for value in values:
        if isinstance(value, str):
            cell = WriteOnlyCell(sheet, value)
            cell.data_type = "s"
            row.append(cell)
        else:
            row.append(value)
    return row
