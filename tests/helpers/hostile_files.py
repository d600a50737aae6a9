"""Hostile input files made on the fly (the corpus in ``tests/data`` keeps only small, safe ones)."""

from __future__ import annotations

import zipfile
from pathlib import Path

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)


def far_cell_xlsx(path: Path, cell: str = "XFD1048576") -> Path:
    """A workbook of under 2 KB whose only sheet has a header at A1, one number at ``cell`` (by default the last
    cell a sheet can have) and no ``<dimension>`` element: a reader that sizes its grid from the cell references
    alone asks for 2**20 x 2**14 cells (512 GiB)."""
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>item_id</t></is></c></row>'
        f'<row r="{cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")}"><c r="{cell}"><v>1</v></c></row>'
        "</sheetData></worksheet>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


#: Vendor names and labels that are markup or formulas to whoever reads them unescaped: an image a Markdown
#: label would fetch, bold and a colour directive, spreadsheet formulas ("Download as CSV" on a table).
MARKDOWN_VENDOR = "![x](http://127.0.0.1:9/pixel.png) **Acme** :red[alert]"
FORMULA_VENDOR = '=HYPERLINK("http://127.0.0.1:9/","click")'
HOSTILE_LABELS = ("@SUM(1)", "+cmd", "ok")


def hostile_project(folder: Path, n_items: int = 40) -> Path:
    """A small scorable project whose vendor names, labels and item ids are Markdown and spreadsheet formulas."""
    import tomli_w

    folder.mkdir(parents=True, exist_ok=True)
    items = [f"=1+{k}" if k % 2 else f"-item{k}" for k in range(n_items)]
    truth = [HOSTILE_LABELS[k % 3] for k in range(n_items)]
    (folder / "gold.csv").write_text(
        "item_id,label\n" + "".join(f'"{i}",{t}\n' for i, t in zip(items, truth, strict=True))
    )
    vendors = []
    for v, name in enumerate((MARKDOWN_VENDOR, FORMULA_VENDOR)):
        lines = ["item_id,annotator_id,label"]
        for k, item in enumerate(items):
            for a in range(3):
                label = truth[k] if (k + a + v) % 4 else HOSTILE_LABELS[(k + 1) % 3]
                lines.append(f'"{item}",@ann{v}{a},{label}')
        (folder / f"v{v}.csv").write_text("\n".join(lines) + "\n")
        vendors.append({"name": name, "path": f"v{v}.csv", "pricing": {"model": "per_label", "rate": 0.1}})
    manifest = {"task": {"name": "**task** ![t](http://127.0.0.1:9/t.png)", "labels": list(HOSTILE_LABELS)}}
    manifest["gold"] = {"path": "gold.csv"}
    (folder / "labeleval.toml").write_text(tomli_w.dumps({**manifest, "vendors": vendors}))
    return folder
