"""Each check on a THB frame that breaks exactly its rule: code, count, location."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from validation_fixtures import (
    StubStructures,
    find_row,
    set_value,
    thb_dataset,
    thb_frame,
    thb_layout,
)

from mosy_sdmx.validation import validate


@pytest.fixture
def frame() -> pd.DataFrame:
    return thb_frame()


def run(frame, **kwargs):
    structure = kwargs.pop("structure", None) or thb_layout()
    return validate(thb_dataset(frame), structure, **kwargs)


def test_clean_thb_cube_is_valid(frame):
    report = run(frame)
    assert report.valid
    assert report.stats["counts"] == {}
    assert report.stats["observations"] == len(frame)
    assert "failed" not in report.stats["checks"].values()


def test_missing_dimension_column_reported_and_run_goes_on(frame):
    report = run(frame.drop(columns=["SEX"]))
    assert report.count("missing-dimension") == 1
    issue = next(i for i in report.issues if i.code == "missing-dimension")
    assert issue.location.component == "SEX"
    assert "failed" not in report.stats["checks"].values()


def test_unknown_column_and_missing_mandatory_attribute(frame):
    frame["COLOUR"] = "red"
    report = run(frame.drop(columns=["CONF_STATUS"]))
    assert report.count("unknown-component") == 1
    assert report.count("missing-attribute") == 1
    assert {i.location.component for i in report.issues} >= {"COLOUR", "CONF_STATUS"}


def test_unknown_code_suggests_greece(frame):
    row = find_row(frame, SEX="M", AGE="Y_GE18")
    set_value(frame, row, "REF_AREA", "GR")
    report = run(frame, structure=_stub_layout())
    assert report.count("unknown-code") == 1
    issue = next(i for i in report.issues if i.code == "unknown-code")
    assert issue.location.row == row + 1
    assert issue.location.component == "REF_AREA"
    assert "Did you mean EL (Greece)?" in issue.message


def test_constraints_of_flow_and_provider():
    frame = thb_frame(areas=("PT", "EL"))
    stub = StubStructures(
        flow_allowed={"DATA_SOURCE": frozenset({"NREM", "POL"})},
        provider_allowed={"INT_IOM": {"REF_AREA": frozenset({"PT"})}},
    )
    set_value(frame, 3, "DATA_SOURCE", "NGO")
    report = run(frame, structure=_stub_layout(stub), provider="INT_IOM")
    assert report.count("code-not-allowed") == 1
    assert report.count("code-not-allowed-for-provider") == int((frame["REF_AREA"] == "EL").sum())


def test_ref_area_and_data_source_of_provider(frame):
    set_value(frame, 0, "REF_AREA", "EL")
    set_value(frame, 1, "DATA_SOURCE", "POL")
    report = run(frame, structure=_stub_layout(), provider="PT_NGO_1")
    assert report.count("ref-area-not-provider-country") == 1
    # Every row's NREM source is wrong for an NGO, plus the POL row.
    assert report.count("data-source-not-allowed") == len(frame)
    ref = next(i for i in report.issues if i.code == "ref-area-not-provider-country")
    assert ref.location.row == 1 and ref.location.component == "REF_AREA"


def test_unknown_provider(frame):
    report = run(frame, structure=_stub_layout(), provider="XX_NOBODY")
    assert report.count("unknown-provider") == 1


def test_duplicate_observation_names_first_row(frame):
    dup = frame.iloc[[10, 20]]
    frame = pd.concat([frame, dup], ignore_index=True)
    report = run(frame)
    assert report.count("duplicate-observation") == 2
    issue = next(i for i in report.issues if i.code == "duplicate-observation")
    assert issue.location.row == len(frame) - 1
    assert "row 11" in issue.message


def test_time_period_must_match_freq(frame):
    frame["TIME_PERIOD"] = frame["TIME_PERIOD"].astype(object)
    frame.loc[5, "TIME_PERIOD"] = "2022-Q1"  # FREQ A
    frame.loc[6, "TIME_PERIOD"] = "22"
    report = run(frame)
    assert report.count("bad-time-period") == 2
    assert {i.location.row for i in report.issues if i.code == "bad-time-period"} == {6, 7}


def test_period_out_of_range():
    frame = thb_frame(years=("2005",))
    report = run(frame)
    assert report.count("period-out-of-range") == len(frame)
    assert report.count("bad-time-period") == 0


def test_counts_non_negative_integers(frame):
    leaf = find_row(
        frame, SEX="M", AGE="Y_GE18", CITIZEN="NAT", EXPLOIT="LAB", PERS_STAT="PER_VICT_ID"
    )
    frame.loc[leaf, "OBS_VALUE"] = -1.0
    frame.loc[leaf + 1, "OBS_VALUE"] = 2.5
    report = run(frame, pick=["negative-count", "non-integer-count"])
    assert report.count("negative-count") == 1
    assert report.count("non-integer-count") == 1
    assert report.codes() == {"negative-count", "non-integer-count"}


def test_non_numeric_value_in_string_column(frame):
    values = frame["OBS_VALUE"].astype(object)
    values[7] = "12 persons"
    frame["OBS_VALUE"] = values
    report = run(frame, pick=["non-numeric-value"])
    assert report.count("non-numeric-value") == 1
    assert "12 persons" in report.issues[0].message


def test_empty_value_needs_missing_status(frame):
    frame.loc[[3, 4], "OBS_VALUE"] = np.nan
    set_value(frame, 4, "OBS_STATUS", "M")
    set_value(frame, 5, "OBS_STATUS", "M")  # value kept although "missing"
    report = run(frame, pick=["missing-value-without-status", "value-with-missing-status"])
    assert report.count("missing-value-without-status") == 1
    assert report.issues[0].location.row == 4
    assert report.count("value-with-missing-status") == 1
    assert report.valid is False


def test_conditional_attributes(frame):
    set_value(frame, 2, "OBS_STATUS", "E")  # estimated: needs COMMENT_OBS
    part = find_row(frame, EXPLOIT="SEX")
    frame["EXPLOIT_RULE"] = frame["EXPLOIT_RULE"].astype(object)
    frame.loc[part, "EXPLOIT_RULE"] = None
    report = run(frame, pick=["conditional-attribute-missing"])
    assert report.count("conditional-attribute-missing") == 2
    components = {i.location.component for i in report.issues}
    assert components == {"COMMENT_OBS", "EXPLOIT_RULE"}
    assert any("OBS_STATUS E" in i.message for i in report.issues)


def test_attribute_coherence(frame):
    set_value(frame, 0, "OBS_STATUS", "Q")  # CONF_STATUS stays F
    report = run(frame, pick=["incoherent-attributes"])
    assert report.count("incoherent-attributes") == 1
    assert report.issues[0].location.component == "CONF_STATUS"


def test_confidential_values_refused_in_public_flow(frame):
    set_value(frame, [0, 1], "CONF_STATUS", "C")
    layout = thb_layout(flow="DF_THB_VICTIMS_PUB")
    report = validate(thb_dataset(frame), layout, pick=["incoherent-attributes"])
    assert report.count("incoherent-attributes") == 2
    assert validate(thb_dataset(frame), thb_layout(), pick=["incoherent-attributes"]).valid


def test_total_not_sum_of_parts(frame):
    total = find_row(
        frame, SEX="T", AGE="TOTAL", CITIZEN="TOTAL", EXPLOIT="_T", PERS_STAT="PER_VICT"
    )
    frame.loc[total, "OBS_VALUE"] += 5
    report = run(frame, pick=["total-not-sum-of-parts"])
    # That cell is the total of five groups (PERS_STAT, SEX, AGE, CITIZEN, EXPLOIT).
    assert report.count("total-not-sum-of-parts") == 5
    assert all(i.location.row == total + 1 for i in report.issues)
    assert any("SEX total T" in i.message for i in report.issues)


def test_part_exceeds_total_in_partial_breakdown(frame):
    # Drop UNK so the SEX breakdown is partial, then push M above T.
    key = dict(AGE="Y_GE18", CITIZEN="NAT", EXPLOIT="LAB", PERS_STAT="PER_VICT_ID")
    frame = frame.drop(index=find_row(frame, SEX="UNK", **key)).reset_index(drop=True)
    m_row = find_row(frame, SEX="M", **key)
    t_val = frame.loc[find_row(frame, SEX="T", **key), "OBS_VALUE"]
    frame.loc[m_row, "OBS_VALUE"] = t_val + 1
    report = run(frame, pick=["part-exceeds-total", "total-not-sum-of-parts"])
    sex = [i for i in report.issues if i.location.component == "SEX"]
    assert [i.code for i in sex] == ["part-exceeds-total"]
    assert sex[0].location.row == m_row + 1


def test_exploit_multi_allows_overlap_but_not_excess(frame):
    frame["EXPLOIT_RULE"] = frame["EXPLOIT_RULE"].cat.rename_categories({"MAIN": "MULTI"})
    key = dict(SEX="M", AGE="Y_GE18", CITIZEN="NAT", PERS_STAT="PER_VICT_ID")
    frame.loc[find_row(frame, EXPLOIT="SEX", **key), "OBS_VALUE"] += 3  # overlap: fine
    overlap = run(frame, pick=["total-exceeds-parts", "total-not-sum-of-parts"])
    assert not [i for i in overlap.issues if i.location.component == "EXPLOIT"]
    total = find_row(frame, EXPLOIT="_T", **key)
    frame.loc[total, "OBS_VALUE"] += 100
    report = run(frame, pick=["total-exceeds-parts"])
    assert report.count("total-exceeds-parts") == 1
    assert report.issues[0].location.row == total + 1
    assert report.issues[0].location.component == "EXPLOIT"


def test_convicted_above_prosecuted_is_a_warning():
    frame = thb_frame()
    # Convicted = one part of prosecuted, so never above it until we push one cell.
    frame["PERS_STAT"] = frame["PERS_STAT"].cat.rename_categories(
        {"PER_VICT": "PER_PRSC", "PER_VICT_ID": "PER_CNV", "PER_VICT_PR": "PER_SUSP"}
    )
    key = dict(SEX="T", AGE="Y_GE18", CITIZEN="TOTAL", EXPLOIT="_T")
    frame.loc[find_row(frame, PERS_STAT="PER_CNV", **key), "OBS_VALUE"] = 10_000
    report = run(frame, pick=["implausible-order"])
    assert report.count("implausible-order") == 1
    assert report.valid  # warnings only
    assert report.issues[0].severity == "warning"


def test_consolidated_figure_below_a_single_source():
    nrem = thb_frame()
    pol = nrem.copy()
    pol["DATA_SOURCE"] = pol["DATA_SOURCE"].cat.rename_categories({"NREM": "POL"})
    pol.loc[:99, "OBS_VALUE"] += 1  # police counts more than the national figure
    frame = pd.concat([nrem, pol], ignore_index=True)
    report = run(frame, pick=["consolidated-below-source"])
    assert report.count("consolidated-below-source") == 100
    assert "source POL" in report.issues[0].message
    assert report.issues[0].location.row == 1


def test_children_recorded_as_offenders():
    frame = thb_frame()
    frame["PERS_STAT"] = frame["PERS_STAT"].cat.rename_categories(
        {"PER_VICT": "PER_PRSC", "PER_VICT_ID": "PER_CNV", "PER_VICT_PR": "PER_SUSP"}
    )
    children = frame["AGE"].isin(["Y_LT18", "Y_LT12", "Y12-17"]).to_numpy()
    frame.loc[children, "OBS_VALUE"] = 0.0
    row = find_row(frame, AGE="Y12-17", PERS_STAT="PER_CNV")
    frame.loc[row, "OBS_VALUE"] = 1.0
    report = run(frame, pick=["implausible-combination"])
    assert report.count("implausible-combination") == 1
    assert report.issues[0].location.row == row + 1


def test_year_on_year_against_previous():
    frame = thb_frame(years=("2023",))
    previous = thb_frame(years=("2022",))
    previous["OBS_VALUE"] = frame["OBS_VALUE"]  # same figures the year before
    row = find_row(frame, SEX="T", AGE="TOTAL", CITIZEN="TOTAL", EXPLOIT="_T", PERS_STAT="PER_VICT")
    frame.loc[row, "OBS_VALUE"] *= 3
    report = run(frame, previous=thb_dataset(previous), pick=["large-change"])
    assert report.count("large-change") == 1
    assert "2022" in report.issues[0].message
    assert run(frame, pick=["large-change"]).stats["checks"]["year-on-year"].startswith("skipped")


def test_thb_rules_do_not_apply_to_foreign_dsds(frame):
    layout = thb_layout()
    foreign = type(layout)(
        **{**{f: getattr(layout, f) for f in layout.__dataclass_fields__}, "agency": "ECB"}
    )
    set_value(frame, 2, "OBS_STATUS", "E")
    report = validate(thb_dataset(frame), foreign)
    assert report.stats["checks"]["conditional-attributes"] == "not applicable"
    assert report.valid


def test_crashing_check_becomes_an_issue(frame, monkeypatch):
    from mosy_sdmx.validation.checks import codes

    def boom(*args, **kwargs):
        raise RuntimeError("/etc/passwd")

    monkeypatch.setattr(codes, "suggest", boom)
    set_value(frame, 0, "SEX", "X")
    report = run(frame)
    assert report.count("check-failed") == 1
    assert report.stats["checks"]["codelists"] == "failed"
    assert report.stats["checks"]["additivity"] == "passed"
    assert "/etc/passwd" not in report.to_json()


def test_exact_counts_with_capped_examples(frame):
    frame["OBS_STATUS"] = frame["OBS_STATUS"].cat.rename_categories({"A": "ZZ"})
    report = run(frame, max_examples=3, pick=["unknown-code"])
    assert report.count("unknown-code") == len(frame)
    assert len(report.issues) == 3
    assert report.truncated


def _stub_layout(stub: StubStructures | None = None) -> StubStructures:
    """A StructureSet-like stub (providers, constraints, labels) with the THB layout."""
    stub = stub or StubStructures()
    stub.layout = lambda flow=None: thb_layout()
    return stub
