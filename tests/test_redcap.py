"""A REDCap project read as REDCap exports it: the example written as one reads back as the
embedded example, and what a data manager gets wrong in REDCap is said in REDCap's terms."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pandas as pd
import pytest

import peerimpact
from peerimpact.example.generator import write
from peerimpact.ingest.redcap import Locator
from peerimpact.ingest.redcap_dictionary import checkbox_column, parse_choices
from peerimpact.problems import InvalidStudy, Problem
from peerimpact.resources import example_study_dir

FRAMES = ("participants", "questionnaires", "service_use", "contacts", "scores", "codebook", "excerpts")
RECORDS = "redcap/records.csv"


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> Path:
    """The example written as a REDCap project (do not change it: copy it with ``project``)."""
    out = tmp_path_factory.mktemp("redcap") / "study"
    write(out, format="redcap")
    return out


@pytest.fixture
def project(written: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "study"
    shutil.copytree(written, dest)
    return dest


class Export:
    """The records export as a list of rows, edited cell by cell the way a data manager would."""

    def __init__(self, study: Path) -> None:
        self.path = study / RECORDS
        rows = list(csv.reader(io.StringIO(self.path.read_text(encoding="utf-8"))))
        self.header, self.rows = rows[0], rows[1:]
        self.at = {c: i for i, c in enumerate(self.header)}

    def row(self, record: str, event: str) -> tuple[int, list[str]]:
        """The (line, cells) of a record's event row (not a repeating instance)."""
        for n, row in enumerate(self.rows, start=2):
            if row[0] == record and row[1] == event and not row[self.at["redcap_repeat_instrument"]]:
                return n, row
        raise KeyError((record, event))

    def set(self, record: str, event: str, column: str, value: str) -> int:
        line, row = self.row(record, event)
        row[self.at[column]] = value
        return line

    def get(self, record: str, event: str, column: str) -> str:
        return self.row(record, event)[1][self.at[column]]

    def save(self) -> None:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows([self.header, *self.rows])
        self.path.write_text(buffer.getvalue(), encoding="utf-8")


def edit_yml(study: Path, old: str, new: str) -> None:
    yml = study / "study.yml"
    text = yml.read_text(encoding="utf-8")
    assert old in text
    yml.write_text(text.replace(old, new, 1), encoding="utf-8")


def formatted(problems, study: Path | None = None) -> list[str]:
    """Each problem as printed, its file named inside the study folder."""
    return [p.format().removeprefix(f"{study}/") for p in problems]


def test_the_example_written_as_a_redcap_project_reads_back_as_the_embedded_example(written):
    csv_study = peerimpact.load_study(example_study_dir())
    redcap_study = peerimpact.load_study(written)
    assert formatted(redcap_study.problems, written) == []
    for name in FRAMES:
        pd.testing.assert_frame_equal(getattr(redcap_study, name), getattr(csv_study, name), obj=name)
    # the project holds what REDCap's export holds: codes, not the example's own labels
    export = Export(written)
    assert export.get("S1-PW01", "baseline_arm_1", "contract_type") in ("1", "2")
    assert export.header[:5] == [
        "record_id",
        "redcap_event_name",
        "redcap_repeat_instrument",
        "redcap_repeat_instance",
        "redcap_data_access_group",
    ]
    assert "ASKU" in {row[export.at["age"]] for row in export.rows}  # ages not given are a missing-data code


