"""Long documents rendered in chunks on several CPUs, then joined into one PDF.

WeasyPrint lays out one document on one core. A thousand badges are a thousand independent
pages, so they are cut into chunks that separate processes render side by side; the chunks
are joined in order with pypdf. Each chunk embeds its own subset of the fonts, which makes
the file a little larger than one document would be.
"""

import io
import multiprocessing
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor

from symposium.documents.rendering import render_pdf


def process_count(setting: object = None, waited_for: bool = False) -> int:
    """SYMPOSIUM_DOCUMENT_PROCESSES, or one less than the CPUs (the web and the mail worker
    keep one), at least one; every CPU for a command someone sits waiting for."""
    if setting not in (None, ""):
        return max(1, int(setting))
    return max(1, (os.cpu_count() or 1) - (0 if waited_for else 1))


def render_in_parallel(
    html_chunks: Iterable[str],
    stylesheet_name: str,
    count: int | None = None,
    on_progress: Callable[[int], None] | None = None,
    processes: int | None = None,
) -> bytes:
    """One PDF of the chunks in order; `on_progress(chunks_done)` after each chunk.

    `html_chunks` may be a generator of `count` chunks: each is handed to a process as
    soon as it is made, so making the next one overlaps rendering (and the processes'
    start) instead of coming before it.
    """
    if count is None:
        html_chunks = list(html_chunks)
        count = len(html_chunks)
    processes = min(processes or process_count(), count)
    parts = []
    if processes <= 1:
        for html in html_chunks:
            parts.append(render_pdf(html, stylesheet_name))
            if on_progress:
                on_progress(len(parts))
        return join(parts)
    # spawn, not fork: the caller may be a threaded worker holding database connections
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
        futures = [pool.submit(render_pdf, html, stylesheet_name) for html in html_chunks]
        for future in futures:
            parts.append(future.result())
            if on_progress:
                on_progress(len(parts))
    return join(parts)


def join(parts: Sequence[bytes]) -> bytes:
    if len(parts) == 1:
        return parts[0]
    from pypdf import PdfWriter  # imported when used: it slows every start-up

    writer = PdfWriter()
    for part in parts:
        writer.append(io.BytesIO(part))
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()
