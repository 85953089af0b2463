"""The one registry every extension point is: order, lookup, the message of an unknown name,
decorator use, and the registries the package ships."""

from __future__ import annotations

import pytest

from peerimpact.registry import Registry, UnknownName


def registry() -> Registry[int]:
    numbers: Registry[int] = Registry("number")
    numbers.register("two", 2)
    numbers.register("one", 1)
    numbers.register("three", 3)
    return numbers


def test_names_and_items_come_in_registration_order():
    numbers = registry()
    assert numbers.names() == ("two", "one", "three") == tuple(numbers)
    assert numbers.values() == (2, 1, 3)
    assert numbers.items() == (("two", 2), ("one", 1), ("three", 3))
    assert len(numbers) == 3 and list(numbers) == ["two", "one", "three"]


def test_a_registered_name_is_found_and_others_are_not():
    numbers = registry()
    assert numbers.get("one") == 1 == numbers["one"]
    assert "one" in numbers and "four" not in numbers and 1 not in numbers


def test_an_unknown_name_is_refused_with_the_names_there_are():
    numbers = registry()
    with pytest.raises(UnknownName) as raised:
        numbers.get("four")
    assert str(raised.value) == "unknown number 'four'; numbers are two, one, three"
    assert raised.value.name == "four"
    with pytest.raises(KeyError, match="numbers are two, one, three"):  # as a dict's missing key is
        numbers["four"]


def test_the_message_without_the_name_is_for_a_problem_that_shows_the_value():
    assert registry().unknown() == "unknown number; numbers are two, one, three"
    policies: Registry[str] = Registry("disclosure policy", plural="disclosure policies")
    assert policies.unknown("x") == "unknown disclosure policy 'x'; disclosure policies are none"


def test_a_default_is_returned_for_an_unknown_name_when_given():
    numbers = registry()
    assert numbers.get("four", None) is None
    assert numbers.get("four", 0) == 0 and numbers.get("one", 0) == 1


def test_registering_a_name_again_replaces_its_item_in_its_place():
    numbers = registry()
    assert numbers.register("one", 10) == 10
    assert numbers.items() == (("two", 2), ("one", 10), ("three", 3))


def test_unregistering_removes_a_name_and_gives_back_its_item():
    numbers = registry()
    assert numbers.unregister("one") == 1
    assert numbers.names() == ("two", "three")
    with pytest.raises(UnknownName, match="numbers are two, three"):
        numbers.unregister("one")


def test_register_decorates_and_returns_what_it_decorates():
    greetings: Registry[object] = Registry("greeting")

    @greetings.register("hello")
    def hello() -> str:
        return "hello"

    assert hello() == "hello" and greetings["hello"] is hello


def test_a_decorator_without_a_name_is_refused():
    greetings: Registry[object] = Registry("greeting")
    with pytest.raises(TypeError, match="registered under a name"):

        @greetings.register  # the mistake under test: no name
        def hello() -> str:
            return "hello"


def test_iterating_while_registering_sees_the_names_as_they_were():
    numbers = registry()
    for name in numbers:
        numbers.register(name + "!", 0)
    assert len(numbers) == 6


def test_every_extension_point_is_a_registry_of_its_own_items():
    from peerimpact.builder.executors import EXECUTORS, ExecutorKind
    from peerimpact.builder.formats import FORMATS, OutputFormat
    from peerimpact.builder.kinds import KINDS, ReportKind
    from peerimpact.builder.word import WRITERS
    from peerimpact.export import WRITERS as EXPORTS
    from peerimpact.ingest.writers import WRITERS as TABLES
    from peerimpact.report.facts import FACT_TABLES, FactTable
    from peerimpact.report.html import RENDERERS
    from peerimpact.report.policies import POLICIES, DisclosurePolicy
    from peerimpact.report.summary import MESSAGES  # the writers register as summary is imported

    named = [(KINDS, ReportKind), (FORMATS, OutputFormat), (EXECUTORS, ExecutorKind), (POLICIES, DisclosurePolicy)]
    for found, kind in named:
        assert isinstance(found, Registry) and len(found)
        assert all(isinstance(item, kind) and item.name == name for name, item in found.items())
    assert KINDS.names()[:3] == ("study", "site", "cohort")  # definitions sort by this order
    assert FORMATS.names() == ("html", "pdf", "xlsx", "docx")
    assert all(isinstance(spec, FactTable) for spec in FACT_TABLES.values()) and "recruitment" in FACT_TABLES
    # the areas speak in this order: the programme's first, the outcomes last
    assert MESSAGES.names()[0] == "recruitment" and MESSAGES.names()[-1] == "outcomes"
    assert all(callable(writer) for writer in MESSAGES.values())
    record_kinds = {"table", "figure", "quotes", "text", "prose"}
    assert set(RENDERERS) == record_kinds == set(WRITERS)
    assert isinstance(EXPORTS, Registry) and EXPORTS.names() == ("csv", "xlsx", "sav", "dta", "parquet")
    assert isinstance(TABLES, Registry) and TABLES.names() == (".csv", ".xlsx")
    with pytest.raises(UnknownName, match="^unknown output format 'pfd'; output formats are html, pdf, xlsx, docx$"):
        FORMATS.get("pfd")


def test_a_definition_naming_what_is_not_registered_is_told_where_and_what_there_is(tmp_path):
    from peerimpact.builder.definitions import load_report_defs
    from peerimpact.problems import Problems

    (tmp_path / "x.yml").write_text(
        "id: x\ntitle: X\nkind: regio\nsections: [01_sample]\nformats: [html, pfd]\ndisclosure: secret\n"
    )
    problems = Problems()
    assert load_report_defs(tmp_path, problems) == []
    said = {(p.line, p.column, p.value): p.message for p in problems.errors}
    assert said[(3, "kind", "regio")] == "unknown report kind; report kinds are study, site, cohort, funder"
    assert said[(5, "formats.1", "pfd")] == "unknown output format; output formats are html, pdf, xlsx, docx"
    assert said[(6, "disclosure", "secret")].startswith("unknown disclosure policy; disclosure policies are none")
