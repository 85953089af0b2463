"""REFI-QDA exchange files read: ``.qdpx`` projects and ``.qdc`` codebooks
(:mod:`peerimpact.ingest.refi_writer` writes projects).

NVivo, ATLAS.ti, MAXQDA, QualCoder and others export coded interviews in this format: a
zip holding ``project.qde`` (XML in namespace ``urn:QDA-XML:project:1.0``) and the source
documents under ``Sources/``. Codes nested under a top-level code become codes of a theme;
coded plain-text selections become excerpts; cases give the participant, and case or
source variables (or a source named like ``S4-PW02-T2``) give site and timepoint.

XML is read with :func:`peerimpact.ingest.safe_xml.parse_xml`, which refuses every document
type declaration, so no entity is ever expanded or fetched.
"""

from __future__ import annotations

import re
import zipfile
import zlib
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
from .safe_xml import Node, UnsafeXML, parse_xml

if TYPE_CHECKING:
    from .rawtable import RawTable

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
SOURCE_NAME = re.compile(r"^(?P<participant>.+)-(?P<timepoint>T\d+)$", re.IGNORECASE)


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
            known = [c for c in codes if c]
            if not known:
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
                    "codes": ";".join(dict.fromkeys(known)),
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
