"""Charts as SVG made on the server: no script in the browser, and the same in the PDF.

Each chart is an image with a title and a description for screen readers; the page puts
a table with the same figures beside it, and the bars carry their numbers as text.
"""

from flask_babel import gettext as _
from markupsafe import Markup, escape

from symposium.i18n import current_language

BAR = "#1d5f8a"
TRACK = "#e8eef3"
INK = "#1b1b1b"


def decimal(value: float | None) -> str:
    """A mean as people write it in the reader's language: "4,2" / "4.2"."""
    if value is None:
        return "–"
    from babel.numbers import format_decimal

    return format_decimal(value, format="0.0", locale=current_language())


def distribution(
    chart_id: str, title: str, description: str, counts: list[tuple[str, int]]
) -> Markup:
    """Horizontal bars, one per value of a scale or option, with the count at its end."""
    label_width = 120 if any(len(label) > 3 for label, _ in counts) else 36
    row, width = 22, 420
    bar_space = width - label_width - 48
    largest = max((count for _, count in counts), default=0) or 1
    height = row * len(counts) + 4
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    for index, (label, count) in enumerate(counts):
        y = index * row + 2
        length = round(bar_space * count / largest)
        short = label if len(label) <= 18 else label[:17] + "…"
        parts += [
            f'<text x="{label_width - 6}" y="{y + 15}" text-anchor="end" font-size="12" '
            f'fill="{INK}">{escape(short)}</text>',
            f'<rect x="{label_width}" y="{y + 2}" width="{bar_space}" height="{row - 6}" '
            f'fill="{TRACK}"/>',
            f'<rect x="{label_width}" y="{y + 2}" width="{length}" height="{row - 6}" '
            f'fill="{BAR}"/>',
            f'<text x="{label_width + length + 4}" y="{y + 15}" font-size="12" '
            f'fill="{INK}">{count}</text>',
        ]
    parts.append("</svg>")
    return Markup("".join(parts))  # numbers, and labels escaped above  # nosec B704


def small_bar(value: float | None, top: float) -> Markup:
    """A small bar for a table cell; decoration only, the number stands beside it."""
    if value is None:
        return Markup("")
    length = round(80 * max(value, 0) / top)
    return Markup(  # numbers only  # nosec B704
        '<svg xmlns="http://www.w3.org/2000/svg" class="small-bar" aria-hidden="true" '
        'focusable="false" width="80" height="10" viewBox="0 0 80 10">'
        f'<rect width="80" height="10" fill="{TRACK}"/>'
        f'<rect width="{length}" height="10" fill="{BAR}"/></svg>'
    )


def describe(counts: list[tuple[str, int]], mean: float | None, words: dict) -> str:
    """The chart's figures in a sentence: "5: 3 · 4: 2 · mean 4.6"."""
    text = " · ".join(f"{label}: {count}" for label, count in counts)
    if mean is not None:
        text += f" · {words['mean']} {decimal(mean)}"
    return text


def question_chart(result, chart_id: str) -> Markup:
    """The chart of one question's results (`results.QuestionResult`), described in words."""
    description = describe(result.counts, result.mean, {"mean": _("mean")})
    return distribution(f"chart-{chart_id}", result.label, description, result.counts)
