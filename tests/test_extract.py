"""What a report's extract may hold, checked without a kernel: its own participants, aggregates of
the rest, and no pinned quote of anyone else."""

from __future__ import annotations

import pytest

from peerimpact import load_study
from peerimpact.builder.plan import plan
from peerimpact.report.extract import read_extract, serialise, write_extract
from peerimpact.resources import params_dir

FRAMES_WITH_PEOPLE = ("participants", "scores", "service_use", "contacts", "excerpts")


@pytest.fixture(scope="module")
def planned():
    study = load_study()
    reports, problems = plan(study, params_dir() / "reports", params=params_dir())
    assert not problems.has_errors
    return study, {r.id: r for r in reports}


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
