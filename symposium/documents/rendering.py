"""The one way Symposium turns HTML into PDF.

WeasyPrint fetches whatever a document points at. Ours may only read files under
`static/` and data the code hands it inline (data: URLs); anything else (the network, other
files) is refused, so a speaker's summary or an attendee's name cannot make the server
fetch a URL.

`<img src="qr:TEXT">` is a QR code of TEXT, drawn when the document is rendered: in the
process that renders it, so that a thousand badges' codes are drawn side by side on every
rendering CPU, and the HTML carries a line of text instead of an image.
"""

import base64
import logging
import re
from functools import cache
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

STATIC_ROOT = (Path(__file__).resolve().parent.parent.parent / "static").resolve()

# WeasyPrint reports refused fetches and unsupported CSS as warnings of its own; they are
# expected here (that is the fetcher doing its job), so keep them out of the worker's log.
logging.getLogger("weasyprint").setLevel(logging.ERROR)


class RefusedFetch(ValueError):
    pass


QR_SCHEME = "qr:"


def qr_address(text: str) -> str:
    """The image address of a QR code of `text`: all of it quoted, so that what WeasyPrint
    makes of the address and the one unquote in the fetcher give back `text` exactly."""
    return QR_SCHEME + quote(text, safe="")


#: the quiet zone round a QR code, in modules
QR_BORDER = 2


def qr_png(text: str) -> bytes:
    """A QR code as an 8-bit grey PNG of one pixel per module; drawn without smoothing
    (`image-rendering: pixelated`) it prints as sharp as an SVG and costs WeasyPrint a
    fraction of laying out an SVG path. Grey, not 1-bit: WeasyPrint embeds a grey PNG as
    it is, but converts a 1-bit one to colour and encodes it again.

    Encoded by zxing-cpp, in C++: a third of the time segno takes in Python, which was a
    tenth of a badge's rendering."""
    import io

    import zxingcpp  # imported when used: it slows every start-up
    from PIL import Image

    code = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    modules = code.to_image(scale=1, add_quiet_zones=False)  # black 0, white 255
    size = modules.shape[0]
    image = Image.new("L", (size + 2 * QR_BORDER,) * 2, 255)
    image.paste(Image.frombytes("L", (size, size), bytes(modules)), (QR_BORDER, QR_BORDER))
    png = io.BytesIO()
    image.save(png, format="PNG", compress_level=1)
    return png.getvalue()


# WeasyPrint takes a second to import: it is loaded when the first document is made, not
# by every process that imports the app (the web workers, the tests).
@cache
def _static_only_fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        """WeasyPrint's fetcher, limited to data: URLs and files under static/."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols={"data", "file", "qr"}, allow_redirects=False)

        def fetch(self, url: str, headers=None):
            if url.startswith(QR_SCHEME):
                return URLFetcherResponse(
                    url, qr_png(unquote(url[len(QR_SCHEME) :])), {"Content-Type": "image/png"}
                )
            parts = urlsplit(url)
            if parts.scheme == "data" and ";base64," in url[:64]:
                # The common case (QR codes, photos), without urllib's detour.
                media_type, _, payload = url[5:].partition(";base64,")
                return URLFetcherResponse(
                    url, base64.b64decode(payload), {"Content-Type": media_type or "text/plain"}
                )
            if parts.scheme == "file":
                path = Path(unquote(parts.path)).resolve()
                if not (path.is_relative_to(STATIC_ROOT) and path.is_file()):
                    raise RefusedFetch(f"documents may only read files under static/, not {url}")
            elif parts.scheme != "data":
                raise RefusedFetch(f"documents may not fetch {url}")
            return super().fetch(url, headers)

    return StaticOnlyFetcher


def static_only_fetcher():
    """WeasyPrint's fetcher, limited to data: URLs and files under static/."""
    return _static_only_fetcher_class()()


@cache
def _fonts():
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


@cache
def stylesheet(name: str):
    """A print stylesheet from static/css/print/, parsed once per process."""
    from weasyprint import CSS

    return CSS(
        filename=str(STATIC_ROOT / "css" / "print" / name),
        url_fetcher=static_only_fetcher(),
        font_config=_fonts(),
    )


@cache
def _html_class():
    """WeasyPrint's HTML with a leaner default stylesheet.

    WeasyPrint's own stylesheet for HTML styles six pseudo-elements of *every* element
    (`::marker`, `::footnote-call`, `::note-call` and the like), and each of those costs
    a style computation of its own that WeasyPrint does not share between elements: on a
    sheet of badges that is 97 % of the styles computed and a sixth of the rendering time.
    Our documents use no footnotes or notes, and list markers exist only on list items,
    so the lean copy keeps `::marker` for `li` and leaves the others out.
    """
    from weasyprint import CSS, HTML

    try:
        from weasyprint.html import UA, UA_COUNTER_STYLE
    except ImportError:  # another WeasyPrint: its own stylesheet, just slower
        return HTML
    lean_text = re.sub(r"^::marker", "li::marker", UA, flags=re.M)
    lean_text = re.sub(r"^::(footnote|note)-.*\n", "", lean_text, flags=re.M)
    lean = CSS(string=lean_text, counter_style=UA_COUNTER_STYLE)

    class LeanHTML(HTML):
        def _ua_stylesheets(self, forms=False):
            return [lean]

    return LeanHTML


def warm_up(stylesheet_name: str) -> None:
    """Load WeasyPrint, the fonts and the stylesheet, so that the first document this
    process renders does not wait for them (a rendering process's start)."""
    _html_class()
    stylesheet(stylesheet_name)


def render_pdf(html: str, stylesheet_name: str) -> bytes:
    """A PDF of `html` styled by static/css/print/`stylesheet_name`."""
    document = _html_class()(
        string=html, base_url=STATIC_ROOT.as_uri() + "/", url_fetcher=static_only_fetcher()
    )
    return document.write_pdf(stylesheets=[stylesheet(stylesheet_name)], font_config=_fonts())
