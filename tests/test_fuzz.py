"""Malformed and hostile input of every kind: each case must end in exit 2 with a located problem.

Every case copies the example study, breaks one thing, runs a command in-process and
checks: no traceback, exit 2, a problem line naming the broken file (and its line where
the file has lines), no input file modified, nothing half-written, and done within 60 s.
Cases marked ``slow`` (large files) run with ``pytest -m slow``.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import time
import zipfile
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest

from peerimpact.cli import main
from peerimpact.ingest.refi_writer import write_qdpx
from peerimpact.resources import example_study_dir, params_dir

SECONDS = 60


@dataclass
class Case:
    name: str
    breaks: Callable[[Path], list[str]]  # study folder → command line; may break any file
    where: str  # the file a problem must name
    line: bool = True  # the problem names a line too
    env: dict | None = None
    slow: bool = False


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def yml(study: Path, old: str, new: str, cmd: str = "validate") -> list[str]:
    replace(study / "study.yml", old, new)
    return [cmd, "--study", str(study)]


def append(path: Path, line: str) -> None:
    with path.open("a", encoding="utf-8", newline="") as handle:
        handle.write(line)


def validate(study: Path) -> list[str]:
    return ["validate", "--study", str(study)]


def row(name: str, line: str) -> Callable[[Path], list[str]]:
    """A case that adds one line to a data file of the study and validates it."""

    def breaks(study: Path) -> list[str]:
        append(study / name, line + "\n")
        return validate(study)

    return breaks


def contact(
    date: str = "2019-01-13", duration: str = "1", person: str = "S1-PW02-P01", pid: str = "S1-PW02", extra: str = ""
) -> Callable[[Path], list[str]]:
    return row("contacts.csv", f"{pid},{person},{date},face_to_face,{duration},yes{extra}")


def write(path: Path, data: bytes | str) -> Path:
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


# ------------------------------------------------------------------ study.yml


def bomb(value: str, levels: int) -> str:
    """YAML lines ``a: &a [...]`` to the ``levels``-th letter, each level nine aliases of the last."""
    letters = "abcdefghi"[:levels]
    lines = [f"a: &a [{', '.join([json.dumps(value)] * 9)}]"]
    lines += [f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]" for prev, name in zip(letters, letters[1:])]
    return "\n".join(lines) + "\n"


def alias_bomb(study: Path) -> list[str]:
    write(study / "study.yml", bomb("x", 9) + "name: bomb\n")
    return validate(study)


def alias_into_a_field(study: Path) -> list[str]:
    text = (study / "study.yml").read_text().replace("sites: [S1, S2, S3, S4, S5, S6, S7]", "sites: *h")
    write(study / "study.yml", bomb("S1", 8) + text)  # 9^8 site codes
    return validate(study)


def outside_csv(study: Path) -> list[str]:
    outside = study.parent / "secret.csv"
    write(outside, "participant_id,site\nTOP-SECRET-VALUE,S1\n")
    return yml(study, "participants: participants.csv", f"participants: ../{outside.name}")


def symlink_out(study: Path) -> list[str]:
    (study / "link.csv").symlink_to("/etc/passwd")
    return yml(study, "participants: participants.csv", "participants: link.csv")


def fifo(study: Path) -> list[str]:
    os.mkfifo(study / "pipe.csv")
    return yml(study, "contacts: contacts.csv", "contacts: pipe.csv")


def folder(study: Path) -> list[str]:
    (study / "folder.csv").mkdir()
    return yml(study, "contacts: contacts.csv", "contacts: folder.csv")


def big_yaml(study: Path) -> list[str]:
    append(study / "study.yml", "# " + "x" * (2 * 1024 * 1024) + "\n")
    return validate(study)


def colliding_sites(study: Path) -> list[str]:
    replace(
        study / "study.yml", "sites: [S1, S2, S3, S4, S5, S6, S7]", "sites: [S1, S2, S3, S4, S5, S6, S7, 'A B', 'A/B']"
    )
    append(
        study / "participants.csv",
        "AB-1,A B,Female,,,,,,,,40,contracted,3,1,,\nAB-2,A/B,Female,,,,,,,,41,contracted,3,1,,\n",
    )
    return ["list", "--study", str(study), "--out", str(study.parent / "reports")]


STUDY_YML = [
    Case("empty study.yml", lambda s: (write(s / "study.yml", ""), validate(s))[1], "study.yml"),
    Case("study.yml holds a scalar", lambda s: (write(s / "study.yml", "just words\n"), validate(s))[1], "study.yml"),
    Case("study.yml holds a list", lambda s: (write(s / "study.yml", "- a\n- b\n"), validate(s))[1], "study.yml"),
    Case(
        "study.yml not UTF-8",
        lambda s: (write(s / "study.yml", b"name: \xff\xfe\x00bad\n"), validate(s))[1],
        "study.yml",
        line=False,
    ),
    Case("alias bomb", alias_bomb, "study.yml", line=False),
    Case("alias bomb in a validated field", alias_into_a_field, "study.yml", line=False),
    Case(
        "recursive alias", lambda s: (write(s / "study.yml", "a: &a [*a]\n"), validate(s))[1], "study.yml", line=False
    ),
    Case(
        "5,000 nested brackets",
        lambda s: (write(s / "study.yml", "a: " + "[" * 5000 + "]" * 5000 + "\n"), validate(s))[1],
        "study.yml",
        line=False,
    ),
    Case("impossible data_cut", lambda s: yml(s, "data_cut: 2021-03-31", "data_cut: 2021-02-30"), "study.yml"),
    Case(
        "tagged impossible date",
        lambda s: yml(s, "data_cut: 2021-03-31", "data_cut: !!timestamp 2021-02-30"),
        "study.yml",
        line=False,
    ),
    Case(
        "python object tag",
        lambda s: yml(s, "data_cut: 2021-03-31", 'data_cut: !!python/object/apply:os.system ["true"]'),
        "study.yml",
    ),
    Case(
        "NUL in a file name",
        lambda s: yml(s, "participants: participants.csv", 'participants: "a\\0b.csv"'),
        "study.yml",
    ),
    Case("file outside the study", outside_csv, "study.yml"),
    Case("absolute path", lambda s: yml(s, "participants: participants.csv", "participants: /etc/passwd"), "study.yml"),
    Case("symlink out of the study", symlink_out, "study.yml"),
    Case(
        "/proc file",
        lambda s: yml(s, "participants: participants.csv", "participants: /proc/self/environ"),
        "study.yml",
    ),
    Case("FIFO as a data file", fifo, "study.yml"),
    Case("folder as a data file", folder, "study.yml"),
    Case(
        "instrument name is a path",
        lambda s: yml(s, "instruments: [wemwbs, mjs, itp, mbi]", "instruments: [wemwbs, ../../outside/evil]"),
        "study.yml",
    ),
    Case(
        "unknown key",
        lambda s: yml(s, "timepoints: [T1, T2, T3]", "timepoints: [T1, T2, T3]\ncolour: red"),
        "study.yml",
    ),
    Case("no sites", lambda s: yml(s, "sites: [S1, S2, S3, S4, S5, S6, S7]", "sites: []"), "study.yml"),
    Case("sites repeat ignoring case", lambda s: yml(s, "sites: [S1, S2,", "sites: [S1, s1, S2,"), "study.yml"),
    Case("control character in a site", lambda s: yml(s, "sites: [S1, S2,", 'sites: ["S\\x07", S1, S2,'), "study.yml"),
    Case("study.yml over 1 MB", big_yaml, "study.yml", line=False),
    Case("tab indentation", lambda s: yml(s, "  bank:", "\tbank:"), "study.yml"),
    Case(
        "files key missing",
        lambda s: yml(s, "files:\n  participants: participants.csv", "filez:\n  participants: participants.csv"),
        "study.yml",
    ),
    Case("two sites, one report id", colliding_sites, "site.yml", line=False),
]


# ------------------------------------------------------------------ data files


def duplicate_item(study: Path) -> list[str]:
    path = study / "questionnaires.csv"
    lines = path.read_text().splitlines(keepends=True)
    lines = [lines[0].replace("wemwbs_2,", "wemwbs_1,", 1)] + lines[1:]
    path.write_text("".join(lines))
    return validate(study)


def age_twice(study: Path) -> list[str]:
    path = study / "participants.csv"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text(lines[0].rstrip("\n") + ",AGE\n" + "".join(line.rstrip("\n") + ",99\n" for line in lines[1:]))
    return validate(study)


def zip_bomb_xlsx(study: Path) -> list[str]:
    with zipfile.ZipFile(study / "contacts.xlsx", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (64 * 1024 * 1024))
    return yml(study, "contacts: contacts.csv", "contacts: contacts.xlsx")


def xlsx_duplicate(study: Path) -> list[str]:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["participant_id", "timepoint", "service", "contact", "Contact"])
    ws.append(["S1-PW01", "T1", "gp", "yes", "no"])
    wb.save(study / "service_use.xlsx")
    return yml(study, "service_use: service_use.csv", "service_use: service_use.xlsx")


def many_rows(study: Path) -> list[str]:
    return validate(study)


def huge_file(study: Path) -> list[str]:
    append(study / "contacts.csv", ("S1-PW02,S1-PW02-P01,2019-01-13,face_to_face,120,yes\n") * 40_000)
    return validate(study)


def sav_garbage(study: Path) -> list[str]:
    write(study / "participants.sav", b"$FL2@(#) not really SPSS" + bytes(range(256)) * 20)
    return yml(study, "participants: participants.csv", "participants: participants.sav")


DATA = [
    Case("questionnaire column twice", duplicate_item, "questionnaires.csv"),
    Case("age and AGE", age_twice, "participants.csv"),
    Case("empty participants file", lambda s: (write(s / "participants.csv", b""), validate(s))[1], "participants.csv"),
    Case(
        "binary contacts file", lambda s: (write(s / "contacts.csv", os.urandom(4096)), validate(s))[1], "contacts.csv"
    ),
    Case("NUL bytes in a CSV", contact(person="\0\0"), "contacts.csv"),
    Case("ragged row", contact(extra=",x,y"), "contacts.csv"),
    Case("unterminated quote", row("contacts.csv", 'S1-PW02,"S1-PW02-P01,2019-01-13'), "contacts.csv"),
    Case("impossible contact date", contact(date="2021-02-30"), "contacts.csv"),
    Case(
        "field past the CSV field limit",
        row("excerpts.csv", 'X-1,S1-PW01,T1,purpose,"' + "w" * 200_000 + '"'),
        "excerpts.csv",
    ),
    Case(
        "UTF-32 file",
        lambda s: (write(s / "service_use.csv", (s / "service_use.csv").read_text().encode("utf-32")), validate(s))[1],
        "service_use.csv",
    ),
    Case(
        "not a workbook",
        lambda s: (
            write(s / "contacts.xlsx", b"PK not a zip"),
            yml(s, "contacts: contacts.csv", "contacts: contacts.xlsx"),
        )[1],
        "contacts.xlsx",
        line=False,
    ),
    Case("zip bomb workbook", zip_bomb_xlsx, "contacts.xlsx", line=False),
    Case("workbook column twice", xlsx_duplicate, "service_use.xlsx"),
    Case("SPSS file that is not", sav_garbage, "participants.sav", line=False),
    Case("numbers that are not", contact(duration="1e309"), "contacts.csv"),
    Case("NaN as a number", contact(duration="nan"), "contacts.csv"),
    Case("control characters in an id", contact(pid="S1-PW02\x1b[2J", person="P"), "contacts.csv"),
    Case(
        "control character in an excerpt",
        row("excerpts.csv", "S1-PW01-T1-99,S1-PW01,T1,purpose,a bell\x07 rings"),
        "excerpts.csv",
    ),
    Case("rows over the limit", many_rows, "contacts.csv", env={"PEERIMPACT_MAX_ROWS": "100"}),
    Case("file over the size limit", huge_file, "contacts.csv", line=False, env={"PEERIMPACT_MAX_FILE_MB": "1"}),
    Case(
        "single file: column twice",
        lambda s: (duplicate_item(s), ["validate", str(s / "questionnaires.csv")])[1],
        "questionnaires.csv",
    ),
]


# ------------------------------------------------------------------ REFI-QDA


def qdpx(study: Path, members: dict[str, bytes], name: str = "project.qdpx") -> Path:
    path = study / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for member, data in members.items():
            z.writestr(member, data)
    return path


def example_members(study: Path) -> dict[str, bytes]:
    import pandas as pd

    path = write_qdpx(
        pd.read_csv(study / "codebook.csv", keep_default_na=False),
        pd.read_csv(study / "excerpts.csv", keep_default_na=False),
        study / "example.qdpx",
    )
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    path.unlink()
    return members


def qual(path: Path) -> list[str]:
    return ["qual", "import", str(path), "--out", str(path.parent / "imported")]


def project(body: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<Project xmlns="urn:QDA-XML:project:1.0" name="p">\n'
        + body
        + "\n</Project>\n"
    ).encode()


def non_utf8_source(study: Path) -> list[str]:
    members = example_members(study)
    source = next(n for n in members if n.startswith("Sources/"))
    members[source] = "Café du monde".encode("latin-1") + members[source]
    return qual(qdpx(study, members))


def bad_crc(study: Path) -> list[str]:
    members = example_members(study)
    path = study / "project.qdpx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for member, data in members.items():
            z.writestr(member, data)
    raw = bytearray(path.read_bytes())
    at = raw.find(b"<Project")
    raw[at + 10] ^= 0xFF  # a stored member's byte: its CRC no longer matches
    path.write_bytes(bytes(raw))
    return qual(path)


def nested_codes(study: Path) -> list[str]:
    codes = "".join(f'<Code guid="g{i}" name="c{i}" isCodable="true">' for i in range(3000)) + "</Code>" * 3000
    return qual(qdpx(study, {"project.qde": project(f"<CodeBook><Codes>{codes}</Codes></CodeBook>")}))


def source_bomb(study: Path) -> list[str]:
    members = example_members(study)
    source = next(n for n in members if n.startswith("Sources/"))
    members[source] = b"a" * (300 * 1024 * 1024)
    return qual(qdpx(study, members))


def study_with_project(study: Path, members: dict[str, bytes]) -> list[str]:
    qdpx(study, members, "interviews.qdpx")
    replace(study / "study.yml", "  codebook: codebook.csv\n", "")
    return yml(study, "excerpts: excerpts.csv", "excerpts: interviews.qdpx")


def overlapping_selections(study: Path) -> list[str]:
    text = "w" * 1_000_000
    selections = "".join(
        f'<PlainTextSelection guid="s{i}" name="s{i}" startPosition="0" endPosition="{len(text)}">'
        f'<Coding guid="k{i}"><CodeRef targetGUID="c1"/></Coding></PlainTextSelection>'
        for i in range(600)
    )
    body = (
        '<CodeBook><Codes><Code guid="c1" name="Code" isCodable="true"/></Codes></CodeBook><Sources>'
        f'<TextSource guid="t1" name="S1-PW01-T1"><PlainTextContent>{text}</PlainTextContent>{selections}'
        "</TextSource></Sources>"
    )
    return qual(qdpx(study, {"project.qde": project(body)}))


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<Project xmlns="urn:QDA-XML:project:1.0">&lol2;</Project>
"""

