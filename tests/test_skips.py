"""A test that skips for a reason nobody wrote down fails CI instead of hiding."""

from pathlib import Path

import pytest

from tests.skips import DOCUMENTED_SKIPS

PROJECT = Path(__file__).resolve().parents[1]

SUITE = """
import pytest

def test_runs():
    pass

def test_skips_by_design():
    pytest.skip("swept on PostgreSQL, which refuses all that SQLite refuses and more")

def test_misses_a_part():
    pytest.skip("the frab schedule schemas are not at /nowhere: nothing to validate against")
"""


@pytest.fixture
def suite(pytester, monkeypatch):
    pytester.makepyfile(test_suite=SUITE)
    monkeypatch.setenv("SYMPOSIUM_ONLY_DOCUMENTED_SKIPS", "1")
    monkeypatch.setenv("PYTHONPATH", str(PROJECT))  # where `tests.skips` is found
    # Without schemathesis and the rest, each run starts in a fraction of the time.
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    return pytester


def test_an_undocumented_skip_fails_the_run_and_is_named(suite):
    result = suite.runpytest_subprocess("-p", "tests.skips")

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*skipped for a reason that is not documented*",
            "test_suite.py::test_misses_a_part: the frab schedule schemas are not at /nowhere*",
        ]
    )
    assert "test_skips_by_design:" not in result.stdout.str()


def test_documented_skips_pass(suite):
    suite.makepyfile(test_suite=SUITE.split("def test_misses_a_part")[0])

    assert suite.runpytest_subprocess("-p", "tests.skips").ret == pytest.ExitCode.OK


def test_in_parallel_the_guard_still_sees_every_skip(suite):
    result = suite.runpytest_subprocess("-p", "tests.skips", "-p", "xdist", "-n", "2")

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*test_misses_a_part: the frab schedule schemas*"])


def test_without_the_setting_a_skip_is_only_reported(suite, monkeypatch):
    monkeypatch.delenv("SYMPOSIUM_ONLY_DOCUMENTED_SKIPS")

    assert suite.runpytest_subprocess("-p", "tests.skips").ret == pytest.ExitCode.OK


def test_every_documented_skip_says_why():
    for pattern, why in DOCUMENTED_SKIPS:
        assert pattern.startswith("^") and pattern.endswith("$") and why.startswith("tests/")
