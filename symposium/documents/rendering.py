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


def qr_png(text: str) -> bytes:
    """A QR code as a PNG of one pixel per module; drawn without smoothing
    (`image-rendering: pixelated`) it prints as sharp as an SVG and costs WeasyPrint a
    fraction of laying out an SVG path."""
    # A fixed mask skips segno's search for the best of eight (three quarters of its time);
    # every mask gives a valid code, and short URLs scan well with any of them.
    import io

    import segno  # imported when used: it slows every start-up

    code = segno.make(text, error="m", micro=False, mask=0, boost_error=False)
    png = io.BytesIO()
    code.save(png, kind="png", scale=1, border=2)
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


def render_pdf(html: str, stylesheet_name: str) -> bytes:
    """A PDF of `html` styled by static/css/print/`stylesheet_name`."""
    from weasyprint import HTML

    document = HTML(
        string=html, base_url=STATIC_ROOT.as_uri() + "/", url_fetcher=static_only_fetcher()
    )
    return document.write_pdf(stylesheets=[stylesheet(stylesheet_name)], font_config=_fonts())
