"""Workbooks written byte by byte: the XLSX cases the readers must bound (a cell at XFD1048576, no dimension, a
sheet's XML mutated), small enough to make in a test."""

from __future__ import annotations

import io
import re
import zipfile


def sheet_xlsx(cells: dict[str, str], dimension: str | None, mangle: bytes | None = None) -> bytes:
    """A minimal workbook: a sheet holding ``cells`` (reference -> text), rows in order, and its ``dimension``;
    ``mangle`` replaces the sheet's XML outright (a mutated one)."""
    by_row: dict[int, list[tuple[str, str]]] = {}
    for ref, value in cells.items():
        by_row.setdefault(int(re.sub(r"[A-Z]", "", ref)), []).append((ref, value))
    body = "".join(
        f'<row r="{r}">'
        + "".join(f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>' for ref, value in sorted(row))
        + "</row>"
        for r, row in sorted(by_row.items())
    )
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
        f'2006/main">{dim}<sheetData>{body}</sheetData></worksheet>'
    ).encode()
    main = "http://schemas.openxmlformats.org"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            f'<Types xmlns="{main}/package/2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{main}/package/2006/relationships"><Relationship Id="rId1" Type="{main}/'
            'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{main}/spreadsheetml/2006/main" xmlns:r="{main}/officeDocument/2006/relationships">'
            '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{main}/package/2006/relationships"><Relationship Id="rId1" Type="{main}/'
            'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        )
        z.writestr("xl/worksheets/sheet1.xml", sheet if mangle is None else mangle)
    return buffer.getvalue()


def column_letters(index: int) -> str:
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
