"""Where files live: materials and photos ("materials") and made documents ("documents").

Two backends behind one small interface. `Local`: folders on this host (the default, as
before). `S3`: S3-compatible object storage (`SYMPOSIUM_STORAGE_URL=s3://bucket/prefix`),
which every host and the worker can read, through boto3. Files are written whole from a
finished local file and read as a stream; the web layer serves them itself (see README,
"Running it in production": downloads keep their headers and their access checks).
"""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol
from urllib.parse import urlsplit

from flask import current_app

AREAS = ("materials", "documents")
CHUNK = 256 * 1024


class Storage(Protocol):
    """`put` takes over `source` (a local backend moves it into place)."""

    def put(self, area: str, name: str, source: Path) -> None: ...
    def open(self, area: str, name: str) -> BinaryIO | None: ...
    def exists(self, area: str, name: str) -> bool: ...
    def delete(self, area: str, name: str) -> None: ...
    def local_path(self, area: str, name: str) -> Path | None: ...
    def healthy(self) -> bool: ...


def _check(area: str, name: str) -> None:
    if area not in AREAS or not name or name.startswith("/") or ".." in name.split("/"):
        raise ValueError(f"not a stored file: {area}/{name}")


class Local:
    """Folders on this host: MATERIALS_FOLDER and DOCUMENTS_FOLDER."""

    def __init__(self, roots: dict[str, Path]) -> None:
        self.roots = roots

    def local_path(self, area: str, name: str) -> Path:
        _check(area, name)
        return self.roots[area] / name

    def put(self, area: str, name: str, source: Path) -> None:
        target = self.local_path(area, name)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(source, target)  # the same file system: moved at once
        except OSError:
            temporary = target.with_name(f".{target.name}.part")
            shutil.copyfile(source, temporary)
            os.replace(temporary, target)
        target.chmod(0o640)

    def open(self, area: str, name: str) -> BinaryIO | None:
        try:
            return self.local_path(area, name).open("rb")
        except (FileNotFoundError, IsADirectoryError):
            return None

    def exists(self, area: str, name: str) -> bool:
        return self.local_path(area, name).is_file()

    def delete(self, area: str, name: str) -> None:
        self.local_path(area, name).unlink(missing_ok=True)

    def healthy(self) -> bool:
        for root in self.roots.values():
            try:
                root.mkdir(parents=True, exist_ok=True)
            except OSError:
                return False
            if not os.access(root, os.W_OK):
                return False
        return True


class S3:
    """S3-compatible object storage: objects `<prefix>/<area>/<name>` in one bucket."""

    def __init__(
        self, url: str, endpoint: str | None, region: str, key: str | None, secret: str | None
    ) -> None:
        import boto3
        from botocore.config import Config

        self.url = url
        parts = urlsplit(url)
        self.bucket = parts.netloc
        self.prefix = parts.path.strip("/")
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name=region,
            aws_access_key_id=key,
            aws_secret_access_key=secret,
            config=Config(
                connect_timeout=5, read_timeout=30, retries={"max_attempts": 3, "mode": "standard"}
            ),
        )

    def _key(self, area: str, name: str) -> str:
        _check(area, name)
        return "/".join(part for part in (self.prefix, area, name) if part)

    def local_path(self, area: str, name: str) -> None:
        return None

    def put(self, area: str, name: str, source: Path) -> None:
        self.client.upload_file(str(source), self.bucket, self._key(area, name))

    def open(self, area: str, name: str) -> BinaryIO | None:
        from botocore.exceptions import ClientError

        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._key(area, name))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
                return None
            raise
        return answer["Body"]

    def exists(self, area: str, name: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(area, name))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in {"NoSuchKey", "404", "NotFound"}:
                return False
            raise
        return True

    def delete(self, area: str, name: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(area, name))

    def healthy(self) -> bool:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.head_bucket(Bucket=self.bucket)
        except (BotoCoreError, ClientError):
            return False
        return True


def current() -> Storage:
    """The app's storage: S3 made once per app; local folders read from the settings."""
    config = current_app.config
    url = config.get("STORAGE_URL")
    if not url:
        instance = Path(current_app.instance_path)
        return Local(
            {
                "materials": Path(config.get("MATERIALS_FOLDER") or instance / "materials"),
                "documents": Path(config.get("DOCUMENTS_FOLDER") or instance / "documents"),
            }
        )
    if not str(url).startswith("s3://"):
        raise RuntimeError(f"SYMPOSIUM_STORAGE_URL must be empty or s3://bucket/prefix: {url}")
    found = current_app.extensions.get("symposium.storage")
    if found is None or found.url != url:
        found = S3(
            str(url),
            config.get("S3_ENDPOINT_URL"),
            config.get("S3_REGION") or "us-east-1",
            config.get("S3_ACCESS_KEY_ID"),
            config.get("S3_SECRET_ACCESS_KEY"),
        )
        current_app.extensions["symposium.storage"] = found
    return found


def chunks(stream: BinaryIO) -> Iterator[bytes]:
    """A stored file as a response body, a chunk at a time, closed at the end."""
    try:
        while chunk := stream.read(CHUNK):
            yield chunk
    finally:
        stream.close()
