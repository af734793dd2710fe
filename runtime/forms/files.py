"""Uploaded files: the type is read from the content (magic numbers), never from the name."""

from __future__ import annotations

import io
import unicodedata
import zipfile
from pathlib import Path
from urllib.parse import quote

from oso_mapping.attachments import declared_within_limits, read_bounded

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
ZIP = "application/zip"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
TEXT = "text/plain"
UNKNOWN = "application/octet-stream"


def sniff(data: bytes) -> str:
    """The media type of ``data`` by its content."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"PK\x03\x04"):
        return _sniff_zip(data)
    if b"\x00" not in data[:4096]:
        try:
            data[:4096].decode("utf-8")
            return TEXT
        except UnicodeDecodeError:
            pass
    return UNKNOWN


def _sniff_zip(data: bytes) -> str:
    """A ZIP's type from its directory (the names of its members), never by unpacking it:
    an ODT's ``mimetype`` member is read only as far as its expected content, and an archive
    whose declared sizes pass the limits of every ZIP POPO opens (a ZIP bomb) is of no
    accepted type."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if not declared_within_limits(archive, len(data)):
                return UNKNOWN
            members = {m.filename: m for m in archive.infolist()}
            mimetype = members.get("mimetype")
            if mimetype is not None:
                head = read_bounded(archive, mimetype, len(ODT) + 64)
                if head.strip() == ODT.encode():
                    return ODT
            if "word/document.xml" in members:
                return DOCX
    except (zipfile.BadZipFile, KeyError, RuntimeError, ValueError, EOFError, OSError):
        return UNKNOWN
    except NotImplementedError:  # a compression method Python cannot read
        return UNKNOWN
    return ZIP


def size_text(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} kB"
    return f"{size / 1024 / 1024:.1f} MB"


def content_disposition(filename: str) -> str:
    """``Content-Disposition`` for a download under its own name (RFC 6266): ``filename=`` an
    ASCII stand-in any client can read, ``filename*=`` the real name in UTF-8."""
    ascii_name = "".join(_ascii(ch) for ch in filename).strip()
    path = Path(ascii_name)
    if not path.stem.strip("._ "):  # nothing readable left (a Chinese name, say)
        ascii_name = "bestand" + path.suffix
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _ascii(ch: str) -> str:
    """The character as plain ASCII (é → e); "_" for what has no such form or is unsafe."""
    folded = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode("ascii")
    return folded if folded and all(c.isalnum() or c in " .-_()" for c in folded) else "_"
