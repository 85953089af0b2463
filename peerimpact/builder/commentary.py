"""The study team's commentary: Markdown files in the study folder, with live numbers.

``commentary/<report>.md`` goes under the heading of a report's first section (its key
messages); ``commentary/<report>/<section>.md`` under that section's heading. ``<report>`` is a
report's own id (``site-S7``) or its definition's (``site``, for every site's report); the
report's own wins. A file may name a fact of the report in a Jinja2 placeholder,
``{{ facts.recruitment.consented.total }}`` (:mod:`peerimpact.report.facts`), filled in once
the report's sections have run, from the tables they released. A placeholder naming a fact the
report does not have, or one its disclosure policy withheld, is an error at its line, and the
report is not built. The text is escaped like every other input: raw HTML shows as text.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, nodes
from jinja2.sandbox import SandboxedEnvironment

from ..problems import Problems
from ..report.facts import Fact, Facts
from ..report.html import commentary_html
from ..report.records import ProseRecord

FOLDER = "commentary"
MAX_BYTES = 200_000  # a commentary is a few paragraphs; a larger file is a mistake


@dataclass(frozen=True)
class Commentary:
    """One commentary file of a report: the section it goes under (``""``: the report's first),
    the file as the user named it, and its text."""

    section: str
    path: str
    text: str


def _environment() -> SandboxedEnvironment:
    return SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)


def find_commentary(
    study_dir: Path, report_id: str, definition: str, sections: list[str], problems: Problems
) -> tuple[Commentary, ...]:
    """The commentary files of one report, read and checked for Jinja2 syntax (each problem at its line)."""
    folder = study_dir / FOLDER
    if not folder.is_dir():
        return ()
    found = []
    for section in ["", *sections]:
        for owner in dict.fromkeys([report_id, definition]):
            path = folder / (f"{owner}.md" if not section else f"{owner}/{section}.md")
            if path.is_file():
                text = _read(path, problems)
                if text is not None:
                    found.append(Commentary(section, str(path), text))
                break
    return tuple(found)


def _read(path: Path, problems: Problems) -> str | None:
    if path.stat().st_size > MAX_BYTES:
        problems.add(
            path, rule="commentary", message=f"larger than {MAX_BYTES:,} bytes; a commentary is a few paragraphs"
        )
        return None
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.add(
            path,
            line=line,
            rule="encoding",
            value=raw[exc.start : exc.start + 4].hex(" "),
            message="not UTF-8 text; save the file as UTF-8",
        )
        return None
    try:
        _environment().parse(text)
    except TemplateSyntaxError as exc:
        problems.add(path, line=exc.lineno, rule="commentary", message=f"placeholder not understood: {exc.message}")
        return None
    return text


def _dotted(node: nodes.Node) -> str | None:
    """``facts.a.b`` (or ``facts["a"].b``) as the dotted name of a fact, else None."""
    parts: list[str] = []
    while isinstance(node, (nodes.Getattr, nodes.Getitem)):
        if isinstance(node, nodes.Getattr):
            parts.append(node.attr)
        elif isinstance(node.arg, nodes.Const):
            parts.append(str(node.arg.value))
        else:
            return None
        node = node.node
    if isinstance(node, nodes.Name) and node.name == "facts":
        return ".".join(reversed(parts))
    return None


def _outermost(tree: nodes.Template) -> Iterator[tuple[Any, str | None]]:
    """Each name a template reads: a whole ``facts.…`` chain once (not its inner links), any other name."""
    inner: set[int] = set()
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Name)):
        if id(node) in inner:
            continue
        child = node
        while isinstance(child, (nodes.Getattr, nodes.Getitem)):
            child = child.node
            inner.add(id(child))
        if isinstance(node, nodes.Name) and node.name != "facts" and node.ctx == "load":
            yield node, None
        elif isinstance(node, (nodes.Getattr, nodes.Getitem)) or getattr(node, "name", None) == "facts":
            yield node, _dotted(node)


def _column(text: str, line: int, name: str) -> int | None:
    lines = text.splitlines()
    if not 0 < line <= len(lines):
        return None
    at = lines[line - 1].find(name)
    return at + 1 if at >= 0 else None


def check(commentary: Commentary, facts: Facts, problems: Problems) -> None:
    """Every placeholder of ``commentary`` that names no fact of the report, or a withheld one, as a problem."""
    tree = _environment().parse(commentary.text)
    assigned = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    names = [f.name for f in facts]
    for node, dotted in _outermost(tree):
        if dotted is None:
            if node.name not in assigned:
                problems.add(
                    commentary.path,
                    line=node.lineno,
                    value=node.name,
                    rule="commentary",
                    message="a placeholder names facts only: {{ facts.NAME }}",
                )
            continue
        fact = facts.get(dotted)
        shown = f"facts.{dotted}" if dotted else "facts"
        column = _column(commentary.text, node.lineno, shown)
        where: dict[str, Any] = {"line": node.lineno, "column": f"column {column}" if column else None, "value": shown}
        if fact is None and not any(n.startswith(dotted + ".") for n in names):
            near = difflib.get_close_matches(dotted, names, n=2)
            hint = (
                f"; did you mean {' or '.join('facts.' + n for n in near)}?"
                if near
                else "; `peerimpact facts REPORT_DIR` lists them"
            )
            problems.add(commentary.path, rule="commentary", message=f"this report has no such fact{hint}", **where)
        elif fact is not None and fact.withheld:
            problems.add(
                commentary.path,
                rule="commentary",
                message=f"this figure is withheld in this report by its disclosure rules ({fact.table}, "
                f"column {fact.column}), so commentary cannot show it",
                **where,
            )
        elif fact is None and not dotted:
            problems.add(commentary.path, rule="commentary", message="name one fact: {{ facts.NAME }}", **where)


class _Tree:
    """Facts as Jinja2 reads them: ``facts.recruitment.consented.total``. A name that is both a fact
    and the start of longer names prints as the fact."""

    def __init__(self, children: dict[str, Any]) -> None:
        self._children = children

    def __getattr__(self, name: str) -> Any:
        try:
            return self._children[name]
        except KeyError:
            raise AttributeError(name) from None

    def __getitem__(self, name: str) -> Any:
        return self._children[name]

    def __str__(self) -> str:
        value = self._children.get("value")
        return str(value) if isinstance(value, Fact) else ""


def _tree(node: Any) -> Any:
    if isinstance(node, dict):
        return _Tree({k: _tree(v) for k, v in node.items()})
    return node


def fill(commentary: Commentary, facts: Facts) -> str:
    """The commentary's Markdown with its placeholders filled (call :func:`check` first)."""
    return _environment().from_string(commentary.text).render(facts=_tree(facts.tree()))


def render(commentary: Commentary, facts: Facts) -> str:
    """The commentary as the HTML report shows it (see :func:`fill`): raw HTML escaped, in a box."""
    return commentary_html(ProseRecord(fill(commentary, facts), role="commentary"))


def fill_commentary(
    commentary: tuple[Commentary, ...], facts: Facts, first: str
) -> tuple[dict[str, tuple[str, str]], Problems]:
    """Each section's commentary as filled Markdown, ``(under its heading, at its end)``: a
    section's own file under its heading, a report-wide one at the end of the report's first
    section (``first``, the key messages), after what the figures say; or the problems of its
    placeholders, all of them."""
    problems = Problems()
    for words in commentary:
        check(words, facts, problems)
    if problems:
        return {}, problems
    out: dict[str, tuple[str, str]] = {}
    for words in commentary:
        top, end = out.get(words.section or first, ("", ""))
        shown = fill(words, facts)
        joined = "\n\n".join
        out[words.section or first] = (
            (joined(filter(None, [top, shown])), end) if words.section else (top, joined(filter(None, [end, shown])))
        )
    return out, problems
