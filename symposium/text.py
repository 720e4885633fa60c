"""Text people type: checks shared by every form and API field, and Markdown made safe."""

import unicodedata

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False})


def has_control_characters(value: str, multiline: bool = False) -> bool:
    """NUL and other control characters, or lone surrogates (only JSON can send those);
    line breaks and tabs are fine where a field may span lines."""
    allowed = {"\n", "\r", "\t"} if multiline else set()
    return any(unicodedata.category(char) in ("Cc", "Cs") and char not in allowed for char in value)


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
