"""XML read safely, with line numbers: expat parses it into :class:`Node` trees, and every
document type declaration is refused, so no entity is ever expanded or fetched; nesting
deeper than the limits allow is refused too."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NoReturn
from xml.parsers import expat

from ..limits import current


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

    def refuse(*_args: object) -> NoReturn:
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
