"""Tables as files organisers open in a spreadsheet: CSV (UTF-8 with BOM) and XLSX.

A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` as a formula, and an
attendee chooses what their name or organisation starts with. A CSV file may be opened
with the other delimiter (`,` in English, `;` in Dutch) or by a program that splits lines
inside quotes, so in CSV every field is quoted and an apostrophe goes wherever a formula
could start: at the start, and after either delimiter or a line break. In XLSX every text
is written as a text cell, and a risky one also carries Excel's own "quote prefix" (what
typing an apostrophe first does), so the cell shows exactly what the person typed and is
never run.
"""

import csv
import io
import re
from datetime import datetime

from symposium.registration.tables import Table

#: Flask adds "; charset=utf-8" to text types
CSV_TYPE = "text/csv"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: OWASP's list: formula starts, and tab and carriage return, which some programs skip
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_risky(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


#: where a cell could begin, whichever delimiter the file is opened with: the start of the
#: text, or after a comma, a semicolon or a line break; then spaces (which some programs
#: trim) and quotes (which a program splitting without quoting rules reads as quoting)
_CELL_STARTS = re.compile(r"(^|[,;\r\n])([ \"]*)(?=[=+\-@\t\r])")


def neutralise(value):
    """Text a spreadsheet would run as a formula, made inert with an apostrophe wherever
    a cell could start in it; moments as text, nothing as an empty cell."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if value is None:
        return ""
    return _CELL_STARTS.sub(r"\1\2'", value) if isinstance(value, str) else value


def write_csv(table: Table, delimiter: str = ",") -> bytes:
    """CSV with a byte-order mark, so that Excel reads it as UTF-8; every field quoted, so
    that the other delimiter inside a field stays inside it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerow([neutralise(title) for title in table.header])
    writer.writerows([neutralise(value) for value in row] for row in table.rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _sheet_title(title: str) -> str:
    """Excel allows 31 characters and none of []:*?/\\ in a sheet's name."""
    cleaned = "".join(" " if char in "[]:*?/\\" else char for char in title).strip()
    return cleaned[:31] or "Sheet"


def _cell(sheet, value, bold: bool = False):
    from openpyxl.cell import WriteOnlyCell  # imported when used: it slows every start-up
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    if isinstance(value, str):
        # Control characters other than tab and newline are not allowed in the file's XML.
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
        cell.data_type = "s"  # openpyxl would otherwise store "=..." as a formula
        cell.quotePrefix = is_risky(value)
    elif isinstance(value, datetime):
        # A real date cell (local time, as the spreadsheet has no zones), sortable and filterable.
        cell = WriteOnlyCell(sheet, value=value.replace(tzinfo=None))
        cell.number_format = "yyyy-mm-dd hh:mm"
    else:
        cell = WriteOnlyCell(sheet, value=value)
    if bold:
        cell.font = Font(bold=True)
    return cell


def write_xlsx(table: Table, *more: Table) -> bytes:
    """A sheet per table: the header in bold, frozen and with filter buttons, then the rows."""
    from openpyxl import Workbook  # imported when used: it slows every start-up

    workbook = Workbook(write_only=True)
    for each in (table, *more):
        _write_sheet(workbook, each)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_sheet(workbook, table: Table) -> None:
    from openpyxl.utils import get_column_letter

    sheet = workbook.create_sheet(_sheet_title(table.title))
    sheet.freeze_panes = "A2"
    for number, title in enumerate(table.header, 1):
        sheet.column_dimensions[get_column_letter(number)].width = max(12, min(len(title) + 4, 40))
    sheet.append([_cell(sheet, title, bold=True) for title in table.header])
    count = 0
    for row in table.rows:
        sheet.append([_cell(sheet, value) for value in row])
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(max(1, len(table.header)))}{count + 1}"
