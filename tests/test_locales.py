"""A report's locale: numbers and dates as the CLDR writes them in that locale, checked against
references written here (Python's own grouping, a brute-force Indian grouping, strftime's month
names), and a spelling that reaches every format's words but never a quote or the commentary."""

import calendar
import datetime as dt
import html
import random
import re
import zipfile
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import pytest

from peerimpact import load_study
from peerimpact.ingest.study import InvalidStudy
from peerimpact.locales import AMERICAN, BRITISH, ReportLocale, current, respell, spellings, using_locale
from peerimpact.report.formats import fmt_count, fmt_date, fmt_number, fmt_p, fmt_short_date
from peerimpact.report.records import ProseRecord, Quote, QuotesRecord, TableRecord, respelled

US, INDIA, IRELAND = ReportLocale("en-US"), ReportLocale("en-IN"), ReportLocale("en-IE")


def half_up(value: float, digits: int) -> str:
    """``value`` to ``digits`` decimals, a half away from zero, as SPSS prints: read at the 10
    significant digits a report reads a figure at (3.3499999999999996 is 3.35)."""
    return str(Decimal(f"{value:.10g}").quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def indian(whole: str) -> str:
    """Indian grouping by hand: the last three digits, then pairs (12,34,567)."""
    head, tail = whole[:-3], whole[-3:]
    pairs = []
    while head:
        pairs.insert(0, head[-2:])
        head = head[:-2]
    return ",".join([*pairs, tail]) if pairs else tail


def test_numbers_are_grouped_and_rounded_as_english_locales_write_them():
    rng = random.Random(7)
    for _ in range(500):
        value = rng.uniform(-3e6, 3e6) if rng.random() < 0.5 else rng.uniform(-50, 50)
        digits = rng.randint(0, 3)
        reference = half_up(value, digits)
        if float(reference) == 0:
            reference = reference.lstrip("-")
        sign, _, rest = reference.rpartition("-")
        whole, point, decimals = rest.partition(".")
        for locale, grouped in ((BRITISH, f"{int(whole):,}"), (US, f"{int(whole):,}"), (INDIA, indian(whole))):
            with using_locale(locale):
                assert (
                    fmt_number(value, digits)
                    == f"{'-' if sign == '' and reference.startswith('-') else ''}{grouped}{point}{decimals}"
                ), value


def test_counts_p_values_and_dates_follow_the_locale_in_force():
    with using_locale(INDIA):
        assert fmt_count(1234567) == "12,34,567"
    assert fmt_count(1234567) == "1,234,567"  # en-GB outside the block
    assert fmt_p(0.0004) == "<0.001" and fmt_p(0.04449) == "0.044" and fmt_p(0.0445) == "0.045"
    day = dt.date(2020, 1, 1)
    while day.year == 2020:
        month, short = calendar.month_name[day.month], calendar.month_abbr[day.month]
        assert fmt_date(day) == f"{day.day} {month} {day.year}"
        assert fmt_short_date(day) == f"{day.day} {short} {day.year}"  # three letters: Sep, not the CLDR's Sept
        with using_locale(US):
            assert fmt_date(day) == f"{month} {day.day}, {day.year}"
            assert fmt_short_date(day) == f"{short} {day.day}, {day.year}"
        with using_locale(IRELAND):
            assert fmt_date(day) == f"{day.day} {month} {day.year}"
        day += dt.timedelta(days=1)


def test_using_locale_nests_and_restores():
    assert current() == BRITISH
    with using_locale(US):
        with using_locale(INDIA):
            assert current() is INDIA
        assert current() is US
    assert current() == BRITISH


def test_american_spelling_keeps_case_and_leaves_words_spelt_alike():
    text = "Depersonalisation, PROGRAMME and programmes were labelled; otherwise the expertise, praise and raise."
    assert respell(text, "american") == (
        "Depersonalization, PROGRAM and programs were labeled; otherwise the expertise, praise and raise."
    )
    assert respell(text, "british") == text
    assert respell("programmed reprogramme", "american") == "programmed reprogramme"  # whole words only
    assert ReportLocale("en-US").spelling == "american" and ReportLocale("en-AU").spelling == "british"
    assert ReportLocale("en-US", "british").spelling == "british"
    for british, american in AMERICAN.items():  # each entry is a word, lower case
        assert re.fullmatch(r"[a-z]+", british) and re.fullmatch(r"[a-z]+", american)
    assert set(spellings) == {"british", "american"}


def test_respelling_a_record_never_touches_a_quote_or_the_commentary():
    quote = Quote("I recognised the programme in myself", "Peer worker, T2")
    quotes = QuotesRecord("quotes", "Quotes labelled by theme", (("Programme fit", (quote,)),), note="Labelled")
    out = respelled(quotes, US.spell)
    assert out.title == "Quotes labeled by theme" and out.note == "Labeled"
    assert out.themes == (("Program fit", (quote,)),)
    commentary = ProseRecord("Our programme is recognised.", role="commentary")
    assert respelled(commentary, US.spell) == commentary
    prose = ProseRecord("The [programme](#section-programme) table.")
    assert respelled(prose, US.spell).source == "The [program](#section-programme) table."
    table = TableRecord(
        "t", "Programme", ("Depersonalisation",), (("labelled", None),), withheld_cells=((0, "Depersonalisation"),)
    )
    spelled = respelled(table, US.spell)
    assert (spelled.caption, spelled.columns, spelled.rows) == ("Program", ("Depersonalization",), (("labeled", None),))
    assert spelled.withheld_cells == ((0, "Depersonalization"),)  # still naming a column the table has


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("locale: fr-FR", "written in English"),
        ("locale: en-XX", "not a locale the Unicode CLDR knows"),
        ("locale: english", "not a locale the Unicode CLDR knows"),
        ("spelling: canadian", "spellings are british, american"),
    ],
)
def test_a_locale_the_reports_cannot_use_is_a_located_problem(example_copy, line, message):
    yml = example_copy / "study.yml"
    text = yml.read_text()
    yml.write_text(text + line + "\n")
    with pytest.raises(InvalidStudy) as refused:
        load_study(example_copy)
    [problem] = refused.value.problems.errors
    key, value = line.split(": ")
    assert (problem.line, problem.column, problem.value) == (len(text.splitlines()) + 1, key, value)
    assert message in problem.message and "Traceback" not in problem.format()