QDPX = [
    Case("project that is not a zip", lambda s: qual(write(s / "p.qdpx", b"not a zip at all")), "p.qdpx", line=False),
    Case("zip without project.qde", lambda s: qual(qdpx(s, {"readme.txt": b"hello"})), "project.qdpx", line=False),
    Case("entity expansion", lambda s: qual(qdpx(s, {"project.qde": BILLION_LAUGHS})), "project.qdpx"),
    Case("damaged archive (CRC)", bad_crc, "project.qdpx", line=False),
    Case("source text not UTF-8", non_utf8_source, "project.qdpx"),
    Case("3,000 nested codes", nested_codes, "project.qdpx"),
    Case("zip bomb source", source_bomb, "project.qdpx", line=False, slow=True),
    Case("root is not a Project", lambda s: qual(qdpx(s, {"project.qde": b"<Other/>"})), "project.qdpx"),
    Case("XML that does not parse", lambda s: qual(qdpx(s, {"project.qde": b"<Project><Codes>"})), "project.qdpx"),
    Case("empty project.qde", lambda s: qual(qdpx(s, {"project.qde": b""})), "project.qdpx"),
    Case(
        "zip-slip member names",
        lambda s: qual(qdpx(s, {"../../evil.txt": b"x", "/abs/evil": b"y"})),
        "project.qdpx",
        line=False,
    ),
    Case("codebook (.qdc) that is not XML", lambda s: qual(write(s / "c.qdc", b"\x00\x01garbage")), "c.qdc"),
    Case(
        "600 selections of a 1 MB source",
        overlapping_selections,
        "project.qdpx",
        slow=True,
        env={"PEERIMPACT_MAX_FILE_MB": "100"},
    ),
    Case(
        "study names a damaged project",
        lambda s: study_with_project(s, {"project.qde": b"<Project"}),
        "interviews.qdpx",
    ),
    Case(
        "study names a project with a bad source",
        lambda s: study_with_project(
            s, {**example_members(s), **{n: b"\xff\xfe" for n in example_members(s) if n.startswith("Sources/")}}
        ),
        "interviews.qdpx",
    ),
]