def test_a_wrong_code_an_unknown_event_a_bad_checkbox_and_an_incomplete_form_are_located(project):
    export = Export(project)
    items = [f"wemwbs_{i}" for i in range(1, 15)]
    whole = [r[0] for r in export.rows if r[1] == "month_4_arm_1" and all(r[export.at[c]] for c in items)]
    first, second = whole[:2]  # two records whose T2 WEMWBS is complete in the export
    wrong = export.set(first, "month_4_arm_1", "wemwbs_3", "9")
    unk = export.set(second, "month_4_arm_1", "wemwbs_7", "UNK")
    export.set(second, "month_4_arm_1", "wemwbs_complete", "0")
    unknown = export.set("S1-PW03", "month_12_arm_1", "redcap_event_name", "month_18_arm_1")
    ticked = export.set("S2-PW01", "baseline_arm_1", "services_used___3", "2")
    export.save()

    study = peerimpact.load_study(project)

    found = formatted(study.problems, project)
    assert (
        f"{RECORDS}:{wrong}: record '{first}' event 'month_4_arm_1' field 'wemwbs_3': error: not one of the "
        "field's choices in the data dictionary: 1, 2, 3, 4, 5 [redcap-choice] (value '9')"
    ) in found
    assert (
        f"{RECORDS}:{unk}: record '{second}' event 'month_4_arm_1' field 'wemwbs_complete': warning: form "
        "'wemwbs' is saved as Incomplete; its data are read as they are: check it, then mark it Complete in "
        "REDCap [redcap-incomplete] (value '0')"
    ) in found
    assert any(
        p.startswith(f"{RECORDS}:{unknown}: record 'S1-PW03' event 'month_18_arm_1': error: unknown event")
        for p in found
    )
    assert (
        f"{RECORDS}:{ticked}: record 'S2-PW01' event 'baseline_arm_1' field 'services_used___3': error: "
        "a checkbox is 1 (ticked) or 0 [redcap-choice] (value '2')"
    ) in found
    assert len(found) == 4  # the missing-data code is no problem

    # the scores, worked out here from the export: WEMWBS is the sum of its 14 items, one missing
    # item prorated (the mean of the 13 answered, times 14)
    scores = study.scores.set_index(["participant_id", "timepoint", "instrument", "subscale"])["score"]
    for record, gap in ((first, "wemwbs_3"), (second, "wemwbs_7")):
        answered = [int(export.get(record, "month_4_arm_1", c)) for c in items if c != gap]
        assert scores[(record, "T2", "wemwbs", "total")] == pytest.approx(sum(answered) / 13 * 14)
    # the row of the unknown event is not read; S2-PW01's other services are
    held = set(zip(study.questionnaires["participant_id"], study.questionnaires["timepoint"]))
    assert ("S1-PW03", "T3") not in held and ("S1-PW03", "T1") in held
    use = study.service_use[
        (study.service_use["participant_id"] == "S2-PW01") & (study.service_use["timepoint"] == "T1")
    ]
    assert len(use) == 12 and use["contact"].isna().sum() == 1


def test_without_its_missing_data_codes_a_code_is_a_wrong_choice_and_the_project_settings_can_give_them(project):
    export = Export(project)
    line = export.set("S1-PW02", "month_4_arm_1", "wemwbs_7", "UNK")
    export.save()
    edit_yml(project, 'missing_codes: "UNK, Unknown | NASK, Not asked | ASKU, Asked but unknown"', "missing_codes: []")
    found = formatted(peerimpact.load_study(project).problems, project)
    assert any(
        p.startswith(f"{RECORDS}:{line}: record 'S1-PW02' event 'month_4_arm_1' field 'wemwbs_7': error: not one of")
        for p in found
    )
    assert any("field 'age'" in p and "(value 'ASKU')" in p for p in found)

    # the API's project information export names the codes
    (project / "redcap" / "project.csv").write_text(
        'project_id,project_title,missing_data_codes\n12,Example,"UNK, Unknown | NASK, Not asked | ASKU, Asked but unknown"\n',
        encoding="utf-8",
    )
    edit_yml(project, "missing_codes: []", "missing_codes: []\n  project: redcap/project.csv")
    study = peerimpact.load_study(project)
    assert formatted(study.problems, project) == []
    person = study.participants.set_index("participant_id")
    asked = [row[0] for row in export.rows if row[export.at["age"]] == "ASKU"]
    assert asked and person.loc[asked, "age"].isna().all()