BRITISH_WORDS = re.compile(
    r"\b(programmes?|depersonalisation|labell(?:ed|ing)|recognised?|standardised|normalised|summaris(?:e|ed|es)"
    r"|centres?|colours?|counselling|behaviours?|organisations?|analysed|randomised)\b",
    re.IGNORECASE,
)
MONTHS = "|".join(calendar.month_abbr[1:] + calendar.month_name[1:])
DAY_FIRST = re.compile(rf"\b\d{{1,2}} (?:{MONTHS}) \d{{4}}\b")


def _words(path) -> str:
    """The text a reader of ``path`` reads: HTML without its markup, a DOCX's or XLSX's XML text."""
    if path.suffix == ".html":
        text = re.sub(r"<(style|script)\b.*?</\1>", "", path.read_text(), flags=re.S)
        return html.unescape(re.sub(r"<[^>]+>", " ", text))
    with zipfile.ZipFile(path) as z:
        return " ".join(
            html.unescape(re.sub(r"<[^>]+>", " ", z.read(n).decode())) for n in z.namelist() if n.endswith(".xml")
        )


def plainer(text: str) -> str:
    """Text with its spaces and line breaks as one space and its apostrophes straight, so that a
    PDF's and an HTML page's copies of one quote are equal."""
    return re.sub(r"\s+", " ", text.replace("’", "'")).strip()


@pytest.mark.kernel
def test_an_american_study_gets_american_words_and_dates_in_every_format(example_copy, tmp_path):
    from conftest import pdf_text
    from peerimpact.builder.pipeline import build

    yml = example_copy / "study.yml"
    yml.write_text(yml.read_text() + "locale: en-US\n")
    out = tmp_path / "reports"
    only = ["site-S1", "site-S7", "funder"]
    result = build(example_copy, out=out, only=only, jobs=2, echo=lambda m: None)
    assert result.exit_code == 0, [o.error for o in result.failed]
    excerpts = pd.read_csv(example_copy / "excerpts.csv", dtype=str)["text"].tolist()
    config = load_study(example_copy).config
    assert config.funder is not None and BRITISH_WORDS.search(config.funder.name)
    names = [config.name, config.funder.name]  # the study's own names, as it writes them
    quoted, commentary = 0, []
    for rid in only:
        folder = out / rid
        page = (folder / "report.html").read_text()
        quotes = [
            html.unescape(re.sub(r"<[^>]+>", "", q))
            for q in re.findall(r'<blockquote class="pi-quote"><p>(.*?)</p>', page, re.S)
        ]
        for q in quotes:  # a participant's words as they said them, British spellings and all
            assert any(q.strip("“” \n") in e for e in excerpts), q
        quoted += sum(bool(BRITISH_WORDS.search(q)) for q in quotes)
        # the study team's commentary, as they wrote it: its paragraphs, as the HTML shows them
        boxes = re.findall(r'<aside class="pi-box pi-box-commentary".*?</aside>', page, re.S)
        commentary += [
            html.unescape(re.sub(r"<[^>]+>", "", p)) for b in boxes for p in re.findall(r"<p>(.*?)</p>", b, re.S)
        ]
        quotes += commentary + names
        for path in (folder / "report.html", folder / "report.docx", folder / "report.pdf", folder / "tables.xlsx"):
            text = plainer(pdf_text(path) if path.suffix == ".pdf" else _words(path))
            for q in quotes:
                text = text.replace(plainer(q.strip("“” \n")), "")
            assert not BRITISH_WORDS.findall(text), (path, BRITISH_WORDS.findall(text))
            assert not DAY_FIRST.findall(text), (path, DAY_FIRST.findall(text))
        figures = re.findall(r"<svg\b.*?</svg>", page, re.S)
        assert figures and not any(BRITISH_WORDS.search(html.unescape(f)) for f in figures)
    assert quoted, "the example quotes no British spelling: the check above cannot fail"
    assert any(BRITISH_WORDS.search(p) for p in commentary)  # kept as the study team spelt it
    funder = _words(out / "funder" / "report.html")
    assert "program" in funder and "March 31, 2021" in funder and "Mar 31, 2021" in funder


def test_the_title_block_respells_the_package_words_and_keeps_the_studys_names():
    from peerimpact.builder.document import ReportDocument, Section

    title = {
        "title": "Programme progress report",
        "study_name": "Peer Worker Programme evaluation",
        "facts": [("Funder", "Programme Grants for Applied Research"), ("Colour", "labelled")],
        "report_id": "funder",
    }
    doc = ReportDocument(title, (Section("section-a", "The programme", ()),)).respelled(US.spell)
    assert doc.title["title"] == "Program progress report" and doc.sections[0].title == "The program"
    assert doc.title["study_name"] == "Peer Worker Programme evaluation"
    assert doc.title["facts"] == [("Funder", "Programme Grants for Applied Research"), ("Color", "labelled")]
