"""Files built byte by byte for the reader tests: workbooks whose XML parts we write
ourselves (so they can be broken on purpose), GeoJSON features, victim rows."""

from __future__ import annotations

import io
import json
import zipfile

HEADER = ["source_record_id", "date", "unit_code", "offence", "sex", "age"]
ROW = ["1", "2023-01-05", "U1", "homicidio doloso", "hombre", "30"]
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def sheet_xml(rows: list[list[str]], prolog: str = "", comment: str = "") -> str:
    """A worksheet with inline strings (no sharedStrings part needed)."""
    body = []
    for r, row in enumerate(rows, start=1):
        cells = "".join(
            f'<c r="{_column(c)}{r}" t="inlineStr"><is><t>{v}</t></is></c>'
            for c, v in enumerate(row)
        )
        body.append(f'<row r="{r}">{cells}</row>')
    return (
        f'<?xml version="1.0"?>{prolog}<worksheet xmlns="{MAIN}">{comment}'
        f"<sheetData>{''.join(body)}</sheetData></worksheet>"
    )


def xlsx_bytes(sheet: str, shared: str | None = None) -> bytes:
    """A minimal workbook around one worksheet part, with a sharedStrings part if given."""
    overrides = f'<Override PartName="/xl/workbook.xml" ContentType="{CT}.sheet.main+xml"/>'
    overrides += (
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{CT}.worksheet+xml"/>'
    )
    rels = f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    if shared is not None:
        overrides += (
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{CT}.sharedStrings+xml"/>'
        )
        rels += f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            f'ContentType="application/xml"/>{overrides}</Types>',
        )
        z.writestr(
            "_rels/.rels",
            f'<?xml version="1.0"?><Relationships xmlns="{PKG}"><Relationship Id="rId1" '
            f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0"?><workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
            '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<?xml version="1.0"?><Relationships xmlns="{PKG}">{rels}</Relationships>',
        )
        z.writestr("xl/worksheets/sheet1.xml", sheet)
        if shared is not None:
            z.writestr("xl/sharedStrings.xml", shared)
    return out.getvalue()


def shared_string_sheet(n: int) -> str:
    """A sheet whose header cells point at shared strings 0..n-1."""
    cells = "".join(f'<c r="{_column(i)}1" t="s"><v>{i}</v></c>' for i in range(n))
    return (
        f'<?xml version="1.0"?><worksheet xmlns="{MAIN}"><sheetData><row r="1">{cells}</row>'
        "</sheetData></worksheet>"
    )


def feature(geometry: object, **properties: str) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def feature_collection(features: list) -> str:
    return json.dumps({"type": "FeatureCollection", "features": features})


def _column(i: int) -> str:
    name = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        name = chr(65 + r) + name
    return name
