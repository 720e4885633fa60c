"""The file store for materials and photos: what a file is, a clean name for it, and where
it is kept.

A file's type is read from its first bytes, never from its name or what the browser says:
PDF, PNG and JPEG by their signatures, and the ZIP-based office formats by the entry that
says what the package holds (`mimetype` for OpenDocument, `[Content_Types].xml` for Office
Open XML). Files are kept outside static/, named by their SHA-256, so the same content is
stored once and no uploaded name ever reaches the file system.
"""

import hashlib
import os
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from symposium import storage

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODP = "application/vnd.oasis.opendocument.presentation"

EXTENSIONS = {
    PDF: ".pdf",
    PNG: ".png",
    JPEG: ".jpg",
    DOCX: ".docx",
    XLSX: ".xlsx",
    PPTX: ".pptx",
    ODT: ".odt",
    ODP: ".odp",
}
#: what people call each type
LABELS = {
    PDF: "PDF",
    PNG: "PNG",
    JPEG: "JPEG",
    DOCX: "Word (DOCX)",
    XLSX: "Excel (XLSX)",
    PPTX: "PowerPoint (PPTX)",
    ODT: "OpenDocument (ODT)",
    ODP: "OpenDocument (ODP)",
}
MATERIAL_TYPES = frozenset(EXTENSIONS)
PHOTO_TYPES = frozenset({PNG, JPEG})

_OOXML_MAIN_PARTS = {
    b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
    b"application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": PPTX,
}
_ODF_MIMETYPES = {ODT.encode(): ODT, ODP.encode(): ODP}
#: a real office file has a few hundred entries at most; more is not worth looking into
_MAX_ZIP_ENTRIES = 10_000
_MAX_CONTENT_TYPES_BYTES = 1_000_000
_CHUNK = 1024 * 1024
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def sniff(file: BinaryIO) -> str | None:
    """The content type of a seekable file, judged by its content; None when not accepted."""
    file.seek(0)
    head = file.read(8)
    if head.startswith(b"%PDF-"):
        return PDF
    if head == b"\x89PNG\r\n\x1a\n":
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        return _sniff_package(file)
    return None


def _sniff_package(file: BinaryIO) -> str | None:
    """DOCX, XLSX, PPTX, ODT or ODP, from the entry that says what the package holds.

    Reading stops at the sizes the archive declares, so a crafted archive cannot make this
    unpack more than a megabyte."""
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            entries = archive.infolist()
            if len(entries) > _MAX_ZIP_ENTRIES:
                return None
            by_name = {entry.filename: entry for entry in entries}
            mimetype = by_name.get("mimetype")
            if mimetype is not None:
                if mimetype.file_size > 200:
                    return None
                return _ODF_MIMETYPES.get(archive.read(mimetype).strip())
            content_types = by_name.get("[Content_Types].xml")
            if content_types is None or content_types.file_size > _MAX_CONTENT_TYPES_BYTES:
                return None
            declared = archive.read(content_types)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError):
        return None  # damaged, encrypted, or packed in a way office programs do not use
    except (OSError, EOFError, ValueError):
        return None
    found = {kind for marker, kind in _OOXML_MAIN_PARTS.items() if marker in declared}
    # Macro-enabled and template variants declare other main parts, and are refused.
    return found.pop() if len(found) == 1 else None


def clean_name(name: str, content_type: str, fallback: str) -> str:
    """A download name made harmless: no folders, control or direction characters, at most
    100 characters before an extension that matches the content."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = unicodedata.normalize("NFC", name)
    # Category C: control characters (NUL among them), format characters such as the
    # right-to-left override, and unassigned code points.
    name = "".join(char for char in name if not unicodedata.category(char).startswith("C"))
    name = "".join(char if char.isalnum() or char in " -_.,()+" else "_" for char in name)
    name = re.sub(r"\s+", " ", name).strip()
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = stem.strip(" ._-")[:100].strip(" ._-") or fallback
    return stem + EXTENSIONS[content_type]


class FileRefused(Exception):
    """Why an upload cannot be kept; `reason` is "empty", "too_large" or "type"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Stored:
    sha256: str
    size: int
    content_type: str


def name_of(sha256: str) -> str:
    """Where a file is kept in the "materials" area of the storage: by its hash."""
    if not _SHA256.match(sha256 or ""):
        raise ValueError("not a sha256")
    return f"{sha256[:2]}/{sha256}"


def open_stored(sha256: str) -> BinaryIO | None:
    """The stored file to read, or None when it is gone."""
    return storage.current().open("materials", name_of(sha256))


def store(stream: BinaryIO, allowed: Iterable[str], limit: int) -> Stored:
    """Keep an upload by its hash, once it proved to be an allowed type within the limit.

    A refused file leaves nothing behind: it is written to a temporary file first, which is
    removed unless it is handed to the storage (moved into place on a local folder)."""
    backend = storage.current()
    local = backend.local_path("materials", "_")
    if local is not None:
        local.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        dir=local.parent if local is not None else None, prefix=".upload-"
    )
    try:
        digest = hashlib.sha256()
        size = 0
        with os.fdopen(handle, "w+b") as out:
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise FileRefused("too_large")
                digest.update(chunk)
                out.write(chunk)
            if size == 0:
                raise FileRefused("empty")
            out.flush()
            content_type = sniff(out)
        if content_type not in set(allowed):
            raise FileRefused("type")
        sha256 = digest.hexdigest()
        if not backend.exists("materials", name_of(sha256)):
            backend.put("materials", name_of(sha256), Path(temporary))
        return Stored(sha256=sha256, size=size, content_type=content_type)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def remove(sha256: str) -> None:
    """Delete a stored file; the caller has checked that nothing refers to it any more."""
    storage.current().delete("materials", name_of(sha256))
