"""REFI-QDA exchange files: ``.qdpx`` projects and ``.qdc`` codebooks (read and write).

NVivo, ATLAS.ti, MAXQDA, QualCoder and others export coded interviews in this format: a
zip holding ``project.qde`` (XML in namespace ``urn:QDA-XML:project:1.0``) and the source
documents under ``Sources/``. Codes nested under a top-level code become codes of a theme;
coded plain-text selections become excerpts; cases give the participant, and case or
source variables (or a source named like ``S4-PW02-T2``) give site and timepoint.

XML is read with expat and every document type declaration is refused, so no entity is
ever expanded or fetched.
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING
from xml.parsers import expat

import pandas as pd

from ..limits import MB, current
from ..problems import Problems
from ..schema import CODEBOOK_COLUMNS, EXCERPT_COLUMNS
from ..text import plural
from .archives import check_archive, read_member
from .lookalike import ascii_problem
from .rawtable import readable_file

if TYPE_CHECKING:
    from .rawtable import RawTable

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
SOURCE_NAME = re.compile(r"^(?P<participant>.+)-(?P<timepoint>T\d+)$", re.IGNORECASE)


@dataclass
class Node:
    """An XML element with the line it starts on (namespace stripped from the tag)."""

    tag: str
    attrib: dict[str, str]
    line: int
    children: list[Node] = field(default_factory=list)
    text: str = ""

    def find(self, tag: str) -> Node | None:
        return next((c for c in self.children if c.tag == tag), None)

    def findall(self, tag: str) -> list[Node]:
        return [c for c in self.children if c.tag == tag]

    def iter(self, tag: str):
        if self.tag == tag:
            yield self
        for child in self.children:
            yield from child.iter(tag)


class UnsafeXML(ValueError):
    """XML refused before it could cost anything: a DTD or entity, or nesting too deep."""

    def __init__(self, message: str, lineno: int | None = None) -> None:
        super().__init__(message)
        self.lineno = lineno


def parse_xml(data: bytes, depth: int | None = None) -> Node:
    """Parse XML into :class:`Node` trees with line numbers; DTDs and entities are refused,
    and so is nesting deeper than ``depth`` elements (default: the limits' depth)."""
    depth = current().depth if depth is None else depth
    parser = expat.ParserCreate(namespace_separator="}")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    stack: list[Node] = []
    root: list[Node] = []

    def refuse(*_args) -> None:
        raise UnsafeXML("document type declarations and entities are not accepted", parser.CurrentLineNumber)

    def start(name: str, attrs: dict[str, str]) -> None:
        if len(stack) >= depth:
            raise UnsafeXML(f"elements nested more than {depth} deep", parser.CurrentLineNumber)
        node = Node(
            name.rsplit("}", 1)[-1], {k.rsplit("}", 1)[-1]: v for k, v in attrs.items()}, parser.CurrentLineNumber
        )
        (stack[-1].children if stack else root).append(node)
        stack.append(node)

    def end(_name: str) -> None:
        stack.pop()

    def text(data: str) -> None:
        if stack:
            stack[-1].text += data

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.buffer_text = True  # one call per run of text, not one per line
    parser.Parse(data, True)
    if not root:
        raise UnsafeXML("no element found", 1)
    return root[0]


# A code's id travels in the first line of its description, which coding programs keep:
# REFI-QDA has no field for it, and an id made from the name changes when a code is renamed.
CODE_ID_LINE = re.compile(r"^\s*code_id:\s*([A-Za-z0-9_.-]+)\s*$")


def _description(node: Node) -> tuple[str | None, str]:
    """(code id, description) from a code's ``Description``: the id when its first line is ``code_id: …``."""
    found = node.find("Description")
    text = found.text.strip() if found is not None else ""
    first, _, rest = text.partition("\n")
    match = CODE_ID_LINE.match(first)
    return (match.group(1), rest.strip()) if match else (None, text)


def _codes(codes_node: Node | None) -> list[dict]:
    """Codebook rows: a top-level code with children is a theme; every other code is a code."""
    rows: list[dict] = []
    if codes_node is None:
        return rows
    for top in codes_node.findall("Code"):
        children = list(top.iter("Code"))[1:]
        for node in children or [top]:  # a code without children is a theme of its own
            code_id, description = _description(node)
            rows.append(
                {
                    "guid": node.attrib.get("guid"),
                    "code": node.attrib.get("name", ""),
                    "theme": top.attrib.get("name", ""),
                    "description": description,
                    "code_id": code_id,
                }
            )
    return rows


def _code_ids(rows: list[dict]) -> dict[str, str]:
    """A unique id per code, by guid: the id its description carries, else its name in snake case."""
    ids: dict[str, str] = {}
    used: set[str] = {r["code_id"] for r in rows if r.get("code_id")}
    for row in rows:
        if row.get("code_id") and row["code_id"] not in ids.values():
            ids[row["guid"]] = row["code_id"]
            continue
        base = re.sub(r"[^a-z0-9]+", "_", row["code"].lower()).strip("_") or "code"
        candidate, k = base, 2
        while candidate in used:
            candidate, k = f"{base}_{k}", k + 1
        used.add(candidate)
        ids[row["guid"]] = candidate
    return ids


def _codebook_frame(rows: list[dict], ids: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"code_id": ids[r["guid"]], "code": r["code"], "theme": r["theme"], "description": r["description"]}
            for r in rows
        ],
        columns=CODEBOOK_COLUMNS,
    )


