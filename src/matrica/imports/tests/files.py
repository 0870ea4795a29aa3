"""Files as administrations keep them, written by the tests themselves: a semicolon CSV in
Windows-1250 with dd.mm.yyyy dates, a Cyrillic CSV in Windows-1251, an XLSX with a merged title
row above the header and Excel date serials."""

from __future__ import annotations

import datetime
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook

LATIN_HEADER = ["Matični broj", "Ime", "Prezime", "Ustanova", "Kategorija", "Datum zaposlenja"]
CYRILLIC_HEADER = ["Матични број", "Име", "Презиме", "Установа", "Категорија", "Датум запослења"]


def csv_bytes(
    header: Sequence[str], rows: Sequence[Sequence[Any]], *, encoding: str, delimiter: str = ";"
) -> bytes:
    lines = [delimiter.join(header)] + [delimiter.join(map(str, row)) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx_bytes(
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    title: str = "",
    serial_dates: bool = True,
) -> bytes:
    """A workbook as HR offices save them: a title merged across the columns above the header;
    dates as Excel serial numbers (cells without a date format) or as date cells."""
    workbook = Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet.append(list(header))
    epoch = datetime.date(1899, 12, 30)
    for row in rows:
        sheet.append([
            (value - epoch).days if serial_dates and isinstance(value, datetime.date) else value
            for value in row
        ])  # fmt: skip
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def write(directory: Path, name: str, data: bytes) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_bytes(data)
    return path


def repacked(workbook: bytes, parts: dict[str, bytes | None]) -> bytes:
    """`workbook` (a zip) with `parts` added or replaced; a part given as None is left out."""
    import zipfile

    stream = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(workbook)) as source,
        zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            if info.filename not in parts:
                target.writestr(info.filename, source.read(info.filename))
        for name, data in parts.items():
            if data is not None:
                target.writestr(name, data)
    return stream.getvalue()


def zip_bomb(workbook: bytes, *, megabytes: int = 300) -> bytes:
    """`workbook` whose first sheet unpacks to `megabytes` of zeros (a few hundred KB packed),
    written in chunks so that the test never holds the unpacked part in memory."""
    import zipfile

    sheet = "xl/worksheets/sheet1.xml"
    stream = io.BytesIO(repacked(workbook, {sheet: None}))
    with (
        zipfile.ZipFile(stream, "a", zipfile.ZIP_DEFLATED) as target,
        target.open(sheet, "w", force_zip64=True) as part,
    ):
        chunk = bytes(1024 * 1024)
        for _ in range(megabytes):
            part.write(chunk)
    return stream.getvalue()
