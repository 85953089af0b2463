"""Which reports carry which data-quality alerts, and the build's output naming them."""

import pandas as pd
import pytest

from peerimpact.builder.prepare import prepare
from peerimpact.builder.request import BuildRequest


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    prep = prepare(BuildRequest(out=tmp_path_factory.mktemp("alerts") / "reports"))
    assert not prep.problems.has_errors
    return prep


def alerts(prepared, rid):
    [meta] = [r.extract.meta for r, *_ in prepared.reports if r.id == rid]
    return meta.alerts


@pytest.mark.integration
def test_the_site_whose_log_stops_early_is_named_in_its_own_report_the_funders_and_the_build_output(prepared):
    contacts = pd.read_csv("peerimpact/data/example/contacts.csv", parse_dates=["date"])
    people = pd.read_csv("peerimpact/data/example/participants.csv")
    last = (
        contacts.assign(site=contacts["participant_id"].map(dict(zip(people["participant_id"], people["site"]))))
        .groupby("site")["date"]
        .max()
    )
    early = last[last < pd.Timestamp("2021-01-01")].index.tolist()
    assert early == ["S7"]  # the example's story: one site stops three months before the 31 Mar 2021 cut
    for rid in ("funder", "study", "site-S7"):
        [stop] = [a for a in alerts(prepared, rid) if a.alert == "contacts_stop"]
        assert stop.site == "S7" and stop.count == 3 and "contacts.csv" in stop.check
    assert not [a for a in alerts(prepared, "site-S1") if a.site not in (None, "S1")]
    warnings = [p for p in prepared.problems.warnings if p.rule == "data-quality"]
    assert any(p.file.endswith("contacts.csv") and p.value == "S7" for p in warnings)


def test_a_cohort_report_carries_a_sites_alerts_only_where_it_holds_all_of_the_sites_peer_workers(prepared):
    people = pd.read_csv("peerimpact/data/example/participants.csv")
    for cohort in ("contracted", "bank"):
        mine = people[people["contract_type"] == cohort]
        whole = {
            site for site, part in people.groupby("site") if set(part["participant_id"]) <= set(mine["participant_id"])
        }
        partial = set(mine["site"]) - whole
        assert partial  # the example's cohorts split sites
        sites = {a.site for a in alerts(prepared, f"cohort-{cohort}")} - {None}
        assert sites <= whole and not sites & partial


def test_the_alerts_are_on_the_first_page_of_the_reports_they_concern(built):
    from conftest import pdf_pages

    for rid in ("funder", "site-S7"):
        first = " ".join(pdf_pages(built / rid / "report.pdf")[0].split())
        assert "Data-quality alerts" in first and "S7's contact log stops on 21 Dec 2020" in first, rid
