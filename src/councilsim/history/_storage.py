"""Storage and integrity of the bundled record: the one place its files are read.

Every file in ``councilsim/data/unsc`` is checked against ``MANIFEST.toml`` (SHA-256 of the bytes
as shipped and number of data rows) before its rows are handed on; :mod:`councilsim.history.record`
turns the verified rows into votes.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import tomllib
import zlib
from collections.abc import Iterable, Mapping
from importlib import resources
from typing import Any

from councilsim.errors import DataIntegrityError

__all__ = [
    "RECORD_FILES",
    "RecordIntegrityError",
    "column_positions",
    "manifest_text",
    "read_verified_tables",
    "verify_record",
]

#: The bundled files, in the order they are verified.
RECORD_FILES = (
    "drafts",
    "votes",
    "vetoes",
    "members_by_year",
    "rule_check_exceptions",
    "sponsors_researched",
)

_PACKAGE = "councilsim"
_DATA_DIR = "data/unsc"
_MANIFEST = "MANIFEST.toml"


class RecordIntegrityError(DataIntegrityError, ValueError):
    """A bundled record file does not match ``MANIFEST.toml`` (damaged or edited data).

    Also a ``ValueError``, as it was before the error hierarchy, so that existing handlers work.

    Parameters
    ----------
    file : str
        File name inside ``councilsim/data/unsc``.
    problem : str
        What differs, e.g. ``"sha256 and row count"``.
    expected, found : str
        What the manifest records and what the file holds.

    Attributes
    ----------
    file, problem, expected, found : str
        As given.
    """

    def __init__(self, file: str, problem: str, expected: str, found: str) -> None:
        self.file, self.problem, self.expected, self.found = file, problem, expected, found
        super().__init__(
            f"bundled record file {file!r} failed its integrity check ({problem}): "
            f"expected {expected}, found {found}. The package data is damaged or was edited "
            f"without updating {_MANIFEST}: reinstall councilsim, or, after a reviewed change of "
            f"the data, regenerate {_MANIFEST} (see the comment at its top)."
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # The default reduction would call __init__ with the formatted message only.
        return (type(self), (self.file, self.problem, self.expected, self.found))


def _read_bytes(filename: str) -> bytes:
    """Raw bytes of a file in ``councilsim/data/unsc`` (the one place the package data is read)."""
    return resources.files(_PACKAGE).joinpath(f"{_DATA_DIR}/{filename}").read_bytes()


def _manifest() -> dict[str, dict[str, Any]]:
    try:
        raw = _read_bytes(_MANIFEST)
    except FileNotFoundError:
        raise RecordIntegrityError(
            _MANIFEST, "missing", f"{_DATA_DIR}/{_MANIFEST} inside the package", "no such file"
        ) from None
    try:
        files = tomllib.loads(raw.decode("utf-8"))["files"]
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, KeyError) as err:
        raise RecordIntegrityError(
            _MANIFEST, "unreadable", "a TOML table [files.<name>] per file", repr(err)
        ) from None
    missing = [name for name in RECORD_FILES if name not in files]
    if missing:
        raise RecordIntegrityError(
            _MANIFEST,
            "incomplete",
            f"entries for {', '.join(RECORD_FILES)}",
            f"no entry for {', '.join(missing)}",
        )
    return files


def _parse_csv(raw: bytes) -> tuple[list[str], list[list[str]]]:
    text = gzip.decompress(raw).decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows:
        return [], []
    return rows[0], rows[1:]


def _read_verified(name: str, entry: Mapping[str, Any]) -> tuple[list[str], list[list[str]]]:
    filename = entry.get("file", f"{name}.csv.gz")
    try:
        raw = _read_bytes(filename)
    except FileNotFoundError:
        raise RecordIntegrityError(filename, "missing", "a file", "no such file") from None
    digest = hashlib.sha256(raw).hexdigest()
    try:
        header, rows = _parse_csv(raw)
        found_rows = f"{len(rows)} rows"
    except (OSError, EOFError, zlib.error, UnicodeDecodeError, csv.Error) as err:
        header, rows, found_rows = [], [], f"content unreadable ({err})"
    expected_rows = f"{entry.get('rows')} rows"
    bad_digest, bad_rows = digest != entry.get("sha256"), found_rows != expected_rows
    if bad_digest or bad_rows:
        # Report both checks at once: the row count says how the file was changed.
        problems = [p for p, bad in (("sha256", bad_digest), ("row count", bad_rows)) if bad]
        raise RecordIntegrityError(
            filename,
            " and ".join(problems),
            f"sha256 {entry.get('sha256')}, {expected_rows}",
            f"sha256 {digest}, {found_rows}",
        )
    return header, rows


def verify_record() -> dict[str, int]:
    """Check every bundled file against ``MANIFEST.toml`` (SHA-256 and row count).

    Reads the files afresh (no cache), so it can be run after an installation or in CI.

    Returns
    -------
    dict of str to int
        Number of data rows of each file, by name (``"drafts"``, ``"votes"``, ...).

    Raises
    ------
    RecordIntegrityError
        Naming the first file that differs, with what was expected and what was found.
    """
    manifest = _manifest()
    return {name: len(_read_verified(name, manifest[name])[1]) for name in RECORD_FILES}


def column_positions(header: list[str], name: str, wanted: Iterable[str]) -> dict[str, int]:
    positions = {column: i for i, column in enumerate(header)}
    missing = [column for column in wanted if column not in positions]
    if missing:
        raise RecordIntegrityError(
            f"{name}.csv.gz", "columns", f"columns {', '.join(missing)}", f"header {header}"
        )
    return positions


def read_verified_tables() -> dict[str, tuple[list[str], list[list[str]]]]:
    """Header and data rows of every bundled file, by name, each checked against the manifest.

    Raises
    ------
    RecordIntegrityError
        Naming the first file that differs.
    """
    manifest = _manifest()
    return {name: _read_verified(name, manifest[name]) for name in RECORD_FILES}


def manifest_text() -> str:
    """Return the content ``MANIFEST.toml`` should have for the files as they are now."""
    shipped = _read_bytes(_MANIFEST).decode("utf-8")
    header = shipped.split("\nschema =", 1)[0]
    lines = [header, "schema = 1", ""]
    for name in RECORD_FILES:
        filename = f"{name}.csv.gz"
        raw = _read_bytes(filename)
        lines += [
            f"[files.{name}]",
            f'file = "{filename}"',
            f'sha256 = "{hashlib.sha256(raw).hexdigest()}"',
            f"rows = {len(_parse_csv(raw)[1])}",
            "",
        ]
    return "\n".join(lines[:-1]) + "\n"
