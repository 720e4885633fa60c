"""`make run` as a developer meets it: ports from the environment, a worker that waits for
the mail catcher, and Ctrl-C that ends everything without a make error."""

import os
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import free_port

ROOT = Path(__file__).parent.parent


def answers(url: str) -> bytes | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.read()
    except OSError:
        return None


def test_waiting_for_the_mail_catcher_ends_when_it_listens():
    port = free_port()
    waiting = subprocess.Popen(
        [sys.executable, "scripts/wait_for_port.py", "127.0.0.1", str(port), "--timeout", "20"],
        cwd=ROOT,
        stderr=subprocess.PIPE,
    )
    time.sleep(0.5)
    assert waiting.poll() is None  # nothing listens yet: it keeps waiting, quietly
    with socket.socket() as catcher:
        catcher.bind(("127.0.0.1", port))
        catcher.listen()
        _, complaint = waiting.communicate(timeout=10)
    assert waiting.returncode == 0 and complaint == b""

    gave_up = subprocess.run(
        [sys.executable, "scripts/wait_for_port.py", "127.0.0.1", str(port), "--timeout", "0.3"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert gave_up.returncode == 1 and f"127.0.0.1:{port}" in gave_up.stderr


@pytest.mark.slow
def test_make_run_takes_its_ports_from_the_environment_and_stops_quietly_on_ctrl_c(tmp_path):
    web, mail = free_port(), free_port()
    env = {
        **os.environ,
        "PORT": str(web),
        "MAIL_PORT": str(mail),
        "SYMPOSIUM_DATABASE_URL": f"sqlite:///{tmp_path / 'run.sqlite'}",
        "SYMPOSIUM_MAIL_CATCHER_DIR": str(tmp_path / "mail"),
    }
    env.pop("SYMPOSIUM_BASE_URL", None)
    flask = [str(ROOT / ".venv/bin/flask"), "--app", "symposium"]
    for command in (["db", "upgrade"], ["demo"]):
        subprocess.run(flask + command, cwd=ROOT, env=env, check=True, capture_output=True)
    log = tmp_path / "run.log"
    with log.open("wb") as output:
        running = subprocess.Popen(
            ["make", "--no-print-directory", "serve"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, as a terminal's Ctrl-C reaches
        )
        try:
            calendar = None
            for _ in range(150):
                calendar = answers(f"http://127.0.0.1:{web}/2027/program.ics")
                if calendar and b"worker.1 started" in log.read_bytes():
                    break
                time.sleep(0.2)
            time.sleep(1)  # the worker's first round of delivery
        finally:
            os.killpg(running.pid, signal.SIGINT)  # Ctrl-C
            running.wait(timeout=30)
    said = log.read_text()

    assert calendar is not None, said
    assert f"http://127.0.0.1:{web}/".encode() in calendar  # SYMPOSIUM_BASE_URL followed PORT
    assert "refused" not in said.lower(), said
    assert "make: ***" not in said, said
    assert "SIGINT received" in said


def test_make_run_installs_only_what_running_needs_and_make_test_the_rest():
    def planned(target: str) -> str:
        return subprocess.run(
            ["make", "--dry-run", "-W", "pyproject.toml", target],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]

    assert "-e '.[run]'" in planned("run") and ".[dev]" not in planned("run")
    assert "-e '.[dev]'" in planned("test")
    assert not [tool for tool in extras["run"] if tool.split(">")[0] in {"pytest", "playwright"}]