def test_dates_as_a_dmy_project_exports_them(project, written):
    export = Export(project)
    dated = [c for c in export.header if c.endswith(("_date", "_timestamp"))]
    for row in export.rows:
        for column in dated:
            cell = row[export.at[column]]
            if cell:
                day, _, time = cell.partition(" ")
                y, m, d = day.split("-")
                row[export.at[column]] = f"{d}-{m}-{y}" + (f" {time}" if time else "")
    line = export.set("S1-PW01", "baseline_arm_1", "consent_date", "2018-11-06")
    export.save()
    dictionary = project / "redcap" / "dictionary.csv"  # the fields' validation says so too
    dictionary.write_text(dictionary.read_text().replace("date_ymd", "date_dmy"), encoding="utf-8")
    edit_yml(project, "  records: redcap/records.csv", "  date_format: DMY\n  records: redcap/records.csv")

    study = peerimpact.load_study(project)

    assert formatted(study.problems, project) == [
        f"{RECORDS}:{line}: record 'S1-PW01' event 'baseline_arm_1' field 'consent_date': error: not a date "
        "as the export writes it (DD/MM/YYYY or DD-MM-YYYY, as study.yml's redcap.date_format says; if the "
        "export wrote dates as YYYY-MM-DD, set redcap.date_format: YMD) [redcap-date] (value '2018-11-06')"
    ]
    original = peerimpact.load_study(written)
    pd.testing.assert_frame_equal(study.contacts, original.contacts)
    pd.testing.assert_frame_equal(study.questionnaires, original.questionnaires)


def test_a_form_on_an_event_that_does_not_collect_it_is_an_error_and_not_read(project):
    export = Export(project)
    line = export.set("S1-PW01", "month_4_arm_1", "services_used___1", "1")
    export.save()
    study = peerimpact.load_study(project)
    assert formatted(study.problems, project) == [
        f"{RECORDS}:{line}: record 'S1-PW01' event 'month_4_arm_1': error: form 'service_use' holds data, "
        "but event 'month_4_arm_1' does not collect it (the instrument designations); its data on this row "
        "are not read [redcap-designation] (value 'service_use')"
    ]
    assert "T2" not in set(study.service_use["timepoint"])


def test_an_unmapped_data_access_group_and_a_repeated_instance_are_located(project):
    export = Export(project)
    contact = next(i for i, row in enumerate(export.rows) if row[export.at["redcap_repeat_instrument"]])
    export.rows.insert(contact + 1, list(export.rows[contact]))
    line = export.set("S3-PW01", "baseline_arm_1", "redcap_data_access_group", "s9")
    export.save()
    found = formatted(peerimpact.load_study(project).problems, project)
    assert any(
        p.startswith(f"{RECORDS}:{line}: record 'S3-PW01' event 'baseline_arm_1' field 'redcap_data_access_group': "
                     "error: data access group 's9' is not in study.yml's redcap.sites.dag")
        for p in found
    )  # fmt: skip
    first, second = contact + 2, contact + 3
    assert sum(f"on lines {first}, {second} of the export" in p for p in found) == 2
    assert len(found) == 3  # the data access group's problem is said once, not again as an empty site


def test_a_readers_problem_is_said_at_the_field_it_came_from(project):
    export = Export(project)
    line = export.set("S1-PW04", "baseline_arm_1", "contracted_hours", "ten")
    export.save()
    found = [p for p in peerimpact.load_study(project).problems if p.value == "ten"]
    assert [(str(Path(p.file).relative_to(project)), p.line, p.column) for p in found] == [
        (RECORDS, line, "record 'S1-PW04' event 'baseline_arm_1' field 'contracted_hours'")
    ]


def test_a_mapping_that_names_no_field_is_an_error_at_its_line_of_study_yml(project):
    edit_yml(project, "mode: contact_mode", "mode: contact_how")
    edit_yml(project, "form: service_use", "form: services")
    with pytest.raises(InvalidStudy) as caught:
        peerimpact.load_study(project)
    lines = (project / "study.yml").read_text().splitlines()
    problems = {p.column: p for p in caught.value.problems}
    mode = problems["redcap.contacts.fields.mode"]
    assert mode.message == "no field 'contact_how' in the data dictionary"
    assert "contact_how" in lines[mode.line - 1]
    form = problems["redcap.service_use.form"]
    assert form.message.startswith("no form 'services' in the data dictionary (enrolment, ")
    assert "form: services" in lines[form.line - 1]


