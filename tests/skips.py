"""Skips that are deliberate, and a guard that fails the run on any other.

Where a test skips for a reason of its own, it is a choice: a check proven on one database
only, say. Any other skip means a part the suite needs was missing (a schema file, a
browser, a tool) and would hide a test silently. With SYMPOSIUM_ONLY_DOCUMENTED_SKIPS=1
(`.ci/run` sets it) the run fails when a test skipped for a reason not listed here.
"""

import os
import re

import pytest

#: (pattern that the skip's reason matches, why that skip is by design)
DOCUMENTED_SKIPS = [
    (
        r"^swept on PostgreSQL, which refuses all that SQLite refuses and more$",
        "tests/test_fuzz.py: the field-by-field sweep of dangerous values runs on PostgreSQL",
    ),
    (
        r"^several workers share the outbox on PostgreSQL; on SQLite one is enough$",
        "tests/test_worker.py: SQLite serialises writers, so one worker is its real use",
    ),
    (
        r"^several worker processes share the schedule on PostgreSQL$",
        "tests/test_worker_stalls.py: SQLite serialises writers, so one worker is its real use "
        "(the schedule lock file is proven in-process on SQLite)",
    ),
]


def is_documented(reason: str) -> bool:
    return any(re.search(pattern, reason) for pattern, _why in DOCUMENTED_SKIPS)


def _reason(report: pytest.TestReport) -> str:
    if isinstance(report.longrepr, tuple):
        return str(report.longrepr[2]).removeprefix("Skipped: ")
    return str(report.longrepr)


class UndocumentedSkips:
    """Collects skips whose reason is not in DOCUMENTED_SKIPS; fails the session on any."""

    def __init__(self) -> None:
        self.found: list[tuple[str, str]] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.skipped and not hasattr(report, "wasxfail"):
            reason = _reason(report)
            if not is_documented(reason):
                self.found.append((report.nodeid, reason))

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.found and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if not self.found:
            return
        terminalreporter.section("skipped for a reason that is not documented", red=True)
        for nodeid, reason in self.found:
            terminalreporter.line(f"{nodeid}: {reason}")
        terminalreporter.line(
            "A part the tests need is missing, or a new deliberate skip needs a line in "
            "tests/skips.py (SYMPOSIUM_ONLY_DOCUMENTED_SKIPS=1 makes this fail the run)."
        )


def pytest_configure(config: pytest.Config) -> None:
    # Only where reports come together: the main process, not each xdist worker.
    if os.environ.get("SYMPOSIUM_ONLY_DOCUMENTED_SKIPS") == "1" and not hasattr(
        config, "workerinput"
    ):
        config.pluginmanager.register(UndocumentedSkips(), "undocumented-skips")
