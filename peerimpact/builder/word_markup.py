"""The WordprocessingML python-docx has no call for, written as elements: runs, fields (``PAGE``,
``NUMPAGES``, ``TOC``), bookmarks, and the numbering of the report's lists."""

from __future__ import annotations


def element(tag: str, **attrs: str):
    """A ``w:`` element ``tag`` with ``attrs`` (named without their ``w:``)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    return OxmlElement(tag, attrs={qn(f"w:{k}"): v for k, v in attrs.items()})


def _run(*children):
    run = element("w:r")
    for child in children:
        run.append(child)
    return run


def text_run(text: str):
    """A run of ``text``, its spaces kept."""
    from docx.oxml.ns import qn

    t = element("w:t")
    t.set(qn("xml:space"), "preserve")
    t.text = text
    return _run(t)


def field_start(parent, instruction: str) -> None:
    """The start of a Word field (``PAGE``, ``NUMPAGES``, ``TOC …``) at the end of ``parent`` (a
    paragraph's or hyperlink's element); what follows, up to :func:`field_end`, is what it shows
    until Word or LibreOffice computes it."""
    from docx.oxml.ns import qn

    instr = element("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    parent.append(_run(element("w:fldChar", fldCharType="begin")))
    parent.append(_run(instr))
    parent.append(_run(element("w:fldChar", fldCharType="separate")))


def field_end(parent) -> None:
    parent.append(_run(element("w:fldChar", fldCharType="end")))


def field(parent, instruction: str, shown: str) -> None:
    """A whole field at the end of ``parent``, showing ``shown`` until it is computed."""
    field_start(parent, instruction)
    if shown:
        parent.append(text_run(shown))
    field_end(parent)


def bookmark(paragraph, name: str, number: int) -> None:
    """Bookmark the whole of ``paragraph`` as ``name`` (what a contents entry points at)."""
    p = paragraph._p
    start = element("w:bookmarkStart", id=str(number), name=name)
    ppr = p.pPr
    p.insert(0 if ppr is None else list(p).index(ppr) + 1, start)
    p.append(element("w:bookmarkEnd", id=str(number)))


class Lists:
    """Numbering for the report's lists: one bullet and one numbered definition, and a numbering
    instance per numbered list so that each starts at 1 (Word's List Number style alone runs on
    from one list to the next)."""

    def __init__(self, word) -> None:
        self.word = word
        self.abstract: dict[bool, str] = {}

    def _definition(self, ordered: bool) -> str:
        from docx.oxml import parse_xml
        from docx.oxml.ns import nsdecls, qn

        if ordered not in self.abstract:
            numbering = self.word.part.numbering_part.element
            used = [int(a) for a in numbering.xpath("./w:abstractNum/@w:abstractNumId")]
            number = str(max(used, default=-1) + 1)
            fmt, text = ("decimal", "%{n}.") if ordered else ("bullet", "•")
            levels = "".join(
                f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
                f'<w:lvlText w:val="{text.format(n=i + 1)}"/><w:lvlJc w:val="left"/>'
                f'<w:pPr><w:ind w:left="{360 * (i + 1)}" w:hanging="280"/></w:pPr></w:lvl>'
                for i in range(3)
            )
            definition = parse_xml(
                f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{number}">'
                f'<w:multiLevelType w:val="hybridMultilevel"/>{levels}</w:abstractNum>'
            )
            nums = numbering.findall(qn("w:num"))
            if nums:
                nums[0].addprevious(definition)
            else:
                numbering.append(definition)
            self.abstract[ordered] = number
        return self.abstract[ordered]

    def new(self, ordered: bool) -> int:
        """The numbering instance of a new list."""
        from docx.oxml.ns import qn

        numbering = self.word.part.numbering_part.element
        num = numbering.add_num(int(self._definition(ordered)))
        if ordered:
            override = element("w:lvlOverride", ilvl="0")
            override.append(element("w:startOverride", val="1"))
            num.append(override)
        return int(num.get(qn("w:numId")))


def list_item(container, style: str, number: int, level: int = 0):
    """A paragraph in ``style`` at the end of ``container``, an item of the list ``number`` (from
    :meth:`Lists.new`), at nesting ``level`` (0 to 2)."""
    paragraph = container.add_paragraph(style=style)
    numbered = paragraph._p.get_or_add_pPr().get_or_add_numPr()
    numbered.get_or_add_ilvl().val = level
    numbered.get_or_add_numId().val = number
    return paragraph