def test_an_item_held_in_a_checkbox_and_unreadable_choices_are_errors_in_the_dictionary(project):
    path = project / "redcap" / "dictionary.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    at = {name: i for i, name in enumerate(rows[0])}
    lines = {}
    for n, row in enumerate(rows[1:], start=2):
        if row[0] == "wemwbs_5":
            row[at["Field Type"]] = "checkbox"
        if row[0] == "gender":
            row[at["Choices, Calculations, OR Slider Labels"]] += " | M, Man again"
            lines["gender"] = n
        if row[0] == "mbi_1":
            row[at["Field Type"]] = "slidr"
            lines["mbi_1"] = n
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")

    with pytest.raises(InvalidStudy) as caught:
        peerimpact.load_study(project)

    found = formatted(caught.value.problems, project)
    assert (
        f"redcap/dictionary.csv:{lines['gender']}: Choices, Calculations, OR Slider Labels: error: field "
        "'gender': code 'M' is given twice [redcap-dictionary]"
    ) in [f.split(" (value")[0] for f in found]
    assert any(
        f.startswith(
            f"redcap/dictionary.csv:{lines['mbi_1']}: Field Type: error: field 'mbi_1': not a REDCap field type"
        )
        for f in found
    )
    checkbox = [p for p in caught.value.problems if p.value == "wemwbs_5"]
    assert [p.message for p in checkbox] == ["field 'wemwbs_5' is a checkbox; an item holds one value"]
    assert Path(checkbox[0].file) == project / "study.yml"


def test_a_kind_of_data_named_in_files_and_in_the_redcap_block_is_an_error(project):
    edit_yml(project, "  codebook: codebook.csv", "  contacts: contacts.csv\n  codebook: codebook.csv")
    with pytest.raises(InvalidStudy) as caught:
        peerimpact.load_study(project)
    assert [(p.column, p.message) for p in caught.value.problems] == [
        ("files.contacts", "contacts come from the redcap: block; name them in one place only")
    ]


def test_choices_and_checkbox_columns_as_redcap_writes_them():
    assert parse_choices("1, Strongly disagree | 2, Disagree, mostly | 3,Agree") == (
        {"1": "Strongly disagree", "2": "Disagree, mostly", "3": "Agree"},
        None,
    )
    assert parse_choices("1 Yes | 2, No")[1] == "choice '1 Yes' is not 'code, label'"
    assert parse_choices(" | ")[1] == "no choices"
    assert checkbox_column("services_used", "3") == "services_used___3"
    assert checkbox_column("reasons", "-1") == "reasons____1"
    assert checkbox_column("reasons", "OTHER") == "reasons___other"


def test_the_locator_names_only_cells_of_the_records():
    locator = Locator("redcap/records.csv", rows={5: "record 'A' event 'e1'"}, columns={"age": "age_years"})
    mine = Problem("redcap/records.csv", 5, "age", "x", "not-a-number", "not a number")
    other = Problem("study.yml", 5, "age", "x", "params", "bad")
    assert locator.relocate(mine).column == "record 'A' event 'e1' field 'age_years'"
    assert locator.relocate(other) == other
    assert locator.relocate(Problem("redcap/records.csv", 9, None, None, "r", "m")).column is None


def test_the_redcap_example_builds_the_study_reports_tables_byte_for_byte(built, written, tmp_path):
    study = tmp_path / "study"
    shutil.copytree(written, study)
    for folder in ("reports", "sections", "commentary"):  # the example's own report definitions
        shutil.copytree(example_study_dir() / folder, study / folder)
    result = peerimpact.build(
        study, out=tmp_path / "reports", only=["study"], formats=["html"], jobs=1, echo=lambda m: None
    )
    assert result.exit_code == 0, [o.error for o in result.failed]
    mine = sorted(p.name for p in (tmp_path / "reports" / "study" / "tables").iterdir())
    theirs = sorted(p.name for p in (built / "study" / "tables").iterdir())
    assert mine == theirs and len(mine) > 10
    for name in mine:
        assert (tmp_path / "reports" / "study" / "tables" / name).read_bytes() == (
            built / "study" / "tables" / name
        ).read_bytes(), name


def test_data_access_groups_named_as_the_sites_need_no_mapping(project, written):
    edit_yml(project, "sites: {dag: {s1: S1,", "sites: {dag: {}}\n  unused: {s1: S1,")
    text = (project / "study.yml").read_text()
    (project / "study.yml").write_text(text.replace("\n  unused: {", "\n# {"), encoding="utf-8")
    study = peerimpact.load_study(project)
    assert formatted(study.problems, project) == []
    pd.testing.assert_frame_equal(study.participants, peerimpact.load_study(written).participants)


