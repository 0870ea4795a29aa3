"""The one way a spreadsheet comes into Matrica: reading a CSV or XLSX file into rows of text,
finding its columns by their headers, and reading the dates and numbers people type.

Every import (the staff roster, past evidence) reads its file here and applies its own rules
after. What this module refuses, it refuses for the whole file, with a message that says what to
do: a file that is not a spreadsheet, too large, in an encoding it cannot read, an XLSX that would
unpack to gigabytes or that carries a macro or a link to another workbook. Rows are never
dropped: every row under the header comes back, numbered as a spreadsheet program shows it.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from charset_normalizer import from_bytes
from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from matrica.text import clean_text, fold

# Encodings the region's files come in; the names a user can pick to override the detector.
ENCODINGS = {
    "utf-8": "UTF-8",
    "windows-1250": "Windows-1250 (Central European Latin)",
    "windows-1251": "Windows-1251 (Cyrillic)",
    "windows-1254": "Windows-1254 (Turkish)",
}
CSV_DELIMITERS = ",;\t"
# An XLSX is a zip of XML: refuse one that unpacks to more than this many times the upload
# limit, or with a part compressed more than this ratio (a zip bomb).
XLSX_MAX_RATIO = 100
XLSX_MAX_UNPACKED_FACTOR = 20
HEADER_SEARCH_ROWS = 10
# Excel's day 0 (its 1900 date system, with the leap-year bug of 1900 built in).
EXCEL_EPOCH = datetime.date(1899, 12, 30)
EXCEL_SERIAL_RANGE = (1, 2958465)  # 1900-01-01 to 9999-12-31


class Refused(Exception):
    """The file as a whole cannot be read: nothing in it is used."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Problem:
    """Why a row (or the file, when `row` is None) cannot be imported, said so that the person
    who keeps the file can fix it: the row number a spreadsheet shows, the column's header, the
    value as it stands in the file, and the reason."""

    row: int | None
    column: str
    value: str
    reason: str


