"""Text people type: checks shared by every form and API field, and Markdown made safe."""

import re
import unicodedata
from functools import cache

import nh3
from markupsafe import Markup


@cache
def _markdown():
    # Made on first use: importing and setting up markdown-it took every process ~15 ms
    # at start-up.
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False, "linkify": False})


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
    markdown = _markdown()
    tokens = markdown.parse(text or "")
    levels = sorted({int(t.tag[1]) for t in tokens if t.type == "heading_open"})
    tag_for = {level: f"h{min(top_heading + index, 6)}" for index, level in enumerate(levels)}
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = tag_for[int(token.tag[1])]
    html = markdown.renderer.render(tokens, markdown.options, {})
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


#: Dutch surname prefixes ("tussenvoegsels") and a few from neighbouring languages: a
#: surname is filed under what follows them, "de Vries" under V, "van den Bergh" under B.
SURNAME_PREFIXES = frozenset(
    {
        "van",
        "von",
        "de",
        "den",
        "der",
        "des",
        "het",
        "'t",
        "te",
        "ten",
        "ter",
        "in",
        "op",
        "aan",
        "bij",
        "uit",
        "over",
        "onder",
        "tot",
        "voor",
        "d'",
        "da",
        "di",
        "du",
        "la",
        "le",
        "les",
        "l'",
        "zu",
        "vd",
        "v.d.",
        "v/d",
    }
)


def folded(text: str) -> str:
    """Lower case without accents, for sorting: "Çelik" with the C's, "Öztürk" with the O's."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def name_sort_key(first_name: str | None, last_name: str | None) -> tuple[str, str]:
    """(surname without its prefixes, first name and prefixes), folded: the Dutch order.

    "van den Bergh, Anna" gives ("bergh", "anna van den"), so she is under B, and of two
    people called Bergh the first names decide before the prefixes do.
    """
    words = folded(last_name or "").split()
    prefix: list[str] = []
    while len(words) > 1 and words[0] in SURNAME_PREFIXES:
        prefix.append(words.pop(0))
    # The prefix may be glued on with an apostrophe: "d'Ancona", "l'Ecluse".
    if words and "'" in words[0][:3] and words[0].split("'", 1)[1]:
        glued, rest = words[0].split("'", 1)
        if f"{glued}'" in SURNAME_PREFIXES:
            prefix.append(f"{glued}'")
            words[0] = rest
    main = " ".join(words)
    rest = " ".join([folded(first_name or ""), *prefix]).strip()
    return main[:200], rest[:200]


_PICTOGRAPH = "\u2300-\u23ff\u2600-\u27bf\u2b00-\u2bff\U0001f000-\U0001faff"
_MODIFIERS = "\ufe0e\ufe0f\u20e3\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f"
#: an emoji with its skin tone, presentation selector and keycap, and the ones joined to it
#: by zero-width joiners (a family, a flag); a joiner between letters (Arabic) stays
_EMOJI = re.compile(rf"[{_PICTOGRAPH}][{_MODIFIERS}]*(?:\u200d[{_PICTOGRAPH}][{_MODIFIERS}]*)*")
#: what is left of a keycap ("1️⃣" keeps its 1) and stray presentation selectors
_LEFT_OVER = re.compile("[\ufe0e\ufe0f\u20e3]")


def without_emoji(text: str) -> str:
    """The text with its emoji dropped, the rest kept: "Kai 👋🏽 Jansen" prints "Kai Jansen".
    For print, where the badge fonts have no emoji and would show a box instead."""
    if not text:
        return text
    return " ".join(_LEFT_OVER.sub("", _EMOJI.sub(" ", text)).split())