def _variables(node: Node, names: dict[str, str]) -> dict[str, str]:
    out = {}
    for value in node.findall("VariableValue"):
        ref = value.find("VariableRef")
        name = names.get(ref.attrib.get("targetGUID", "")) if ref is not None else None
        for kind in ("TextValue", "IntegerValue", "FloatValue", "BooleanValue", "DateValue", "DateTimeValue"):
            v = value.find(kind)
            if name and v is not None:
                out[name.strip().lower()] = v.text.strip()
    return out


def read_qdc(path: str | Path, problems: Problems) -> pd.DataFrame:
    """A ``.qdc`` codebook → ``code_id, code, theme, description``."""
    path = Path(path)
    if not readable_file(path, problems):
        return pd.DataFrame(columns=CODEBOOK_COLUMNS)
    try:
        root = parse_xml(path.read_bytes())
    except (expat.ExpatError, UnsafeXML, OSError) as exc:
        problems.add(path, line=getattr(exc, "lineno", None), rule="qda-xml", message=f"cannot read codebook: {exc}")
        return pd.DataFrame(columns=CODEBOOK_COLUMNS)
    rows = _codes(root.find("Codes"))
    return _codebook_frame(rows, _code_ids(rows))


def read_qdpx(path: str | Path, problems: Problems) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A ``.qdpx`` project → (codebook, excerpts) in the project's own format.

    Every coded plain-text selection becomes an excerpt; a selection whose offsets fall
    outside its source text is reported with the line of the selection in
    ``project.qde``, and left out.
    """
    path = Path(path)
    empty = (pd.DataFrame(columns=CODEBOOK_COLUMNS), pd.DataFrame(columns=EXCERPT_COLUMNS + ["_line"]))
    if not readable_file(path, problems, sized=False):  # check_archive bounds what it unpacks to
        return empty
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        problems.add(path, rule="qdpx", message=f"not a REFI-QDA project (a zip file): {exc}")
        return empty
    with archive:
        if not check_archive(archive, path, problems):
            return empty
        try:
            return _read_project(archive, path, problems)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
            problems.add(path, rule="qdpx", message=f"the archive is damaged: {exc}")
            return empty


def _read_project(archive: zipfile.ZipFile, path: Path, problems: Problems) -> tuple[pd.DataFrame, pd.DataFrame]:
    empty = (pd.DataFrame(columns=CODEBOOK_COLUMNS), pd.DataFrame(columns=EXCERPT_COLUMNS + ["_line"]))
    where = f"{path}!project.qde"
    names = {n.lower(): n for n in archive.namelist()}
    qde = next((n for n in names.values() if PurePosixPath(n).name.lower() == "project.qde"), None)
    if qde is None:
        problems.add(path, rule="qdpx", message="project.qde is missing from the archive")
        return empty
    try:
        root = parse_xml(read_member(archive, qde))
    except (expat.ExpatError, UnsafeXML) as exc:
        problems.add(where, line=getattr(exc, "lineno", None), rule="qda-xml", message=f"cannot read project: {exc}")
        return empty
    if root.tag != "Project":
        problems.add(
            where, line=root.line, value=root.tag, rule="qdpx", message="the root element is not a REFI-QDA Project"
        )
        return empty
    codebook_node = root.find("CodeBook")
    code_rows = _codes(codebook_node.find("Codes") if codebook_node is not None else None)
    ids = _code_ids(code_rows)
    variable_names = {v.attrib.get("guid", ""): v.attrib.get("name", "") for v in root.iter("Variable")}
    case_of_source: dict[str, tuple[str, dict]] = {}
    for case in root.iter("Case"):
        info = _variables(case, variable_names)
        for ref in case.findall("SourceRef"):
            case_of_source[ref.attrib.get("targetGUID", "")] = (case.attrib.get("name", ""), info)
    excerpts = []
    selected, budget = 0, current().table_mb * MB  # selections may overlap: bound what they copy
    for source in root.iter("TextSource"):
        text = _source_text(source, archive, names, where, problems)
        if text is None:
            continue
        guid = source.attrib.get("guid", "")
        name = source.attrib.get("name", "")
        case_name, case_vars = case_of_source.get(guid, ("", {}))
        info = {**case_vars, **_variables(source, variable_names)}
        match = SOURCE_NAME.match(name)
        participant = info.get("participant_id") or case_name or (match.group("participant") if match else "")
        timepoint = info.get("timepoint") or (match.group("timepoint").upper() if match else "")
        for k, sel in enumerate(source.findall("PlainTextSelection"), start=1):
            start, end = sel.attrib.get("startPosition"), sel.attrib.get("endPosition")
            lo, hi = _offset(start), _offset(end)
            if lo is None or hi is None:
                odd = next((ascii_problem(v) for v in (start, end) if v and ascii_problem(v)), None)
                problems.add(
                    where,
                    line=sel.line,
                    column="PlainTextSelection",
                    value=f"{start}-{end}",
                    rule="qdpx-offsets",
                    message="selection offsets are not whole numbers" + (f": {odd}" if odd else ""),
                )
                continue
            if not 0 <= lo < hi <= len(text):
                problems.add(
                    where,
                    line=sel.line,
                    column="PlainTextSelection",
                    value=f"{lo}-{hi}",
                    rule="qdpx-offsets",
                    message=f"selection {sel.attrib.get('name') or sel.attrib.get('guid')!r} lies outside its "
                    f"source {name!r} ({plural(len(text), 'character')})",
                )
                continue
            codes = [
                ids.get(c.find("CodeRef").attrib.get("targetGUID", ""))
                for c in sel.findall("Coding")
                if c.find("CodeRef") is not None
            ]
            unknown = [c for c in codes if c is None]
            if unknown:
                problems.add(
                    where,
                    line=sel.line,
                    column="CodeRef",
                    rule="unknown-code",
                    message="selection is coded with a code that is not in the codebook",
                )
            codes = [c for c in codes if c]
            if not codes:
                continue
            selected += hi - lo
            if selected > budget:
                problems.add(
                    where,
                    line=sel.line,
                    column="PlainTextSelection",
                    rule="too-large",
                    message=f"selections add up to more than {current().table_mb:,} MB of text "
                    "(raise the limit with PEERIMPACT_MAX_FILE_MB)",
                )
                return empty
            excerpts.append(
                {
                    "excerpt_id": sel.attrib.get("name") or f"{name}-{k}",
                    "participant_id": participant,
                    "timepoint": timepoint,
                    "codes": ";".join(dict.fromkeys(codes)),
                    "text": text[lo:hi].strip(),
                    "_line": sel.line,
                }
            )
    return _codebook_frame(code_rows, ids), pd.DataFrame(excerpts, columns=EXCERPT_COLUMNS + ["_line"])


def _offset(value: str | None) -> int | None:
    """A selection offset: ASCII digits only (``int()`` would also read "١٢" and "1_2")."""
    text = (value or "").strip()
    return int(text) if text.isascii() and text.isdigit() else None


def as_table(frame: pd.DataFrame, source: str) -> RawTable:
    """Excerpts read from a project, as a raw table whose line numbers point into project.qde."""
    from .rawtable import RawTable

    rows = [[None if pd.isna(v) else str(v) for v in rec] for rec in frame[EXCERPT_COLUMNS].itertuples(index=False)]
    return RawTable(Path(source), list(EXCERPT_COLUMNS), rows, frame["_line"].astype(int).tolist())


def _source_text(
    source: Node, archive: zipfile.ZipFile, names: dict[str, str], where: str, problems: Problems
) -> str | None:
    inline = source.find("PlainTextContent")
    if inline is not None:
        return inline.text
    ref = source.attrib.get("plainTextPath", "")
    if ref.startswith("internal://"):
        found = names.get(f"Sources/{ref[len('internal://') :]}".lower())
        if found is not None:
            data = read_member(archive, found)
            try:
                return data.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                problems.add(
                    where,
                    line=source.line,
                    column="plainTextPath",
                    value=ref,
                    rule="encoding",
                    message=f"text of source {source.attrib.get('name')!r} is not UTF-8 (byte {exc.start}), as "
                    "REFI-QDA requires; its selections are skipped",
                )
                return None
    problems.add(
        where,
        line=source.line,
        column="plainTextPath",
        value=ref or None,
        rule="qdpx-source",
        message=f"text of source {source.attrib.get('name')!r} is not in the archive; its selections are skipped",
        severity="warning",
    )
    return None


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