class RowsRefused(Exception):
    """Some rows, or columns, cannot be imported: nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        # A problem found twice (a module's row, once per area it confers) is said once.
        unique = list(dict.fromkeys(problems))
        super().__init__(f"{len(unique)} problems")
        self.problems = sorted(unique, key=lambda p: (p.row or 0, p.column))


@dataclass(frozen=True)
class Column:
    """A column an import reads: its key, its label in the user's language, and the headers it
    is known by in the region's languages and scripts (compared folded: case, diacritics and
    script do not matter)."""

    key: str
    label: str | Promise
    headers: tuple[str, ...]
    required: bool = True


@dataclass
class Sheet:
    """What a file holds: its headers, where they stand, and every row under them."""

    headers: list[str]
    header_row: int
    rows: list[tuple[int, list[Any]]]
    encoding: str = ""
    file_format: str = ""


@dataclass
class Layout:
    """Which column of the file holds what: `index[key]` is the position of a known column;
    `unknown` are the file's headers nothing matched; `missing` the required keys not found."""

    index: dict[str, int] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def batched(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    """`items` in slices of `size` (itertools.batched arrives with Python 3.12)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def max_bytes() -> int:
    return int(settings.MATRICA_IMPORT_MAX_MB) * 1024 * 1024


# Reading ---------------------------------------------------------------------------------------


def read_sheet(
    data: bytes,
    name: str,
    columns: Sequence[Column],
    *,
    encoding: str = "",
) -> Sheet:
    """The rows of a CSV or XLSX file (told apart by their content, not their name), with the
    header row found among the first rows as the one naming most of `columns`."""
    if len(data) > max_bytes():
        raise Refused(
            _("The file is larger than %(mb)d MB, the limit for an import. Split it, or ask the "
              "administrator to raise MATRICA_IMPORT_MAX_MB.")
            % {"mb": settings.MATRICA_IMPORT_MAX_MB}
        )  # fmt: skip
    if not data.strip():
        raise Refused(_("The file is empty."))
    if data.startswith(b"PK\x03\x04"):
        grid, file_format, used = _xlsx_grid(data), "xlsx", ""
    elif name.lower().endswith((".xlsx", ".xlsm", ".xls")) or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise Refused(
            _("The file is not an XLSX workbook. Save it from the spreadsheet program as “Excel "
              "Workbook (.xlsx)” or as CSV, and upload it again.")
        )  # fmt: skip
    else:
        grid, used = _csv_grid_of(data, encoding, columns)
        file_format = "csv"
    header_row, _count = _header_row(grid, columns)
    headers = [_cell_text(cell) for cell in grid[header_row]]
    rows = [
        (number + 1, cells)
        for number, cells in enumerate(grid)
        if number > header_row and any(_cell_text(cell) for cell in cells)
    ]
    return Sheet(headers, header_row + 1, rows, used, file_format)


def _csv_grid_of(
    data: bytes, encoding: str, columns: Sequence[Column]
) -> tuple[list[list[Any]], str]:
    """The cells of a CSV file and the encoding they were read in. Between the Windows code
    pages, a detector can be wrong on a short file (a two-row Latin roster looks Turkish to
    it): the code page whose reading names most of the expected columns wins."""
    text, used = decode(data, encoding)
    grid = _csv_grid(text)
    if encoding or not used.startswith("windows-"):
        return grid, used
    best_count, best_grid, best_used = _header_row(grid, columns)[1], grid, used
    for candidate in ENCODINGS:
        if not candidate.startswith("windows-") or candidate == used:
            continue
        try:
            other = _csv_grid(_checked_text(data.decode(candidate), candidate))
        except (UnicodeDecodeError, Refused):
            continue
        count = _header_row(other, columns)[1]
        if count > best_count:
            best_count, best_grid, best_used = count, other, candidate
    return best_grid, best_used


def decode(data: bytes, encoding: str = "") -> tuple[str, str]:
    """The text of a CSV file and the encoding it was read in: UTF-8 (with or without a byte
    order mark) when it is valid UTF-8, else what the detector finds among the region's
    Windows code pages; `encoding` overrides the detector."""
    if encoding:
        if encoding not in ENCODINGS:
            raise Refused(_("Unknown encoding “%(name)s”.") % {"name": encoding})
        try:
            text = data.decode("utf-8-sig" if encoding == "utf-8" else encoding)
        except UnicodeDecodeError as error:
            raise Refused(
                _("The file is not valid %(encoding)s text (byte %(byte)d). Choose the encoding "
                  "it was saved in, or let Matrica detect it.")
                % {"encoding": ENCODINGS[encoding], "byte": error.start + 1}
            ) from error  # fmt: skip
        return _checked_text(text, encoding), encoding
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return _checked_text(data.decode("utf-16"), "utf-16"), "utf-16"
        except UnicodeDecodeError as error:
            raise Refused(
                _("The file does not read as text in %(encoding)s (byte %(byte)d). Choose its "
                  "encoding, or save it as CSV UTF-8.")
                % {"encoding": "UTF-16", "byte": error.start + 1}
            ) from error  # fmt: skip
    try:
        return _checked_text(data.decode("utf-8-sig"), "utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data, cp_isolation=["cp1250", "cp1251", "cp1254"]).best()
    if best is None:
        raise Refused(
            _("Matrica cannot tell which encoding the file is in. Save it as CSV UTF-8, or choose "
              "its encoding (Windows-1250 for Latin letters, Windows-1251 for Cyrillic).")
        )  # fmt: skip
    used = best.encoding.replace("cp", "windows-")
    return _checked_text(str(best), used), used


def _checked_text(text: str, encoding: str) -> str:
    # Control characters other than line ends and tabs mean binary data or the wrong encoding.
    bad = re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]", text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        raise Refused(
            _("The file does not read as text in %(encoding)s (line %(line)d). Is it a "
              "spreadsheet saved as CSV? Choose its encoding, or save it as CSV UTF-8.")
            % {"encoding": ENCODINGS.get(encoding, encoding), "line": line}
        )  # fmt: skip
    return text


def _csv_grid(text: str) -> list[list[Any]]:
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(CSV_DELIMITERS, key=first.count)
    try:
        return [list(row) for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as error:
        raise Refused(
            _("The file is not a readable CSV file: %(error)s") % {"error": error}
        ) from error


def _xlsx_grid(data: bytes) -> list[list[Any]]:
    """The first sheet's cells, after checking the package is a plain workbook: no macro, no
    link to another file, nothing that unpacks out of proportion."""
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
        parts = package.infolist()
    except (zipfile.BadZipFile, ValueError) as error:
        raise Refused(_("The file is damaged: it cannot be opened as an XLSX workbook.")) from error
    names = {part.filename.lower() for part in parts}
    if "xl/workbook.xml" not in names:
        raise Refused(
            _("The file is a zip archive but not an XLSX workbook. Save it from the spreadsheet "
              "program as “Excel Workbook (.xlsx)”.")
        )  # fmt: skip
    if any(name.endswith("vbaproject.bin") for name in names):
        raise Refused(
            _("The workbook contains macros. Save it as a plain “Excel Workbook (.xlsx)”, without "
              "macros, and upload it again.")
        )  # fmt: skip
    if any(name.startswith("xl/externallinks/") for name in names):
        raise Refused(
            _("The workbook links to other files (external links). Copy the values in (Paste "
              "Special, Values), remove the links, and upload it again.")
        )  # fmt: skip
    unpacked = sum(part.file_size for part in parts)
    ratio = max((part.file_size / max(part.compress_size, 1) for part in parts), default=0)
    if unpacked > XLSX_MAX_UNPACKED_FACTOR * max_bytes() or ratio > XLSX_MAX_RATIO:
        raise Refused(
            _("The workbook would unpack to far more than its size (%(mb)d MB): Matrica does not "
              "open it. Save the sheet again from the spreadsheet program.")
            % {"mb": unpacked // (1024 * 1024)}
        )  # fmt: skip
    from openpyxl import load_workbook  # imported here: only imports need it

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged package
        raise Refused(_("The file is damaged: it cannot be opened as an XLSX workbook.")) from error
    try:
        # Read-only mode parses the sheet as it is read: a damaged sheet fails here.
        sheet = workbook.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    except Exception as error:
        raise Refused(_("The file is damaged: it cannot be opened as an XLSX workbook.")) from error
    finally:
        workbook.close()


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return clean_text(str(value))


# Headers ---------------------------------------------------------------------------------------


def _header_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", fold(text)).strip()


def _known(columns: Iterable[Column]) -> dict[str, str]:
    return {
        _header_key(header): column.key
        for column in columns
        for header in (column.key, str(column.label), *column.headers)
    }


def _header_row(grid: Sequence[Sequence[Any]], columns: Sequence[Column]) -> tuple[int, int]:
    """The row among the first few that names most known columns, and how many it names: a
    title row or a merged group header above the real header is passed over."""
    known = _known(columns)
    best, best_count = None, 0
    for number, cells in enumerate(grid[:HEADER_SEARCH_ROWS]):
        count = len({known[k] for k in map(_header_key, map(_cell_text, cells)) if k in known})
        if count > best_count:
            best, best_count = number, count
    if best is None:
        first = next((n for n, cells in enumerate(grid) if any(map(_cell_text, cells))), None)
        if first is None:
            raise Refused(_("The file has no rows."))
        return first, 0
    return best, best_count


def layout(
    sheet: Sheet, columns: Sequence[Column], mapping: Mapping[str, str] | None = None
) -> Layout:
    """Which column holds what: by header (folded), or as `mapping` (file header → column key,
    from the mapping step) says. A header mapped to "" is deliberately left out."""
    known = _known(columns)
    mapping = {_header_key(header): key for header, key in (mapping or {}).items()}
    result = Layout()
    for position, header in enumerate(sheet.headers):
        if not header:
            continue
        key = _header_key(header)
        target = mapping.get(key, known.get(key))
        if target is None:
            result.unknown.append(header)
        elif target and target not in result.index:
            result.index[target] = position
    result.missing = [c.key for c in columns if c.required and c.key not in result.index]
    return result


class Row:
    """One row of a sheet read by column key, collecting its problems as they are found."""

    def __init__(
        self, sheet: Sheet, found: Layout, columns: Sequence[Column], number: int, cells: list[Any]
    ) -> None:
        self.sheet, self.found, self.columns = sheet, found, columns
        self.number, self.cells = number, cells
        self.problems: list[Problem] = []

    def cell(self, key: str) -> Any:
        position = self.found.index.get(key)
        return self.cells[position] if position is not None and position < len(self.cells) else None

    def text(self, key: str) -> str:
        return _cell_text(self.cell(key))

    def problem(self, key: str, reason: str) -> None:
        """The cell under `key` is wrong for `reason` (named by the file's own header)."""
        position = self.found.index.get(key)
        header = (
            self.sheet.headers[position]
            if position is not None
            else str(next(column.label for column in self.columns if column.key == key))
        )
        self.problems.append(Problem(self.number, header, self.text(key), reason))


def rows_of(sheet: Sheet, found: Layout, columns: Sequence[Column]) -> Iterator[Row]:
    for number, cells in sheet.rows:
        yield Row(sheet, found, columns, number, cells)


def missing_columns(found: Layout, columns: Sequence[Column]) -> None:
    """Refuse a file that lacks a required column, naming each."""
    labels = {column.key: str(column.label) for column in columns}
    if found.missing:
        raise RowsRefused(
            [
                Problem(None, labels[key], "", _("No column of the file holds this."))
                for key in found.missing
            ]
        )


# Values ----------------------------------------------------------------------------------------

_DOTTED = re.compile(r"^(\d{1,2})\s*[./-]\s*(\d{1,2})\s*[./-]\s*(\d{4})\s*\.?$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.]+)?$")
_SERIAL = re.compile(r"^\d{1,7}(?:\.0+)?$")


def parse_date(value: Any) -> datetime.date:
    """A date as the region writes it: `dd.mm.yyyy`, `d.m.yyyy.`, ISO `yyyy-mm-dd`, an Excel
    date cell or an Excel serial number. ValueError, with a reason a person can act on,
    otherwise (31.02.2021 is refused, not moved to March)."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _from_serial(value)
    text = _cell_text(value)
    if not text:
        raise ValueError(_("A date is required here."))
    if match := _DOTTED.match(text):
        day, month, year = map(int, match.groups())
    elif match := _ISO.match(text):
        year, month, day = map(int, match.groups())
    elif _SERIAL.match(text):
        return _from_serial(float(text))
    else:
        raise ValueError(_("Not a date. Write dates as dd.mm.yyyy, for example 01.09.2021."))
    try:
        return datetime.date(year, month, day)
    except ValueError as error:
        raise ValueError(
            _("There is no such day: %(text)s. Check the day and the month.") % {"text": text}
        ) from error


def _from_serial(serial: float) -> datetime.date:
    low, high = EXCEL_SERIAL_RANGE
    # A date with a time of day: the day counts. Compared before any conversion, so that
    # infinity, NaN and numbers too large for a float are refused, not raised.
    if not low <= serial < high + 1:
        raise ValueError(_("Not a date. Write dates as dd.mm.yyyy, for example 01.09.2021."))
    return EXCEL_EPOCH + datetime.timedelta(days=int(serial))


def text_of(value: Any) -> str:
    """A cell as text, as it is shown in a problem report."""
    return _cell_text(value)