def odm_study(project: Path) -> Path:
    """The project read from its ODM export instead of its CSV exports (the missing-data codes too)."""
    edit_yml(
        project,
        "  records: redcap/records.csv",
        "  odm: redcap/project.xml\n  old_records: redcap/records.csv",
    )
    text = (project / "study.yml").read_text(encoding="utf-8")
    kept = [
        line
        for line in text.splitlines(keepends=True)
        if not line.startswith(("  old_records:", "  dictionary:", "  events:", "  missing_codes:"))
    ]
    (project / "study.yml").write_text("".join(kept), encoding="utf-8")
    return project


def test_the_odm_export_reads_back_as_the_embedded_example(project):
    study = peerimpact.load_study(odm_study(project))
    assert formatted(study.problems, project) == []
    csv_study = peerimpact.load_study(example_study_dir())
    for name in FRAMES:
        pd.testing.assert_frame_equal(getattr(study, name), getattr(csv_study, name), obj=name)


def test_a_problem_in_the_odm_export_is_at_its_item_datas_line(project):
    path = project / "redcap" / "project.xml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    subject = next(i for i, line in enumerate(lines) if 'SubjectKey="S1-PW01"' in line)
    event = next(i for i in range(subject, len(lines)) if 'UniqueEventName="month_4_arm_1"' in lines[i])
    item = next(i for i in range(event, len(lines)) if 'ItemOID="wemwbs_3"' in lines[i])
    lines[item] = '\t\t\t\t\t<ItemData ItemOID="wemwbs_3" Value="9"/>\n'
    path.write_text("".join(lines), encoding="utf-8")
    found = formatted(peerimpact.load_study(odm_study(project)).problems, project)
    assert found == [
        f"redcap/project.xml:{item + 1}: record 'S1-PW01' event 'month_4_arm_1' field 'wemwbs_3': error: not one "
        "of the field's choices in the data dictionary: 1, 2, 3, 4, 5 [redcap-choice] (value '9')"
    ]


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            '<?xml version="1.0"?>\n<!DOCTYPE ODM [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>\n'
            "<ODM><Study/></ODM>\n",
            "document type declarations and entities are not accepted",
        ),
        ('<?xml version="1.0"?>\n<project><Study/></project>\n', "not a REDCap CDISC ODM export"),
        ('<?xml version="1.0"?>\n<ODM><Study>\n', "cannot read the XML"),
    ],
)
def test_an_odm_export_that_is_unsafe_or_not_one_is_refused_unread(project, text, said):
    (project / "redcap" / "project.xml").write_text(text, encoding="utf-8")
    with pytest.raises(InvalidStudy) as caught:
        peerimpact.load_study(odm_study(project))
    found = [p for p in caught.value.problems if p.file.endswith("project.xml")]
    assert len(found) == 1 and said in found[0].message and found[0].line is not None


def test_the_odm_export_stands_alone_in_the_block(project):
    edit_yml(project, "  records: redcap/records.csv", "  records: redcap/records.csv\n  odm: redcap/project.xml")
    with pytest.raises(InvalidStudy) as caught:
        peerimpact.load_study(project)
    assert sorted(p.column for p in caught.value.problems) == ["redcap.dictionary", "redcap.events", "redcap.records"]


def test_a_data_quality_alert_asks_for_the_redcap_fields_to_check(written):
    from peerimpact.builder.alerts import study_alerts

    alerts = study_alerts(peerimpact.load_study(written))
    late = alerts[alerts["alert"] == "outside_window"]
    assert len(late) > 0
    assert set(late["file"]) == {RECORDS}
    assert all(
        check.startswith("Check the wemwbs_timestamp or mjs_timestamp or itp_timestamp or mbi_timestamp of ")
        and check.endswith(f"questionnaires in {RECORDS} and the consent_date of the people who returned them.")
        for check in late["check"]
    )


