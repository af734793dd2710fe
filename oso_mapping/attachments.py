"""OSO attachments: a document's ``bestandsinhoud`` is a Base64-encoded ZIP of the file.

Unpacking trusts nothing in the archive: sizes are counted while reading (the ZIP's directory
is checked too, but it can lie), and an archive that would unpack beyond the limits is refused
as a whole. The limits here are the ones for every ZIP POPO opens.
"""

from __future__ import annotations

import base64
import binascii
import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from .dossier import N_, DossierError

# The limits on every ZIP archive POPO opens: an OSO attachment here, and an uploaded file whose
# type runtime/forms/files.py reads from its content (a DOCX or ODT is a ZIP).
MAX_FILE_BYTES = 25 * 1024 * 1024
MAX_TOTAL_BYTES = 100 * 1024 * 1024
MAX_FILES = 50
MAX_RATIO = 200  # unpacked size / packed size: more is a ZIP bomb, not a document


def declared_within_limits(archive: zipfile.ZipFile, packed: int) -> bool:
    """Whether the sizes the archive's directory declares stay within the limits (per file, in
    all, and as a ratio to the packed size). A directory can lie, so whoever unpacks counts
    too (:func:`unpack`, :func:`read_bounded`); this refuses an honest bomb without reading it."""
    sizes = [m.file_size for m in archive.infolist() if not m.is_dir()]
    total = sum(sizes)
    return (
        all(size <= MAX_FILE_BYTES for size in sizes)
        and total <= MAX_TOTAL_BYTES
        and total <= max(packed, 1024) * MAX_RATIO
    )


def read_bounded(archive: zipfile.ZipFile, member: zipfile.ZipInfo, limit: int) -> bytes:
    """At most ``limit`` bytes of a member, decompressing no more than that (whatever its
    directory entry declares)."""
    with archive.open(member) as stream:
        return stream.read(limit)


class AttachmentRefused(DossierError):
    """An attachment is hostile (a ZIP bomb): the whole dossier is refused."""


class Unreadable(ValueError):
    """An attachment cannot be read: it is reported, and the rest of the dossier is imported."""

    def __init__(self, message: str, **params: object) -> None:
        self.message = message
        self.params = params
        super().__init__(message.format(**params))


@dataclass(frozen=True)
class File:
    name: str
    data: bytes


def unpack(encoded: str, document_name: str) -> list[File]:
    """The files in one document. ValueError when it is unreadable (reported, not imported);
    AttachmentRefused when it is hostile."""
    try:
        packed = base64.b64decode("".join(encoded.split()), validate=True)
    except (binascii.Error, ValueError):
        raise Unreadable(
            N_("the attachment '{name}' is not valid Base64"), name=document_name
        ) from None
    try:
        archive = zipfile.ZipFile(io.BytesIO(packed))
    except zipfile.BadZipFile:
        raise Unreadable(
            N_("the attachment '{name}' is not a readable ZIP file"), name=document_name
        ) from None
    members = [m for m in archive.infolist() if not m.is_dir()]
    if not declared_within_limits(archive, len(packed)):
        raise AttachmentRefused(
            N_(
                "the attachment '{name}' unpacks to more than {limit} MB: "
                "refused as a possible ZIP bomb"
            ),
            name=document_name,
            limit=MAX_FILE_BYTES // (1024 * 1024),
        )
    if len(members) > MAX_FILES:
        raise AttachmentRefused(
            N_("the attachment '{name}' holds {count} files; at most {limit}"),
            name=document_name,
            count=len(members),
            limit=MAX_FILES,
        )
    files: list[File] = []
    total = 0
    for member in members:
        data = bytearray()
        try:
            with archive.open(member) as stream:
                while chunk := stream.read(64 * 1024):
                    data.extend(chunk)
                    total += len(chunk)
                    if len(data) > MAX_FILE_BYTES or total > MAX_TOTAL_BYTES:
                        raise AttachmentRefused(
                            N_(
                                "the attachment '{name}' unpacks to more than {limit} MB: "
                                "refused as a possible ZIP bomb"
                            ),
                            name=document_name,
                            limit=MAX_FILE_BYTES // (1024 * 1024),
                        )
                    if total > max(len(packed), 1024) * MAX_RATIO:
                        raise AttachmentRefused(
                            N_(
                                "the attachment '{name}' unpacks to more than {limit} times its "
                                "packed size: refused as a possible ZIP bomb"
                            ),
                            name=document_name,
                            limit=MAX_RATIO,
                        )
        # a damaged archive; NotImplementedError: a compression method Python cannot unpack;
        # RuntimeError: an encrypted member
        except (zipfile.BadZipFile, EOFError, NotImplementedError, RuntimeError, OSError) as exc:
            raise Unreadable(
                N_("the attachment '{name}' is a damaged ZIP file ({problem})"),
                name=document_name,
                problem=str(exc),
            ) from None
        name = PurePosixPath(member.filename.replace("\\", "/")).name or document_name
        files.append(File(name, bytes(data)))
    if not files:
        raise Unreadable(N_("the attachment '{name}' is an empty ZIP file"), name=document_name)
    return files


def pack(file: File) -> str:
    """One file as OSO carries it: a ZIP holding the file, Base64-encoded."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo(file.name, date_time=(2019, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, file.data)
    return base64.b64encode(buffer.getvalue()).decode("ascii")