# ------------------------------------------------------------------ command lines and params


def score_over_input(study: Path) -> list[str]:
    return ["score", "--study", str(study), "--out", str(study / "participants.csv")]


def params_bomb(study: Path) -> list[str]:
    params = study.parent / "params"
    shutil.copytree(params_dir(), params)
    write(params / "analysis.yml", bomb("x", 9))
    return ["list", "--study", str(study), "--params", str(params), "--out", str(study.parent / "reports")]


def bad_instrument_file(study: Path) -> list[str]:
    (study / "instruments").mkdir()
    write(study / "instruments" / "wemwbs.yml", "id: wemwbs\nmin: 5\nmax: 1\nitems: 1-3\n")
    return validate(study)


OPTIONS = [
    Case("score over an input file", score_over_input, "participants.csv", line=False),
    Case(
        "score to an unknown format",
        lambda s: ["score", "--study", str(s), "--out", str(s.parent / "x.json")],
        "x.json",
        line=False,
    ),
    Case("study that does not exist", lambda s: ["validate", "--study", str(s / "nowhere")], "nowhere", line=False),
    Case(
        "--instrument that is a path",
        lambda s: ["validate", str(s / "questionnaires.csv"), "--instrument", "../../etc/passwd"],
        "--instrument",
        line=False,
    ),
    Case("params file that is an alias bomb", params_bomb, "analysis.yml", line=False),
    Case("invalid instrument definition", bad_instrument_file, "wemwbs.yml"),
    Case(
        "build of a study with an empty study.yml",
        lambda s: (write(s / "study.yml", ""), ["build", "--study", str(s), "--out", str(s.parent / "reports")])[1],
        "study.yml",
    ),
    Case(
        "build of files outside the study",
        lambda s: (outside_csv(s), ["build", "--study", str(s), "--out", str(s.parent / "reports")])[1],
        "study.yml",
    ),
]

