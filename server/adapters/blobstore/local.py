"""Blob store on the local filesystem: ``<root>/ab/cd/<sha256>``, files read-only once written."""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import IO

from server.adapters.blobstore import check_hash, key_for, sha256_file


class LocalBlobStore:
    def __init__(self, root: str):
        self.root = Path(root)

    def prepare(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, sha256: str) -> Path:
        return self.root / key_for(sha256)

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def size(self, sha256: str) -> int | None:
        try:
            return self.path(sha256).stat().st_size
        except FileNotFoundError:
            return None

    def put_file(self, sha256: str, path: str, content_type: str) -> bool:
        check_hash(sha256, sha256_file(path))
        if self.exists(sha256):
            return False
        target = self.path(sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        # Copy next to the target, then hard-link: link() refuses an existing name, so two writers racing on the
        # same hash cannot overwrite each other and a reader never sees a half-written file.
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out, open(path, "rb") as src:
                while block := src.read(1024 * 1024):
                    out.write(block)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(tmp, 0o444)
            try:
                os.link(tmp, target)
            except FileExistsError:
                return False
            return True
        finally:
            os.unlink(tmp)

    def put_bytes(self, sha256: str, data: bytes, content_type: str) -> bool:
        check_hash(sha256, hashlib.sha256(data).hexdigest())
        fd, tmp = tempfile.mkstemp(prefix=".blob-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            return self.put_file(sha256, tmp, content_type)
        finally:
            os.unlink(tmp)

    def open(self, sha256: str) -> IO[bytes]:
        try:
            return open(self.path(sha256), "rb")
        except FileNotFoundError:
            raise KeyError(sha256) from None
