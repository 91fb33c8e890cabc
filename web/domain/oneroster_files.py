"""The files of a OneRoster bundle, from a folder or a zip, read within limits.

Only the five files Rollcall imports are read (and `manifest.csv`, to refuse a delta bundle:
each bundle is the school's whole roster). A zip is read in memory, never extracted: a member
whose name is absolute or climbs out ('..') refuses the whole zip, encrypted members are
refused, and every file is decompressed only up to its limit, whatever its header claims, so
a small zip cannot unpack into gigabytes. The files may sit at the top of the zip or in one
folder (a zipped export folder).
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path, PurePosixPath

from web.domain.oneroster_bundle import BUNDLE_FILES, BundleInvalid, BundleProblem

MANIFEST = "manifest.csv"
MAX_FILE_BYTES = 32 * 1024 * 1024  # a district's users.csv of ~150,000 rows
MAX_BUNDLE_BYTES = 64 * 1024 * 1024  # the five files together, unpacked
MAX_ZIP_MEMBERS = 1000
_READ_CHUNK = 1024 * 1024
_WANTED = frozenset((*BUNDLE_FILES, MANIFEST))


def _refused(problem: str, file: str | None = None) -> BundleInvalid:
    return BundleInvalid([BundleProblem(file, None, problem)])


def files_from_folder(folder: Path) -> dict[str, bytes]:
    """The bundle files in `folder` (names as the standard spells them)."""
    if not folder.is_dir():
        raise _refused(f"{folder} is not a folder")
    files: dict[str, bytes] = {}
    for name in sorted(_WANTED):
        path = folder / name
        if not path.is_file():
            continue
        if path.stat().st_size > MAX_FILE_BYTES:
            raise _refused(f"the file is over {MAX_FILE_BYTES:,} bytes", name)
        files[name] = path.read_bytes()
    _check_total(files)
    return _without_manifest(files)


def files_from_zip(data: bytes) -> dict[str, bytes]:
    """The bundle files in a zip archive's bytes."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise _refused("the upload is not a readable zip archive") from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise _refused(f"the zip holds over {MAX_ZIP_MEMBERS:,} entries")
        wanted = _wanted_members(members)
        files = {name: _read_member(archive, info, name) for name, info in wanted.items()}
    _check_total(files)
    return _without_manifest(files)


def _wanted_members(members: list[zipfile.ZipInfo]) -> dict[str, zipfile.ZipInfo]:
    found: dict[str, dict[str, zipfile.ZipInfo]] = {}  # folder -> name -> member
    for info in members:
        path = PurePosixPath(info.filename)
        if info.filename.startswith("/") or "\\" in info.filename or ".." in path.parts:
            raise _refused(f"the zip holds a path that leads outside it: {info.filename!r}")
        if info.is_dir() or path.name not in _WANTED or len(path.parts) > 2:
            continue
        found.setdefault(str(path.parent), {})[path.name] = info
    if len(found) > 1:
        folders = ", ".join(sorted(folder if folder != "." else "(top)" for folder in found))
        raise _refused(f"the zip holds bundle files in more than one folder: {folders}")
    return next(iter(found.values()), {})


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> bytes:
    if info.flag_bits & 0x1:
        raise _refused("the file is encrypted", name)
    if info.file_size > MAX_FILE_BYTES:
        raise _refused(f"the file is over {MAX_FILE_BYTES:,} bytes", name)
    kept = bytearray()
    try:
        with archive.open(info) as member:
            # the header's size may lie: stop as soon as the real bytes pass the limit
            while chunk := member.read(_READ_CHUNK):
                kept += chunk
                if len(kept) > MAX_FILE_BYTES:
                    raise _refused(f"the file is over {MAX_FILE_BYTES:,} bytes", name)
    except (zipfile.BadZipFile, NotImplementedError, EOFError, ValueError, OSError) as error:
        raise _refused(f"the file cannot be unpacked: {error}", name) from None
    return bytes(kept)


def _check_total(files: dict[str, bytes]) -> None:
    if sum(len(data) for data in files.values()) > MAX_BUNDLE_BYTES:
        raise _refused(f"the bundle's files are over {MAX_BUNDLE_BYTES:,} bytes together")


def _without_manifest(files: dict[str, bytes]) -> dict[str, bytes]:
    """The five files; a manifest saying a file is sent as a delta refuses the bundle."""
    manifest = files.pop(MANIFEST, None)
    if manifest is None:
        return files
    text = manifest.decode("utf-8-sig", errors="replace")
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        raise _refused("the manifest is not valid CSV", MANIFEST) from None
    deltas = sorted(
        row[0].strip().removeprefix("file.")
        for row in rows
        if len(row) >= 2 and row[0].strip().startswith("file.") and row[1].strip() == "delta"
    )
    if deltas:
        raise _refused(
            f"the manifest sends {', '.join(deltas)} as a delta; Rollcall imports whole"
            " (bulk) bundles only: a file left out would read as everyone removed",
            MANIFEST,
        )
    return files