CASES = STUDY_YML + DATA + QDPX + OPTIONS


def _digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def run_case(case: Case, tmp_path: Path, monkeypatch, *, exit_code: int = 2) -> str:
    """Run one case on a copy of the example study and check it: no traceback, exit 2, a problem
    naming ``case.where`` (and its line), no input changed, nothing written, done in time.
    With ``exit_code=0``, input read with a warning: exit 0 and a warning naming ``case.where``.
    Returns what the command printed, for a caller's checks of its own."""
    study = tmp_path / "study"
    shutil.copytree(example_study_dir(), study)
    argv = case.breaks(study)
    for key, value in (case.env or {}).items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)
    before = _digests(tmp_path)
    out, err = io.StringIO(), io.StringIO()
    started = time.monotonic()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(argv)
    took = time.monotonic() - started
    text = out.getvalue() + err.getvalue()
    assert "Traceback" not in text, text[-3000:]
    assert code == exit_code, text[-3000:]
    located = [
        line
        for line in text.splitlines()
        if case.where in line
        and (": warning: " in line if exit_code == 0 else ("error" in line or line.startswith("peerimpact")))
    ]
    assert located, text[-3000:]
    if case.line:
        assert any(re.search(re.escape(case.where) + r"[^ ]*:\d+:", line) for line in located), located
    after = _digests(tmp_path)
    assert {k: v for k, v in after.items() if k in before} == before  # no input changed
    written = set(after) - set(before)
    assert not written, written  # a command that stops on a problem writes nothing, not even part of a file
    assert took < SECONDS
    return text


@pytest.mark.parametrize(
    "case", [pytest.param(c, id=c.name, marks=[pytest.mark.slow] if c.slow else []) for c in CASES]
)
@pytest.mark.integration
def test_malformed_input_is_a_located_problem(case: Case, tmp_path: Path, monkeypatch) -> None:
    run_case(case, tmp_path, monkeypatch)


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 60
    assert len({c.name for c in CASES}) == len(CASES)
