"""Long documents rendered in chunks on several CPUs, then joined into one PDF.

WeasyPrint lays out one document on one core. A thousand badges are a thousand independent
pages, so they are cut into chunks that separate processes render side by side; the chunks
are joined in order with pypdf. Each chunk embeds its own subset of the fonts, which makes
the file a little larger than one document would be.

Starting a rendering process costs most of a second (Python, the app's packages, then
WeasyPrint and the fonts), so `RenderingProcesses` can be started before the document's
data is collected: the processes load WeasyPrint while the caller queries the database. A
process with one thread (a command) forks them, so they start with the app's packages
already loaded; a threaded one (the worker) spawns them, since forking a process whose
other threads may hold locks is unsafe. Either way they never touch the database.
"""

import io
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor

from symposium.documents.rendering import render_pdf, warm_up


def process_count(setting: object = None, waited_for: bool = False) -> int:
    """SYMPOSIUM_DOCUMENT_PROCESSES, or one less than the CPUs (the web and the mail worker
    keep one), at least one; every CPU for a command someone sits waiting for."""
    if setting not in (None, ""):
        return max(1, int(setting))
    return max(1, (os.cpu_count() or 1) - (0 if waited_for else 1))


class RenderingProcesses:
    """A pool of `processes` rendering processes, started (and loading WeasyPrint and
    `stylesheet_name`) as soon as it is entered. With one process, no pool: the chunks
    are rendered in the caller's own process. `start_method`: "fork" or "spawn"; by
    default fork where this process has a single thread."""

    def __init__(
        self, stylesheet_name: str, processes: int, start_method: str | None = None
    ) -> None:
        self.stylesheet_name = stylesheet_name
        self.processes = max(1, processes)
        self.start_method = start_method
        self.pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> "RenderingProcesses":
        if self.processes > 1:
            start = self.start_method or ("fork" if threading.active_count() == 1 else "spawn")
            self.pool = ProcessPoolExecutor(
                max_workers=self.processes,
                mp_context=multiprocessing.get_context(start),
                initializer=warm_up,
                initargs=(self.stylesheet_name,),
            )
            # The pool starts a process for each task that finds none idle: one small
            # task each starts them all now, not when the first chunk is ready.
            for _ in range(self.processes):
                self.pool.submit(os.getpid)
        return self

    def __exit__(self, *exc_info) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=exc_info[0] is not None)

    def render(
        self,
        html_chunks: Iterable[str],
        on_progress: Callable[[int], None] | None = None,
    ) -> bytes:
        """One PDF of the chunks in order; `on_progress(chunks_done)` after each chunk.

        `html_chunks` may be a generator: each chunk is handed to a process as soon as it
        is made, so making the next one overlaps rendering.
        """
        joined = _Joined()
        if self.pool is None:
            for html in html_chunks:
                joined.add(render_pdf(html, self.stylesheet_name))
                if on_progress:
                    on_progress(joined.count)
            return joined.pdf()
        futures = [self.pool.submit(render_pdf, html, self.stylesheet_name) for html in html_chunks]
        for future in futures:
            # Joined as they come, while the processes render the rest: only writing the
            # whole is left when the last chunk is done.
            joined.add(future.result())
            if on_progress:
                on_progress(joined.count)
        return joined.pdf()


def render_in_parallel(
    html_chunks: Iterable[str],
    stylesheet_name: str,
    count: int | None = None,
    on_progress: Callable[[int], None] | None = None,
    processes: int | None = None,
) -> bytes:
    """One PDF of the chunks in order, on `processes` processes (default: see
    `process_count`, never more than there are chunks); `on_progress(chunks_done)`
    after each chunk."""
    if count is None:
        html_chunks = list(html_chunks)
        count = len(html_chunks)
    processes = min(processes or process_count(), count)
    with RenderingProcesses(stylesheet_name, processes) as renderers:
        return renderers.render(html_chunks, on_progress)


class _Joined:
    """PDF parts joined in the order they are added."""

    def __init__(self) -> None:
        self.count = 0
        self._first: bytes | None = None
        self._writer = None

    def add(self, part: bytes) -> None:
        self.count += 1
        if self.count == 1:
            self._first = part  # a single part is the whole document as it is
            return
        if self._writer is None:
            from pypdf import PdfWriter  # imported when used: it slows every start-up

            self._writer = PdfWriter()
            self._writer.append(io.BytesIO(self._first))
        self._writer.append(io.BytesIO(part))

    def pdf(self) -> bytes:
        if self._writer is None:
            if self._first is None:
                raise ValueError("no parts to join")
            return self._first
        output = io.BytesIO()
        self._writer.write(output)
        return output.getvalue()
