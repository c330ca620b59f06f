"""Files the commands write (a report, the catalogue's pages): whole or not at all, and only where they are named.

Each file is written beside its place under a temporary name, flushed to disk, then renamed over the old one: a
full disk or a killed command leaves the old file as it was, never a truncated one. A rename replaces a link in the
output folder with the new file; it never writes through the link to wherever it points. A folder of files is
written in two passes, every temporary file first, then every rename: a failure before the renames changes nothing.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


class OutputRefused(Exception):
    """The named file or folder cannot be written: the message says why; nothing was changed."""


def _temporary_beside(path: Path, data: bytes) -> Path:
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise
    return Path(name)


def write_file(path: Path, data: bytes) -> None:
    """Write `data` to `path` whole, or leave what was there."""
    if path.is_dir():
        raise OutputRefused(f"{path}: it is a folder")
    try:
        temporary = _temporary_beside(path, data)
        os.replace(temporary, path)
    except OSError as error:
        raise OutputRefused(f"{path}: {error.strerror or type(error).__name__}; nothing was changed") from None


def write_folder(folder: Path, files: dict[str, bytes]) -> list[Path]:
    """Write every file into `folder` (made if missing), or none of them."""
    if folder.exists() and not folder.is_dir():
        raise OutputRefused(f"{folder}: it is a file, not a folder")
    for name in files:
        if Path(name).name != name or name in (".", ".."):
            raise OutputRefused(f"{name!r} is not a file name of the folder")
    temporaries: list[tuple[Path, Path]] = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            temporaries.append((_temporary_beside(folder / name, data), folder / name))
    except OSError as error:
        for temporary, _ in temporaries:
            with contextlib.suppress(OSError):
                temporary.unlink()
        raise OutputRefused(f"{folder}: {error.strerror or type(error).__name__}; nothing was changed") from None
    for temporary, path in temporaries:
        os.replace(temporary, path)
    return [path for _, path in temporaries]
