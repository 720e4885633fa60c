"""Real servers for the tests of running it for real: gunicorn, Redis, nginx."""

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("SYMPOSIUM_TEST_REDIS_URL")


def redis_url() -> str:
    """The Redis server the tests share, or a skip with a reason."""
    if not REDIS_URL:
        pytest.skip("SYMPOSIUM_TEST_REDIS_URL is not set: no Redis to test against")
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except redis.RedisError as error:
        pytest.fail(f"SYMPOSIUM_TEST_REDIS_URL is set but Redis does not answer: {error}")
    return REDIS_URL


@dataclass
class Answer:
    status: int | None  # None: no answer (refused, reset, timed out)
    body: bytes = b""
    headers: dict = field(default_factory=dict)


def call(base: str, method: str, path: str, body=None, headers=None, timeout=30.0) -> Answer:
    """One request on a connection of its own."""
    connection = http.client.HTTPConnection(urlsplit(base).netloc, timeout=timeout)
    try:
        connection.request(method, path, body, headers or {})
        response = connection.getresponse()
        data = response.read()
    except (OSError, http.client.HTTPException):
        return Answer(None)
    finally:
        connection.close()
    return Answer(response.status, data, {k.lower(): v for k, v in response.getheaders()})


def app_env(database_url: str, **settings: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYMPOSIUM_")}
    return env | {
        "SYMPOSIUM_DATABASE_URL": database_url,
        "SYMPOSIUM_SECRET_KEY": "test-secret-key",
        "SYMPOSIUM_RATELIMIT_KEY_PREFIX": uuid.uuid4().hex,
        **{f"SYMPOSIUM_{name}": value for name, value in settings.items()},
    }


@contextmanager
def gunicorn(env: dict, log: Path, workers: int = 2, instance: Path | None = None):
    """gunicorn on a socket bound here to port 0 (free and known at once); yields its base
    URL once it answers."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=256)
    command = [sys.executable, "-m", "gunicorn", "--bind", f"fd://{listener.fileno()}"]
    command += ["--workers", str(workers), "--chdir", str(ROOT), "--preload"]
    command += ["--no-control-socket"] if _gunicorn_has_control_socket() else []
    env = dict(env) | {"WEB_CONCURRENCY": str(workers)}
    if instance is not None:
        env["SYMPOSIUM_INSTANCE_PATH"] = str(instance)
    with listener, log.open("w") as output:
        process = subprocess.Popen(
            [*command, "wsgi:app"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            pass_fds=[listener.fileno()],
        )
        port = listener.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while call(base, "GET", "/healthz", timeout=5).status is None:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield base
    finally:
        stop(process, signal.SIGINT)


def _gunicorn_has_control_socket() -> bool:
    import gunicorn

    return gunicorn.version_info >= (25, 1)


def stop(process: subprocess.Popen, signum: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        process.send_signal(signum)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def copy_database(template: Path, folder: Path) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "symposium.sqlite"
    shutil.copy(template, path)
    return f"sqlite:///{path}"


NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


@contextmanager
def nginx(upstream: str, folder: Path):
    """Debian's nginx with deploy/nginx-symposium.conf in front of `upstream`, as a process
    of its own (prefix, configuration, logs and buffers in `folder`); yields its base URL."""
    if NGINX is None:
        if os.environ.get("SYMPOSIUM_REQUIRE_NGINX") == "1":
            pytest.fail("nginx is not installed and SYMPOSIUM_REQUIRE_NGINX=1")
        pytest.skip("nginx is not installed: apt-get install nginx")
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("client_body", "proxy", "logs"):
        (folder / name).mkdir(exist_ok=True)
        (folder / name).chmod(0o777)  # nginx's workers drop to nobody when started as root
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    site = (ROOT / "deploy" / "nginx-symposium.conf").read_text()
    site = site.replace("server 127.0.0.1:8000;", f"server {urlsplit(upstream).netloc};")
    site = site.replace("listen 80;", f"listen 127.0.0.1:{port};")
    site = site.replace("/srv/symposium/static/", f"{ROOT}/static/")
    (folder / "site.conf").write_text(site)
    user = "user nobody nogroup;" if os.geteuid() == 0 else ""
    (folder / "nginx.conf").write_text(
        f"""{user}
daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/logs/error.log info;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    access_log {folder}/logs/access.log;
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/proxy;
    uwsgi_temp_path {folder}/proxy;
    scgi_temp_path {folder}/proxy;
    include {folder}/site.conf;
}}
"""
    )
    with (folder / "logs" / "stderr.log").open("w") as errors:
        process = subprocess.Popen(
            [NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-e", "stderr"],
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while call(base, "GET", "/healthz", timeout=5).status is None:
            if process.poll() is not None or time.monotonic() > deadline:
                log = (folder / "logs" / "stderr.log").read_text()
                raise RuntimeError(f"nginx did not start:\n{log}")
            time.sleep(0.1)
        yield base
    finally:
        stop(process, signal.SIGQUIT)


class SlowClient:
    """A client that sends one header line every few seconds and never finishes."""

    def __init__(self, base: str, every: float) -> None:
        self.socket = socket.create_connection(urlsplit(base).netloc.split(":"), timeout=30)
        self.socket.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        self.every = every
        self.stopped = False

    def trickle(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        number = 0
        while not self.stopped and time.monotonic() < deadline:
            time.sleep(self.every)
            number += 1
            try:
                self.socket.sendall(f"X-Slow-{number}: yes\r\n".encode())
            except OSError:
                return  # the server closed it: what a front proxy does to the slow

    def close(self) -> None:
        self.stopped = True
        self.socket.close()


@dataclass
class ObjectStore:
    """A local S3-compatible server (moto in server mode) and a bucket of this test's own."""

    endpoint: str
    bucket: str

    def settings(self, prefix: str = "symposium") -> dict[str, str]:
        return {
            "STORAGE_URL": f"s3://{self.bucket}/{prefix}",
            "S3_ENDPOINT_URL": self.endpoint,
            "S3_ACCESS_KEY_ID": "test",
            "S3_SECRET_ACCESS_KEY": "test",  # nosec B105: moto accepts any key
        }

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",  # nosec B106: moto accepts any key
        )

    def stored(self) -> list[str]:
        answer = self.client().list_objects_v2(Bucket=self.bucket)
        return sorted(item["Key"] for item in answer.get("Contents", []))


@contextmanager
def object_store_server(log: Path):
    """moto's S3 server on a free loopback port, for as long as the block runs."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while call(endpoint, "GET", "/", timeout=2).status is None:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"moto did not start:\n{log.read_text()[-2000:]}")
            time.sleep(0.2)
        yield endpoint
    finally:
        stop(process)


def new_bucket(endpoint: str) -> ObjectStore:
    store = ObjectStore(endpoint, f"symposium-{uuid.uuid4().hex[:12]}")
    store.client().create_bucket(Bucket=store.bucket)
    return store
