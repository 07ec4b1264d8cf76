"""Reports: JSON schema, text/HTML renderings, annotated CSV, files, docs table."""

from __future__ import annotations

import io
import re
from pathlib import Path

import jsonschema
import pandas as pd
import pytest
from validation_fixtures import find_row, set_value, thb_dataset, thb_frame, thb_layout

from mosy_sdmx.validation import ISSUE_TYPES, validate, validate_file
from mosy_sdmx.validation.checks import all_checks
from mosy_sdmx.validation.render import (
    ISSUES_COLUMN,
    annotated_csv,
    render_html,
    render_text,
    report_schema,
)

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def broken():
    """A THB frame with an unknown code, a duplicate and a broken total."""
    frame = thb_frame()
    set_value(frame, 0, "REF_AREA", "GR")
    total = find_row(
        frame, SEX="T", AGE="TOTAL", CITIZEN="TOTAL", EXPLOIT="_T", PERS_STAT="PER_VICT"
    )
    frame.loc[total, "OBS_VALUE"] += 1
    frame = pd.concat([frame, frame.iloc[[5]]], ignore_index=True)
    dataset = thb_dataset(frame, source="broken.csv", row_offset=2)
    return dataset, validate(dataset, thb_layout(), annotate=True), total


def test_every_report_validates_against_the_shipped_schema(broken, ecb_reports):
    schema = report_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    reports = [
        broken[1],
        validate(thb_dataset(), thb_layout()),
        *ecb_reports,
        validate_file(ROOT / "no-such-file.csv"),
    ]
    for report in reports:
        jsonschema.validate(report.to_dict(), schema)


def test_json_keys_and_locations(broken):
    dataset, report, _ = broken
    doc = report.to_dict()
    assert set(doc) >= {"valid", "stats", "issues"}
    assert doc["valid"] is False
    unknown = next(i for i in doc["issues"] if i["code"] == "unknown-code")
    assert unknown["location"] == {
        "source": "broken.csv",
        "row": 2,
        "component": "REF_AREA",
        "series_key": unknown["location"]["series_key"],
        "period": "2022",
    }
    assert unknown["location"]["series_key"].startswith("A.GR.NREM.")
    dup = next(i for i in doc["issues"] if i["code"] == "duplicate-observation")
    assert dup["location"]["row"] == len(dataset) - 1 + 2
    frame = report.to_frame()
    assert {"code", "severity", "message", "row"} <= set(frame.columns)
    assert len(frame) == len(report.issues)


def test_text_and_html_show_the_issues(broken):
    _, report, _ = broken
    text = render_text(report)
    assert text.startswith("INVALID")
    for code in report.counts:
        assert code in text
    assert "Did you mean EL" in text
    page = render_html(report, title="<script>")
    assert "<script>" not in page and "&lt;script&gt;" in page
    for code in report.counts:
        assert f"<code>{code}</code>" in page


def test_annotated_csv_marks_the_right_rows(broken):
    dataset, report, total = broken
    text = annotated_csv(dataset, report)
    out = pd.read_csv(io.StringIO(text), keep_default_na=False, dtype=str)
    assert len(out) == len(dataset)
    assert out.columns[0] == "DATAFLOW" and out.columns[-1] == ISSUES_COLUMN
    marked = out[out[ISSUES_COLUMN] != ""]
    assert "unknown-code" in out.loc[0, ISSUES_COLUMN].split(";")
    assert "total-not-sum-of-parts" in out.loc[total, ISSUES_COLUMN].split(";")
    assert out.iloc[-1][ISSUES_COLUMN] == "duplicate-observation"
    assert len(marked) == 3


def test_pick_and_skip(broken):
    dataset, _, _ = broken
    picked = validate(dataset, thb_layout(), pick=["duplicate-observation"])
    assert picked.codes() == {"duplicate-observation"}
    assert picked.stats["checks"]["additivity"].startswith("skipped")
    skipped = validate(
        dataset,
        thb_layout(),
        skip=["duplicate-observation", "unknown-code", "total-not-sum-of-parts"],
    )
    assert skipped.valid


def test_unreadable_and_hostile_files_become_one_issue(tmp_path):
    missing = validate_file(tmp_path / "absent.csv")
    assert missing.unusable and not missing.valid and missing.count("unreadable-input") == 1
    garbage = tmp_path / "garbage.xml"
    garbage.write_bytes(b"<message:GenericData><unclosed>")
    assert validate_file(garbage).unusable
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    xxe = tmp_path / "xxe.xml"
    xxe.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE m [<!ENTITY x SYSTEM "file://{secret}">]>\n'
        "<message:StructureSpecificData xmlns:message="
        '"http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message">&x;'
        "</message:StructureSpecificData>"
    )
    report = validate_file(xxe)
    assert report.unusable and report.count("refused-input") == 1
    assert "TOP-SECRET" not in report.to_json()


