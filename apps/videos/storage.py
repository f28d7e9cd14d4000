"""Where video bytes live: the ``videos`` storage (STORAGES["videos"] in settings).

Every name is relative to that storage, so the same code works on the local filesystem (default,
under MEDIA_ROOT, which nothing serves) and on an S3-compatible bucket. A chunk of an upload is an
object of its own (``video-uploads/<id>/<offset>.part``): a bucket cannot append, and a chunk that
arrives at another web process needs no shared disk.
"""

import contextlib
import hashlib
import os
import tempfile
import uuid
from collections.abc import Iterator

from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage, storages

BLOCK = 64 * 1024


def video_storage() -> Storage:
    return storages["videos"]


def chunk_name(upload_id: uuid.UUID, start: int) -> str:
    return f"video-uploads/{upload_id}/{start:012d}.part"


def video_name(patient_id: int, uid: uuid.UUID, leaf: str) -> str:
    return f"videos/{patient_id}/{uid}/{leaf}"


def put(name: str, data: bytes | File) -> str:
    """Store ``data`` under exactly ``name`` (a retried chunk replaces the first attempt)."""
    storage = video_storage()
    if storage.exists(name):
        storage.delete(name)
    content = data if isinstance(data, File) else ContentFile(data)
    saved = storage.save(name, content)
    if saved != name:  # a storage that renames would lose the chunk's offset: never silently
        raise OSError(f"The video storage renamed {name} to {saved}")
    return saved


def delete_quietly(names: list[str]) -> list[str]:
    """Delete what exists; return the names that were there."""
    storage = video_storage()
    gone = []
    for name in names:
        if name and storage.exists(name):
            storage.delete(name)
            gone.append(name)
    return gone


def chunk_names(upload_id: uuid.UUID) -> list[str]:
    storage = video_storage()
    folder = f"video-uploads/{upload_id}"
    try:
        _, files = storage.listdir(folder)
    except FileNotFoundError:
        return []
    return sorted(f"{folder}/{leaf}" for leaf in files if leaf.endswith(".part"))


def delete_chunks(upload_id: uuid.UUID) -> None:
    delete_quietly(chunk_names(upload_id))
    storage = video_storage()
    folder = f"video-uploads/{upload_id}"
    # The local filesystem keeps an empty folder behind; a bucket has none.
    path = getattr(storage, "path", None)
    if path is not None:
        with contextlib.suppress(OSError):
            os.rmdir(path(folder))


def assemble(upload_id: uuid.UUID, names: list[str]) -> tuple[tempfile.SpooledTemporaryFile, str, int]:
    """The chunks joined in order, in a temporary file, with the SHA-256 and size of the whole."""
    storage = video_storage()
    joined = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 (the caller closes it)
    digest = hashlib.sha256()
    size = 0
    for name in names:
        with storage.open(name, "rb") as part:
            while block := part.read(BLOCK):
                digest.update(block)
                joined.write(block)
                size += len(block)
    joined.seek(0)
    return joined, digest.hexdigest(), size


def read_head(name: str, n: int) -> bytes:
    with video_storage().open(name, "rb") as f:
        return f.read(n)


def iter_range(name: str, start: int, length: int) -> Iterator[bytes]:
    """The bytes ``start`` .. ``start + length - 1`` of a stored file, in blocks."""
    with video_storage().open(name, "rb") as f:
        f.seek(start)
        left = length
        while left > 0:
            block = f.read(min(BLOCK, left))
            if not block:
                return
            left -= len(block)
            yield block


def download_to(name: str, path: str) -> None:
    with video_storage().open(name, "rb") as src, open(path, "wb") as dst:
        while block := src.read(BLOCK):
            dst.write(block)


def upload_from(path: str, name: str) -> str:
    with open(path, "rb") as f:
        return put(name, File(f, name=os.path.basename(name)))
