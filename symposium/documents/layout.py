"""Layout maths for printed documents: plain data in, plain data out (no Flask, no WeasyPrint).

WeasyPrint cannot shrink text to fit a box by itself, so names and organisations get a font
size worked out here from an estimate of how wide their characters are. The estimate errs on
the wide side; the templates still allow a line to wrap anywhere, so nothing can clip.
"""

import unicodedata
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

#: average advance of a bold Latin, Greek or Cyrillic character in Noto Sans, in em; capitals
#: and wide letters are above it, so it is taken a little generous
NARROW_EM = 0.62
#: Chinese, Japanese and Korean characters, and full-width forms, are one em wide
WIDE_EM = 1.0
#: joined Arabic letters are narrower than their isolated forms
ARABIC_EM = 0.5


def text_width_em(text: str) -> float:
    """How wide a line of text is, in em of its font size (an estimate that errs wide)."""
    width = 0.0
    for character in text:
        if unicodedata.combining(character) or unicodedata.category(character) == "Cf":
            continue  # accents and direction marks take no room of their own
        if unicodedata.east_asian_width(character) in ("W", "F"):
            width += WIDE_EM
        elif "\u0600" <= character <= "\u06ff":
            width += ARABIC_EM
        elif character == " ":
            width += 0.26
        else:
            width += NARROW_EM
    return width


@dataclass(frozen=True)
class FittedText:
    #: whole points, so that a document needs only a few dozen text sizes
    size_pt: int
    #: how many lines the text takes at that size (1 unless even the smallest size is too wide)
    lines: int


def fit_text(
    text: str, width_mm: float, largest_pt: int, smallest_pt: int, max_lines: int = 1
) -> FittedText:
    """The largest size, down to `smallest_pt`, at which `text` fits `width_mm` on at most
    `max_lines` lines; below that it stays at `smallest_pt` and wraps onto more lines."""
    width_pt = width_mm * 72 / 25.4
    em = max(text_width_em(text), 0.01)
    # On n lines the text is (roughly) n times narrower; words do not split evenly, so
    # count a wrapped line as 85 % full.
    for lines in range(1, max_lines + 1):
        usable = width_pt * lines * (1 if lines == 1 else 0.85)
        size = min(largest_pt, usable / em)
        if size >= smallest_pt:
            return FittedText(size_pt=int(size), lines=lines)
    lines_needed = int(em * smallest_pt / (width_pt * 0.85)) + 1
    return FittedText(size_pt=smallest_pt, lines=lines_needed)


@dataclass(frozen=True)
class Slot:
    """Where one badge goes on a sheet, in mm from the sheet's top left corner."""

    left_mm: float
    top_mm: float


A4_MM = (210.0, 297.0)
A6_MM = (105.0, 148.0)


def sheet_slots() -> list[Slot]:
    """Four A6 badges on A4, two by two, centred so the leftover millimetre is shared."""
    width, height = A6_MM
    spare_top = (A4_MM[1] - 2 * height) / 2
    return [
        Slot(left_mm=column * width, top_mm=spare_top + row * height)
        for row in range(2)
        for column in range(2)
    ]


@dataclass(frozen=True)
class CutMark:
    """A short line on the sheet's edge where the guillotine goes."""

    x1_mm: float
    y1_mm: float
    x2_mm: float
    y2_mm: float


def cut_marks(length_mm: float = 6.0) -> list[CutMark]:
    """Marks at the ends of every cut line: the vertical centre cut and the three
    horizontal cuts (top, middle and bottom of the badges), on both edges of the sheet."""
    page_width, page_height = A4_MM
    middle_x = A6_MM[0]
    tops = sorted({slot.top_mm for slot in sheet_slots()} | {sheet_slots()[-1].top_mm + A6_MM[1]})
    marks = [
        CutMark(middle_x, 0, middle_x, length_mm),
        CutMark(middle_x, page_height - length_mm, middle_x, page_height),
    ]
    for y in tops:
        marks.append(CutMark(0, y, length_mm, y))
        marks.append(CutMark(page_width - length_mm, y, page_width, y))
    return marks


def in_sheets(badges: list[T]) -> list[list[T]]:
    """Badges four to a sheet, in order; the last sheet may hold fewer."""
    return [badges[start : start + 4] for start in range(0, len(badges), 4)]


def cut_marks_svg() -> str:
    """The cut marks of a sheet as one A4 SVG drawing: a sheet's background costs the
    renderer one image, where eight positioned boxes cost it eight layouts."""
    width, height = A4_MM
    lines = "".join(
        f'<line x1="{m.x1_mm}" y1="{m.y1_mm}" x2="{m.x2_mm}" y2="{m.y2_mm}"/>' for m in cut_marks()
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}mm" height="{height}mm" '
        f'viewBox="0 0 {width} {height}"><g stroke="#000" stroke-width="0.2">{lines}</g></svg>'
    )
