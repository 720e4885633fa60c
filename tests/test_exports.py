"""Exports are safe in every spreadsheet, whichever delimiter it splits on."""

import csv
import io
import re

import openpyxl
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from symposium.registration.exports import write_csv, write_xlsx
from symposium.registration.tables import Table
from tests.conftest import examples

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NASTY = [
    "Acme;=1+1",
    "Team, =2+3",
    "geen noten\n=2+3",
    "regel\r\n@SUM(A1)",
    'x;"=HYPERLINK(""y"")',
    "a, -1",
    " =1",
    "\t=1",
    "=1+1",
    "gewoon",
]


def cells_any_program_could_see(data: bytes) -> list[str]:
    """Every cell, as Python's csv reads the file with either delimiter, and as a program
    that splits on delimiters and line breaks without quoting rules does."""
    text = data.decode("utf-8-sig")
    cells = []
    for delimiter in (",", ";"):
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            cells.extend(row)
    cells.extend(piece.strip(' "') for piece in re.split(r"[,;\r\n]", text))
    return cells


def risky(cells: list[str]) -> list[str]:
    """Cells whose first sign, after what some programs skip, starts a formula."""
    return [cell for cell in cells if cell.lstrip(' "\t\r\n').startswith(("=", "+", "-", "@"))]


def table(values: list[str]) -> Table:
    return Table(title="Aanmeldingen", header=["Naam", "=Kop"], rows=[[v, v] for v in values])


def test_no_cell_starts_a_formula_whichever_delimiter_opens_the_csv():
    for delimiter in (",", ";"):
        data = write_csv(table(NASTY), delimiter)
        assert risky(cells_any_program_could_see(data)) == [], delimiter


def test_the_csv_read_with_its_own_delimiter_keeps_each_value_in_its_cell():
    for delimiter in (",", ";"):
        rows = list(
            csv.reader(
                io.StringIO(write_csv(table(NASTY), delimiter).decode("utf-8-sig"), newline=""),
                delimiter=delimiter,
            )
        )
        assert len(rows) == len(NASTY) + 1
        assert rows[1][0] == "Acme;'=1+1" and rows[3][0] == "geen noten\n'=2+3"
        assert rows[10][0] == "gewoon"


@hypothesis_settings(max_examples=examples(200))
@given(st.lists(st.text(alphabet=",;\r\n \"'=+-@\tab1", max_size=12), min_size=1, max_size=4))
def test_any_text_of_delimiters_and_formula_signs_stays_inert(values):
    for delimiter in (",", ";"):
        assert risky(cells_any_program_could_see(write_csv(table(values), delimiter))) == []


def test_the_xlsx_reads_back_as_text_with_nothing_to_run():
    workbook = openpyxl.load_workbook(io.BytesIO(write_xlsx(table(NASTY))))
    cells = [cell for row in workbook.active.iter_rows() for cell in row]

    assert all(cell.data_type == "s" for cell in cells)
    assert [c.value for c in cells[2::2]] == NASTY
    assert all(c.quotePrefix for c in cells if c.value.startswith(FORMULA_STARTS))
