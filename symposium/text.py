"""Text people type: checks shared by every form and API field, and Markdown made safe."""

import re

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False})


#: Unicode's categories Cc (control characters) and Cs (surrogates), as one pattern: a
#: regular expression scans a long text in C, where a loop over its characters took seconds
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_BUT_LINES = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def has_control_characters(value: str, multiline: bool = False) -> bool:
    """NUL and other control characters, or lone surrogates (only JSON can send those);
    line breaks and tabs are fine where a field may span lines."""
    return (_CONTROL_BUT_LINES if multiline else _CONTROL).search(value) is not None


def safe_markdown(text: str, top_heading: int) -> Markup:
    """Markdown as safe HTML: raw HTML shows as text, headings start at h`top_heading`
    (under the page's own) and keep their order, only http(s) and mailto links remain,
    nothing runs."""
    tokens = _markdown.parse(text or "")
    levels = sorted({int(t.tag[1]) for t in tokens if t.type == "heading_open"})
    tag_for = {level: f"h{min(top_heading + index, 6)}" for index, level in enumerate(levels)}
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = tag_for[int(token.tag[1])]
    html = _markdown.renderer.render(tokens, _markdown.options, {})
    tags = {"p", "br", "hr", "ul", "ol", "li", "strong", "em", "a", "blockquote", "code", "pre"}
    tags |= {f"h{level}" for level in range(top_heading, 7)}
    return Markup(  # nh3 keeps only these tags and safe links  # nosec B704
        nh3.clean(
            html,
            tags=tags,
            attributes={"a": {"href", "title"}},
            url_schemes={"http", "https", "mailto"},
            link_rel="noopener noreferrer nofollow",
        )
    )
