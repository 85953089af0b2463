"""REFI-QDA projects written: a codebook and its excerpts as a ``.qdpx`` that NVivo, ATLAS.ti,
MAXQDA or QualCoder can open, one text source per interview."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pandas as pd

from .refi import PROJECT_NS


def write_qdpx(
    codebook: pd.DataFrame, excerpts: pd.DataFrame, path: str | Path, sites: dict[str, str] | None = None
) -> Path:
    """Write codebook and excerpts as a REFI-QDA project, one text source per interview.

    Each interview's text is its excerpts joined by blank lines; every excerpt is a coded
    selection of it. ``sites`` (participant → site) adds a ``site`` case variable.
    """
    ET.register_namespace("", PROJECT_NS)

    def q(tag: str) -> str:
        return f"{{{PROJECT_NS}}}{tag}"

    def guid(*parts: str) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, "peerimpact:" + ":".join(parts)))

    project = ET.Element(q("Project"), {"name": "peerimpact export", "origin": "peerimpact"})
    codes = ET.SubElement(ET.SubElement(project, q("CodeBook")), q("Codes"))
    code_guid = {}
    for theme, part in codebook.groupby("theme", sort=False):
        parent = ET.SubElement(codes, q("Code"), {"guid": guid("theme", theme), "name": theme, "isCodable": "false"})
        for row in part.itertuples(index=False):
            code_guid[row.code_id] = guid("code", row.code_id)
            node = ET.SubElement(
                parent, q("Code"), {"guid": code_guid[row.code_id], "name": row.code, "isCodable": "true"}
            )
            description = f"code_id: {row.code_id}"
            if isinstance(row.description, str) and row.description.strip():
                description += f"\n{row.description}"
            ET.SubElement(node, q("Description")).text = description
    variables = ET.SubElement(project, q("Variables"))
    site_var = guid("variable", "site")
    tp_var = guid("variable", "timepoint")
    ET.SubElement(variables, q("Variable"), {"guid": site_var, "name": "site", "typeOfVariable": "Text"})
    ET.SubElement(variables, q("Variable"), {"guid": tp_var, "name": "timepoint", "typeOfVariable": "Text"})
    cases = ET.SubElement(project, q("Cases"))
    sources = ET.SubElement(project, q("Sources"))
    texts: dict[str, str] = {}
    case_nodes: dict[str, ET.Element] = {}
    for (pid, tp), part in excerpts.groupby(["participant_id", "timepoint"], sort=True):
        name = f"{pid}-{tp}"
        source_guid = guid("source", name)
        source = ET.SubElement(
            sources,
            q("TextSource"),
            {"guid": source_guid, "name": name, "plainTextPath": f"internal://{source_guid}.txt"},
        )
        chunks, offset = [], 0
        for row in part.itertuples(index=False):
            start, end = offset, offset + len(row.text)
            sel = ET.SubElement(
                source,
                q("PlainTextSelection"),
                {
                    "guid": guid("selection", row.excerpt_id),
                    "name": row.excerpt_id,
                    "startPosition": str(start),
                    "endPosition": str(end),
                },
            )
            for code in str(row.codes).split(";"):
                coding = ET.SubElement(sel, q("Coding"), {"guid": guid("coding", row.excerpt_id, code)})
                ET.SubElement(coding, q("CodeRef"), {"targetGUID": code_guid[code]})
            chunks.append(row.text)
            offset = end + 2
        value = ET.SubElement(source, q("VariableValue"))
        ET.SubElement(value, q("VariableRef"), {"targetGUID": tp_var})
        ET.SubElement(value, q("TextValue")).text = tp
        texts[source_guid] = "\n\n".join(chunks)
        if pid not in case_nodes:
            case_nodes[pid] = ET.SubElement(cases, q("Case"), {"guid": guid("case", pid), "name": pid})
            if sites and pid in sites:
                value = ET.SubElement(case_nodes[pid], q("VariableValue"))
                ET.SubElement(value, q("VariableRef"), {"targetGUID": site_var})
                ET.SubElement(value, q("TextValue")).text = sites[pid]
        ET.SubElement(case_nodes[pid], q("SourceRef"), {"targetGUID": source_guid})
    path = Path(path)
    members = {"project.qde": ET.tostring(project, encoding="utf-8", xml_declaration=True)}
    members.update({f"Sources/{g}.txt": text.encode("utf-8") for g, text in texts.items()})
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():  # a fixed date: the same data give the same bytes
            archive.writestr(
                zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), data, compress_type=zipfile.ZIP_DEFLATED
            )
    return path
