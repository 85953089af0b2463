"""What a report's extract may hold, checked without a kernel: its own participants, aggregates of
the rest, no pinned quote of anyone else, and its Tables 3 and 4, computed once for its sections."""

from __future__ import annotations

import dataclasses
import re

import nbformat
import pandas as pd
import pytest

from peerimpact import load_study
from peerimpact.analysis.descriptive import compare_to_norms, summarise_scores
from peerimpact.analysis.stats import change_over_time
from peerimpact.builder.plan import plan
from peerimpact.report import outcome_tables
from peerimpact.report.extract import read_extract, serialise, write_extract
from peerimpact.resources import notebooks_dir, params_dir

FRAMES_WITH_PEOPLE = ("participants", "scores", "service_use", "contacts", "excerpts")


@pytest.fixture(scope="module")
def planned():
    study = load_study()
    reports, problems = plan(study, params_dir() / "reports", params=params_dir())
    assert not problems.has_errors
    return study, {r.id: r for r in reports}


@pytest.mark.integration
def test_a_site_extract_holds_its_own_participants_and_nobody_else(planned):
    study, reports = planned
    people = study.participants.assign(site=study.participants["site"].astype(str))
    for site in study.sites:
        extract = reports[f"site-{site}"].extract
        own = set(people.loc[people["site"] == site, "participant_id"])
        for name in FRAMES_WITH_PEOPLE:
            ids = set(getattr(extract, name)["participant_id"])
            assert ids <= own, (site, name, ids - own)
        assert set(extract.participants["participant_id"]) == own
        assert list(extract.meta.sites) == [site] and extract.meta.scope == site
        others = set(study.participants["participant_id"]) - own
        text = b"".join(serialise(extract).values()).decode()
        assert not [pid for pid in others if pid in text], site


def test_comparators_are_aggregates_only(planned):
    _, reports = planned
    comparators = reports["site-S7"].extract.comparators
    assert list(comparators.columns) == ["instrument", "subscale", "timepoint", "n", "mean", "sd"]
    assert (comparators["n"] >= 2).all()  # a mean of several people, never one person's score


def test_pinned_quotes_of_other_sites_are_dropped(planned):
    study, reports = planned
    full = reports["study"].extract.meta.params
    pinned_everywhere = {i for ids in full.qualitative.pinned.values() for i in ids}
    assert pinned_everywhere  # the example pins quotes of several sites
    for site in study.sites:
        params = reports[f"site-{site}"].extract.meta.params
        shown = {i for ids in params.qualitative.pinned.values() for i in ids}
        own = set(reports[f"site-{site}"].extract.excerpts["excerpt_id"])
        assert shown <= own and shown == pinned_everywhere & own
        quoted = {q for p in params.synthesis.propositions for q in p.qualitative.quotes}
        assert quoted <= own


def test_capabilities_come_from_the_kind(planned):
    _, reports = planned
    assert reports["study"].extract.meta.compares_sites and not reports["study"].extract.meta.compares_with_study
    site = reports["site-S1"].extract.meta
    assert site.compares_with_study and not site.compares_sites


def test_meta_is_read_back_as_the_same_typed_object(planned, tmp_path):
    _, reports = planned
    extract = reports["cohort-early_starters"].extract
    again = read_extract(write_extract(serialise(extract), tmp_path / "extract"))
    assert again.meta == extract.meta
    assert again.meta.params.analysis.min_pairs == 6 and again.timepoints == ["T1", "T2", "T3"]
    with pytest.raises((AttributeError, ValueError)):
        again.meta.sites = ("S9",)  # frozen


@pytest.mark.integration
def test_a_registered_kind_is_planned_with_its_scopes_and_capabilities(tmp_path):
    from peerimpact.builder.kinds import KINDS, ReportKind, register_kind
    from peerimpact.report.extract import Scope

    def north(report, study, source, problems):
        people = study.participants
        ids = frozenset(people.loc[people["site"].astype(str).isin(["S1", "S2"]), "participant_id"])
        return [Scope("north", "North region", ids, ("S1", "S2"))]

    register_kind(ReportKind("region", north, compares_with_study=True))
    try:
        defs = tmp_path / "defs"
        defs.mkdir()
        (defs / "region.yml").write_text("id: region\nkind: region\ntitle: Region\nsections: [01_sample]\n")
        study = load_study()
        [report], problems = plan(study, defs, params=params_dir())
    finally:
        KINDS.unregister("region")
    assert not problems.has_errors and report.id == "region-north"
    meta = report.extract.meta
    assert meta.sites == ("S1", "S2") and meta.compares_with_study and not meta.compares_sites
    assert set(report.extract.participants["site"].astype(str)) == {"S1", "S2"}


def _same(computed, expected):
    """Frames equal cell for cell (a frame read back from CSV has nullable dtypes, and NaN for None)."""

    def text(frame):
        return frame.astype({"note": "str"}) if "note" in frame else frame

    pd.testing.assert_frame_equal(text(computed), text(expected), check_dtype=False, check_exact=True)
    assert computed.attrs == expected.attrs


@pytest.mark.integration
@pytest.mark.parametrize("multiplicity", ["none", "holm"])
def test_a_reports_tables_3_and_4_are_computed_once_as_its_extract_is_made(multiplicity, tmp_path):
    study = load_study()
    reports, problems = plan(
        study,
        params_dir() / "reports",
        params=params_dir(),
        only=["study", "funder", "site-S1", "cohort-bank"],
        overrides={"study.multiplicity": multiplicity},
    )
    assert not problems.has_errors and len(reports) == 4
    for report in reports:
        made = report.extract
        again = read_extract(write_extract(serialise(made), tmp_path / report.id))
        for extract in (made, again):  # as planned, and as the report's kernel reads it
            summary = compare_to_norms(summarise_scores(extract.scores), extract.norms)
            change = change_over_time(
                extract.scores, extract.comparisons, adjust=extract.multiplicity, min_pairs=extract.min_pairs
            )
            _same(extract.summary, summary)
            _same(extract.change, change)
        # Table 4's note counts every test made, adjusted or not
        assert again.change.attrs["tests"] == int(change["p"].notna().sum())
        assert report.id != "study" or again.change.attrs["tests"] > 0
    by_id = {r.id: r.extract for r in reports}
    # the whole study's figures and a whole-study report's own are made by one method
    _same(by_id["site-S1"].study_summary, by_id["study"].summary)
    _same(by_id["site-S1"].study_change, by_id["study"].change)


def test_sections_and_the_headline_read_the_reports_results(planned):
    """Tables 3 and 4 are computed where the extract is made: no section computes them again, and
    the headline's rows are the report's own Table 3 and 4 rows."""
    computing = re.compile(r"\b(summarise_scores|compare_to_norms|change_over_time)\b")
    readers = {"03_outcomes": "data.summary", "04_change": "data.change", "06_synthesis": "data.change"}
    for path in sorted(notebooks_dir().glob("*.ipynb")):
        code = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
        assert not computing.search(code), path.name
        assert readers.get(path.stem, "") in code, path.name
    _, reports = planned
    data = reports["funder"].extract
    marked = dataclasses.replace(data, summary=data.summary.assign(mean=-1.0), change=data.change.assign(change=-1.0))
    assert (outcome_tables.headline_norms(marked).data["mean"] == -1.0).all()
    assert (outcome_tables.headline_change(marked).data["change"] == -1.0).all()
    assert len(outcome_tables.headline_change(data).data) == sum(h.comparison is not None for h in data.meta.headline)