def test_unknown_flow_gives_a_report_not_an_exception():
    report = validate(thb_dataset(), "DF_NO_SUCH_FLOW")
    assert report.unusable and report.count("unknown-structure") == 1


def test_every_code_is_documented_and_emitted_by_a_check():
    doc = (ROOT / "docs" / "validation.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z0-9-]+)` \|", doc, flags=re.M))
    assert documented == set(ISSUE_TYPES)
    emitted = {code for chk in all_checks() for code in chk.codes}
    input_codes = {
        "unreadable-input",
        "refused-input",
        "unsupported-format",
        "unknown-structure",
        "broken-structure",
        "unsupported-structure",
        "unusable-dataset",
        "protection-incomplete",
        "invalid-query",
        "check-failed",
    }
    assert emitted | input_codes == set(ISSUE_TYPES)
    for code in ISSUE_TYPES:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", code)


@pytest.fixture(scope="module")
def ecb_reports(ecb_structures, specimens):
    """The ECB EXR specimens, read by sdmx1, checked by the generic checks."""
    import sdmx

    from mosy_sdmx.dataset import Dataset

    ng = specimens / "ECB_EXR"
    from mosy_sdmx.structures import load_structures

    structures = load_structures(ng / "ng-structure-full.xml")
    dsd = structures.dsd("ECB_EXR_NG")
    reports = []
    for name in ("ng-ts.xml", "ng-flat.xml", "ng-ts-gf.xml"):
        msg = sdmx.read_sdmx(ng / name, structure=dsd)
        frame = sdmx.to_pandas(msg.data[0], attributes="osgd").reset_index()
        frame = frame.rename(columns={"value": "OBS_VALUE"})
        dataset = Dataset(data=frame, source=name)
        reports.append(validate(dataset, structures.layout("ECB_EXR_NG")))
    return reports


def test_ecb_specimens_pass_the_generic_checks(ecb_reports):
    for report in ecb_reports:
        assert report.stats["observations"] > 0
        assert report.valid, report.to_json()
        assert report.stats["checks"]["additivity"] == "passed"
        assert report.stats["checks"]["conditional-attributes"] == "not applicable"


def test_issue_facts_are_fields_and_the_message_follows_them():
    from dataclasses import replace

    frame = thb_frame()
    frame["SEX"] = frame["SEX"].cat.add_categories(["X"])
    frame.loc[0, "SEX"] = "X"
    report = validate(thb_dataset(frame), thb_layout(), pick=["unknown-code"])
    (issue,) = report.issues
    assert (issue.component, issue.value) == ("SEX", "X")
    assert issue.facts["codelist"] == "CL_SEX"
    assert issue.message.startswith("SEX code 'X' is not in codelist CL_SEX.")
    # the message is derived from the fields, never stored
    changed = replace(issue, value="Q", facts={**issue.facts, "codelist": "CL_OTHER"})
    assert changed.message.startswith("SEX code 'Q' is not in codelist CL_OTHER.")
    as_json = issue.to_dict()
    assert as_json["component"] == "SEX" and as_json["value"] == "X"
    assert as_json["facts"]["codelist"] == "CL_SEX"


def test_bad_time_period_keeps_what_was_expected():
    frame = thb_frame()
    frame["TIME_PERIOD"] = frame["TIME_PERIOD"].astype(object)
    frame.loc[0, "TIME_PERIOD"] = "2022-Q1"
    report = validate(thb_dataset(frame), thb_layout(), pick=["bad-time-period"])
    (issue,) = report.issues
    assert issue.value == "2022-Q1" and issue.expected
    assert issue.facts["freq"] == "A"
    assert f"(expected {issue.expected})" in issue.message


def test_annotated_csv_is_sdmx_csv_the_library_reads_back(broken):
    from mosy_sdmx import read_data

    dataset, report, _ = broken
    text = annotated_csv(dataset, report)
    back = read_data(text.encode(), thb_layout(), extra_columns="keep")
    assert list(back.data[ISSUES_COLUMN].fillna("")) == list(report.row_codes)
    assert back.data["OBS_VALUE"].tolist() == dataset.data["OBS_VALUE"].tolist()
    assert (
        back.data["REF_AREA"].astype(str).tolist() == dataset.data["REF_AREA"].astype(str).tolist()
    )


def test_html_escapes_values_from_the_data():
    frame = thb_frame()
    frame["SEX"] = frame["SEX"].cat.add_categories(["<b>x</b>"])
    frame.loc[0, "SEX"] = "<b>x</b>"
    page = render_html(validate(thb_dataset(frame), thb_layout()))
    assert "<b>x</b>" not in page and "&#39;&lt;b&gt;x&lt;/b&gt;&#39;" in page
