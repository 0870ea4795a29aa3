"""The one way a file leaves Matrica: every CSV and XLSX download, of every app, is written here.

- Formula injection (OWASP "CSV injection"): a text cell that begins with `=`, `+`, `-`, `@`,
  a tab or a carriage return is prefixed with a single quote, so a spreadsheet shows it as text
  instead of running it; XLSX cells are written with an explicit type (text, number or date),
  never as a formula, whatever the text looks like.
- The user's language: headers and labels are whatever the caller translated in the request's
  language; stable codes travel beside them in their own columns, so that a file read by a
  program does not depend on the language it was downloaded in.
- Files with personal data are never cached (`Cache-Control: no-store`).
"""

from __future__ import annotations

import csv
import datetime
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from django.http import Http404, HttpResponse
from django.utils.cache import add_never_cache_headers, patch_cache_control, patch_vary_headers
from django.utils.text import slugify
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# What makes a spreadsheet program read a cell as a formula (OWASP).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MAX_TEXT = 32767  # Excel's limit for one cell
SHEET_TITLE_FORBIDDEN = re.compile(r"[\\/*?:\[\]]")

Value = str | int | float | Decimal | datetime.date | None


@dataclass(frozen=True)
class Table:
    """What a download holds: a translated header, the rows, and a sheet title for XLSX."""

    header: Sequence[str]
    rows: Iterable[Sequence[Value]]
    title: str = "Matrica"


def neutralise(text: str) -> str:
    """Text that a spreadsheet program will show, never evaluate: a leading quote before any
    formula trigger (the quote itself is what Excel and LibreOffice hide)."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def _plain(value: Value) -> str | int | float | Decimal | datetime.date:
    """A cell's value: numbers and dates as they are, everything else as neutralised text."""
    if value is None:
        return ""
    if isinstance(value, bool):  # a bool is an int to Python, a word to a reader
        return str(value)
    if isinstance(value, int | float | Decimal | datetime.date):
        return value
    return neutralise(str(value))


def write_csv(table: Table, stream: IO[str] | Any) -> int:
    """Write the table as CSV to a text stream; the number of rows (header excluded)."""
    writer = csv.writer(stream)
    writer.writerow([_plain(cell) for cell in table.header])
    written = 0
    for row in table.rows:
        writer.writerow(
            [
                value.isoformat() if isinstance(value, datetime.date) else value
                for value in map(_plain, row)
            ]
        )
        written += 1
    return written


def _xlsx_cell(sheet: Any, value: Value) -> WriteOnlyCell:
    plain = _plain(value)
    if isinstance(plain, str):
        cell = WriteOnlyCell(sheet)
        # Assigned directly: openpyxl's own setter would turn text beginning with "=" into a
        # formula, and "#N/A" into an error value. Characters XML cannot hold are dropped.
        cell._value = ILLEGAL_CHARACTERS_RE.sub("", plain)[:XLSX_MAX_TEXT]
        cell.data_type = "s"
        return cell
    cell = WriteOnlyCell(sheet, plain)
    if isinstance(plain, datetime.date):
        cell.number_format = "yyyy-mm-dd"
    return cell


def sheet_title(title: str) -> str:
    """A title Excel accepts: at most 31 characters, none of \\ / * ? : [ ]."""
    return SHEET_TITLE_FORBIDDEN.sub(" ", title).strip()[:31] or "Matrica"


def write_xlsx(table: Table, stream: IO[bytes] | Any) -> int:
    """Write the table as an XLSX workbook of one sheet; the number of rows (header excluded)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title(table.title))
    sheet.append([_xlsx_cell(sheet, cell) for cell in table.header])
    written = 0
    for row in table.rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
        written += 1
    workbook.save(stream)
    return written


def filename(*parts: object, extension: str) -> str:
    """A file name safe in any header and file system: `matrica-<parts>.<extension>`, each
    part reduced to ASCII letters, digits and hyphens."""
    words = [slugify(str(part)) for part in ("matrica", *parts)]
    return "-".join(word for word in words if word) + f".{extension}"


def file_download(
    content: bytes | str, content_type: str, name: str, *, inline: bool = False
) -> HttpResponse:
    """A file other than a table (a PDF, a calendar, a credential) as `download` serves tables:
    named `name` (build it with `filename`), never kept by a browser or a proxy, not sniffed."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    response = HttpResponse(data, content_type=content_type)
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{name}"'
    add_never_cache_headers(response)
    patch_cache_control(response, private=True)
    patch_vary_headers(response, ("Cookie",))
    response["X-Content-Type-Options"] = "nosniff"
    return response


def download(table: Table, file_format: str, name: Sequence[object]) -> HttpResponse:
    """The table as an attachment in `file_format` ("csv" or "xlsx"; anything else is 404),
    never cached, named by `filename(*name)`."""
    if file_format not in FORMATS:
        raise Http404
    response = HttpResponse(content_type=CONTENT_TYPES[file_format])
    if file_format == "csv":
        # A byte-order mark lets spreadsheet programs read Cyrillic and diacritics as UTF-8.
        response.write("\ufeff")
        write_csv(table, response)
    else:
        write_xlsx(table, response)
    response["Content-Disposition"] = (
        f'attachment; filename="{filename(*name, extension=file_format)}"'
    )
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