def test_what_a_data_manager_gets_wrong_is_said_once_where_it_is_fixed(project):
    export = Export(project)
    label = export.set("S1-PW01", "baseline_arm_1", "contract_type", "Contracted")
    status = export.set("S1-PW02", "baseline_arm_1", "mjs_complete", "banana")
    export.save()
    dictionary = project / "redcap" / "dictionary.csv"
    dictionary.write_text(dictionary.read_text().replace(",service_use,,checkbox,", ",service_use,,chekbox,"))
    edit_yml(project, "s7: S7", "s7: S8")

    with pytest.raises(InvalidStudy) as caught:
        peerimpact.load_study(project)
    assert [(p.column, p.message) for p in caught.value.problems] == [
        ("redcap.sites.dag.s7", "not a site of the study (S1, S2, S3, S4, S5, S6, S7)")
    ]
    edit_yml(project, "s7: S8", "s7: S7")
    with pytest.raises(InvalidStudy) as caught:
        peerimpact.load_study(project)
    found = formatted(caught.value.problems, project)
    assert len(found) == 1 and found[0].startswith("redcap/dictionary.csv:") and "'chekbox'" in found[0]

    dictionary.write_text(dictionary.read_text().replace(",service_use,,chekbox,", ",service_use,,checkbox,"))
    found = formatted(peerimpact.load_study(project).problems, project)
    assert found == [
        f"{RECORDS}:{label}: record 'S1-PW01' event 'baseline_arm_1' field 'contract_type': error: not one of the "
        "field's choices in the data dictionary: 1 (Contracted), 2 (Bank); 'Contracted' is the label of choice 1: "
        "export the records as raw data, not labels [redcap-choice] (value 'Contracted')",
        f"{RECORDS}:{status}: record 'S1-PW02' event 'baseline_arm_1' field 'mjs_complete': error: a form's status "
        "is 0 (Incomplete), 1 (Unverified) or 2 (Complete) [redcap-complete] (value 'banana')",
    ]


def test_a_missing_column_stops_the_read_and_says_which(project):
    export = Export(project)
    gone = export.at["redcap_data_access_group"]
    export.header.pop(gone)
    for row in export.rows:
        row.pop(gone)
    export.save()
    with pytest.raises(InvalidStudy) as caught:
        peerimpact.load_study(project)
    assert formatted(caught.value.problems, project) == [
        f"{RECORDS}:1: redcap_data_access_group: error: the records export lacks 1 column: "
        "redcap_data_access_group: export all fields and events, as raw data, with the data access groups "
        "[column-missing]"
    ]


def test_an_event_renamed_in_redcap_but_not_in_study_yml_is_an_error_not_a_lost_timepoint(project):
    for name in ("records.csv", "instrument_designation.csv"):
        path = project / "redcap" / name
        path.write_text(path.read_text().replace("month_4_arm_1", "month_4_followup_arm_1"))
    with pytest.raises(InvalidStudy) as caught:
        peerimpact.load_study(project)
    [problem] = caught.value.problems
    assert problem.column == "redcap.timepoints.month_4_arm_1"
    assert problem.message.startswith("no event 'month_4_arm_1' in the project (baseline_arm_1, month_12_arm_1, ")


def test_a_labels_export_is_said_once_per_event_with_what_to_do(project):
    export = Export(project)
    for row in export.rows:
        row[1] = {"baseline_arm_1": "Baseline (Arm 1: Arm 1)"}.get(row[1], row[1])
    export.save()
    study = peerimpact.load_study(project)
    said = [p for p in study.problems if p.rule == "redcap-event"]
    assert len(said) == 1
    assert said[0].message.endswith(
        "'Baseline (Arm 1: Arm 1)' is an event's label, not its unique name: export the records as raw data, not labels"
    )


def test_an_odm_item_the_metadata_lack_is_a_warning_at_its_line(project):
    path = project / "redcap" / "project.xml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if '<ItemData ItemOID="gender"' in line)
    lines[at] = lines[at].replace('ItemOID="gender"', 'ItemOID="gendr"')
    path.write_text("".join(lines), encoding="utf-8")
    found = formatted(peerimpact.load_study(odm_study(project)).problems, project)
    assert found == [
        f"redcap/project.xml:{at + 1}: gendr: warning: ItemOID 'gendr' is no field of the metadata; its values "
        "are not read [unknown-column]"
    ]


def test_a_repeating_events_rows_are_said_not_to_be_read(project):
    export = Export(project)
    line, row = export.row("S1-PW01", "month_4_arm_1")
    row[export.at["redcap_repeat_instance"]] = "2"
    export.save()
    found = formatted(peerimpact.load_study(project).problems, project)
    assert found == [
        f"{RECORDS}:{line}: record 'S1-PW01' event 'month_4_arm_1': error: instance 2 of a repeating event: a "
        "timepoint is an event of its own, so a repeating event's rows are not read [redcap-event] (value '2')"
    ]
