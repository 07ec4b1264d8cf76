"""The individual §3.6 rules on small hand-built tables."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mosy_sdmx.dataset import Dataset
from mosy_sdmx.disclosure import ProtectionError, Reason, load_disclosure_rules, protect
from mosy_sdmx.exceptions import DatasetError, StructureError

VICTIMS_URN = "urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=MOSY:DF_THB_VICTIMS(1.0)"
FLOWS_URN = "urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=MOSY:DF_THB_FLOWS(1.0)"


def frame(rows: list[tuple], columns=("SEX", "AGE"), **extra) -> pd.DataFrame:
    """Rows of (code, code, ..., value); FREQ/REF_AREA/TIME_PERIOD added."""
    data = pd.DataFrame(rows, columns=[*columns, "OBS_VALUE"])
    data["OBS_VALUE"] = data["OBS_VALUE"].astype(float)
    data.insert(0, "REF_AREA", "PT")
    data.insert(0, "FREQ", "A")
    data.insert(len(columns) + 2, "TIME_PERIOD", "2023")
    for name, values in extra.items():
        data[name] = values
    for c in ("FREQ", "REF_AREA", *columns):
        data[c] = data[c].astype("category")
    return data


def run(data: pd.DataFrame, urn: str | None = VICTIMS_URN, **kwargs):
    public, audit = protect(Dataset(data, structure_urn=urn), **kwargs)
    return public, audit, public.data


def row(out: pd.DataFrame, **key) -> pd.Series:
    mask = np.ones(len(out), dtype=bool)
    for k, v in key.items():
        mask &= (out[k].astype(str) == v).to_numpy()
    assert mask.sum() == 1, key
    return out[mask].iloc[0]


SEX_ONLY = [("T", "TOTAL", 20), ("M", "TOTAL", 3), ("F", "TOTAL", 9), ("UNK", "TOTAL", 8)]


def test_small_count_suppressed_with_secondary_on_smallest_remaining_part() -> None:
    _, audit, out = run(frame(SEX_ONLY))
    assert np.isnan(row(out, SEX="M")["OBS_VALUE"])
    # UNK (8) is the cheapest part that can move by 5 both ways, F (9) stays.
    assert np.isnan(row(out, SEX="UNK")["OBS_VALUE"])
    # One flag whatever the reason; the reason is in the audit only.
    assert row(out, SEX="M")["CONF_STATUS"] == row(out, SEX="UNK")["CONF_STATUS"] == "C"
    assert row(out, SEX="F")["OBS_VALUE"] == 9
    assert row(out, SEX="T")["OBS_VALUE"] == 20
    assert audit.counts()["primary"] == 1 and audit.counts()["secondary"] == 1


def test_ties_go_to_the_part_listed_first_in_the_rules() -> None:
    data = frame([("T", "TOTAL", 20), ("M", "TOTAL", 2), ("F", "TOTAL", 9), ("UNK", "TOTAL", 9)])
    _, _, out = run(data)
    assert np.isnan(row(out, SEX="F")["OBS_VALUE"])
    assert row(out, SEX="UNK")["OBS_VALUE"] == 9


def test_zero_parts_are_published_and_never_chosen_while_a_non_zero_one_remains() -> None:
    data = frame([("T", "TOTAL", 12), ("M", "TOTAL", 2), ("F", "TOTAL", 0), ("UNK", "TOTAL", 10)])
    _, _, out = run(data)
    assert row(out, SEX="F")["OBS_VALUE"] == 0
    assert np.isnan(row(out, SEX="UNK")["OBS_VALUE"])


def test_a_zero_is_hidden_when_it_is_the_only_way_to_protect() -> None:
    data = frame([("T", "TOTAL", 3), ("M", "TOTAL", 3), ("F", "TOTAL", 0), ("UNK", "TOTAL", 0)])
    _, audit, out = run(data)
    assert out["OBS_VALUE"].isna().sum() == 2
    assert audit.complete
    # The published total 3 bounds M from above: down to 0 is all the table allows.
    m = audit.reasons_for(Reason.PRIMARY).iloc[0]
    assert (m["PROTECTED_LOW"], m["PROTECTED_HIGH"]) == (0, 3)


def test_country_totals_are_published_as_reported_even_when_small() -> None:
    data = frame([("T", "TOTAL", 3), ("M", "TOTAL", 1), ("F", "TOTAL", 2), ("UNK", "TOTAL", 0)])
    _, _, out = run(data)
    assert row(out, SEX="T")["OBS_VALUE"] == 3
    assert row(out, SEX="T")["OBS_STATUS"] == "A"
    assert out["OBS_VALUE"].isna().sum() == 2


def test_sensitive_series_treat_zeros_as_small() -> None:
    data = frame([("T", "TOTAL", 12), ("M", "TOTAL", 0), ("F", "TOTAL", 6), ("UNK", "TOTAL", 6)])
    _, _, plain = run(data)
    assert plain["OBS_VALUE"].notna().all()
    _, audit, out = run(data, sensitive=pd.DataFrame({"REF_AREA": ["PT"]}))
    assert np.isnan(row(out, SEX="M")["OBS_VALUE"])
    assert audit.reasons_for(Reason.PRIMARY)["SEX"].astype(str).tolist() == ["M"]


def test_submitter_confidential_values_are_never_published() -> None:
    data = frame(
        [("T", "TOTAL", 40), ("M", "TOTAL", 25), ("F", "TOTAL", 10), ("UNK", "TOTAL", 5)],
        CONF_STATUS=["C", "N", "F", "F"],
        COMMENT_OBS=[None, "25 men from one case", None, None],
    )
    _, audit, out = run(data)
    for sex in ("T", "M"):  # even the country total
        cell = row(out, SEX=sex)
        assert np.isnan(cell["OBS_VALUE"]) and cell["OBS_STATUS"] == "Q"
        assert cell["CONF_STATUS"] == "C"  # the one public flag; N never leaves
    assert pd.isna(row(out, SEX="M")["COMMENT_OBS"])
    assert set(out["CONF_STATUS"].astype(str)) <= {"C", "F"}
    assert audit.counts()["confidential"] == 2
    # The total and M are both hidden, so F and UNK reveal nothing and stay.
    assert row(out, SEX="F")["OBS_VALUE"] == 10


def test_a_hidden_total_needs_a_hidden_part() -> None:
    data = frame(
        [("T", "Y_LT18", 30), ("M", "Y_LT18", 12), ("F", "Y_LT18", 11), ("UNK", "Y_LT18", 7)],
        CONF_STATUS=["D", "F", "F", "F"],
    )
    _, _, out = run(data)
    assert np.isnan(row(out, SEX="UNK")["OBS_VALUE"])  # smallest non-zero part
    assert out["OBS_VALUE"].isna().sum() == 2


def test_threshold_is_configurable() -> None:
    data = frame([("T", "TOTAL", 20), ("M", "TOTAL", 3), ("F", "TOTAL", 9), ("UNK", "TOTAL", 8)])
    rules = replace(load_disclosure_rules(), threshold=3)
    _, audit, out = run(data, rules=rules)
    assert out["OBS_VALUE"].notna().all() and audit.cells.empty
    assert "1 to 2" in audit.annotation


def test_flags_added_when_the_attribute_columns_are_absent() -> None:
    _, _, out = run(frame(SEX_ONLY))
    shown = out["OBS_VALUE"].notna()
    assert (out.loc[shown, "OBS_STATUS"] == "A").all()
    assert (out.loc[shown, "CONF_STATUS"] == "F").all()
    assert (out.loc[~shown, "OBS_STATUS"] == "Q").all()
    assert isinstance(out["OBS_STATUS"].dtype, pd.CategoricalDtype)


def test_existing_flags_on_published_cells_are_kept() -> None:
    data = frame(SEX_ONLY, OBS_STATUS=["E", "A", "P", "A"], CONF_STATUS=["F", "F", "F", "F"])
    _, _, out = run(data)
    assert row(out, SEX="T")["OBS_STATUS"] == "E"
    assert row(out, SEX="F")["OBS_STATUS"] == "P"


def test_missing_values_stay_missing_and_out_of_the_groups() -> None:
    data = frame(
        [("T", "TOTAL", 20), ("M", "TOTAL", 3), ("F", "TOTAL", np.nan), ("UNK", "TOTAL", 9)],
        OBS_STATUS=["A", "A", "M", "A"],
    )
    _, audit, out = run(data)
    assert row(out, SEX="F")["OBS_STATUS"] == "M"
    # Without F's value the public knows only T >= M + UNK: M lies anywhere in 0..11,
    # so nothing else need be hidden.
    assert row(out, SEX="UNK")["OBS_VALUE"] == 9
    assert audit.complete
    m = audit.reasons_for(Reason.PRIMARY).iloc[0]
    assert (m["PROTECTED_LOW"], m["PROTECTED_HIGH"]) == (0, 8)


def test_overlapping_forms_of_exploitation_are_bounded_by_their_total_only() -> None:
    """EXPLOIT_RULE MULTI, a few forms reported: the public knows only 'form <= total'."""
    data = frame(
        [("_T", 30), ("SEX", 20), ("LAB", 2), ("BEG", 8)],
        columns=("EXPLOIT",),
        EXPLOIT_RULE="MULTI",
    )
    _, audit, out = run(data)
    assert np.isnan(row(out, EXPLOIT="LAB")["OBS_VALUE"])
    assert out["OBS_VALUE"].isna().sum() == 1
    lab = audit.reasons_for(Reason.PRIMARY).iloc[0]
    assert (lab["PROTECTED_LOW"], lab["PROTECTED_HIGH"]) == (0, 7)


def test_forms_that_add_up_are_protected_as_a_sum() -> None:
    forms = ["SEX", "LAB", "SLAV", "BEG", "CRIM", "ORG", "MARR", "ADOPT", "SURR", "BEN", "OTH"]
    values = [20, 2, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    data = frame(
        [("_T", 30), *zip([*forms, "UNK"], values, strict=True)],
        columns=("EXPLOIT",),
        EXPLOIT_RULE="MAIN",
    )
    _, audit, out = run(data)
    # LAB (2) moves up by 5 only if another form goes down by 5: SLAV (8) is hidden.
    assert np.isnan(row(out, EXPLOIT="LAB")["OBS_VALUE"])
    assert np.isnan(row(out, EXPLOIT="SLAV")["OBS_VALUE"])
    assert audit.complete


def test_unprotectable_cells_stop_publication() -> None:
    # The country total stays published and the previous release published the
    # zeros of F and UNK with the values they still have: M = 3 is given away.
    data = frame([("T", "TOTAL", 3), ("M", "TOTAL", 3), ("F", "TOTAL", 0), ("UNK", "TOTAL", 0)])
    previous = Dataset(frame([("T", "TOTAL", 3), ("F", "TOTAL", 0), ("UNK", "TOTAL", 0)]))
    with pytest.raises(ProtectionError, match="could still be derived") as info:
        run(data, previous_public=previous)
    residual = info.value.audit.residual
    assert residual["SEX"].astype(str).tolist() == ["M"]
    assert residual["RISK"].tolist() == ["derivable"]
    # For analysts: strict=False returns what would be published, marked incomplete.
    _, audit, out = run(data, strict=False, previous_public=previous)
    assert np.isnan(row(out, SEX="M")["OBS_VALUE"])
    assert not audit.complete and "still derivable" in audit.summary()
    assert audit.to_frame()["RISK"].tolist() == ["derivable"]


def test_flows_are_rounded_and_values_below_ten_suppressed() -> None:
    data = frame(
        [("TOTAL", "_T", 62), ("UA", "_T", 23), ("NG", "_T", 7), ("VN", "_T", 32)],
        columns=("CITIZEN", "RECRUIT_AREA"),
    )
    public, audit, out = run(data, urn=FLOWS_URN)
    assert row(out, CITIZEN="TOTAL")["OBS_VALUE"] == 62  # country total as reported
    assert row(out, CITIZEN="UA")["OBS_VALUE"] == 25
    assert np.isnan(row(out, CITIZEN="NG")["OBS_VALUE"])
    assert row(out, CITIZEN="VN")["OBS_VALUE"] == 30
    rounded = audit.reasons_for(Reason.ROUNDING)
    assert sorted(rounded["RAW_VALUE"]) == [23, 32]
    assert sorted(rounded["PUBLIC_VALUE"]) == [25, 30]
    assert "multiple of 5" in audit.annotation and "All values" in audit.annotation
    assert public.structure_urn == FLOWS_URN  # no public flow mapped


def test_country_level_citizenship_is_rounded_in_victims() -> None:
    data = frame(
        [("TOTAL", 40), ("NAT", 7), ("FOR", 33), ("UA", 12), ("NG", 8), ("BR", 13)],
        columns=("CITIZEN",),
    )
    _, _, out = run(data)
    assert row(out, CITIZEN="NAT")["OBS_VALUE"] == 7  # group code: normal threshold
    assert row(out, CITIZEN="UA")["OBS_VALUE"] == 10
    assert np.isnan(row(out, CITIZEN="NG")["OBS_VALUE"])
    assert row(out, CITIZEN="BR")["OBS_VALUE"] == 15


def test_revisions_keep_previously_suppressed_cells_hidden_while_small() -> None:
    previous = frame(SEX_ONLY, OBS_STATUS=["A", "Q", "A", "Q"])
    revised = frame(
        [("T", "TOTAL", 29), ("M", "TOTAL", 0), ("F", "TOTAL", 9), ("UNK", "TOTAL", 20)]
    )
    _, _, fresh = run(revised)
    assert fresh["OBS_VALUE"].notna().all()
    _, audit, out = run(revised, previous_public=Dataset(previous))
    assert np.isnan(row(out, SEX="M")["OBS_VALUE"])
    assert audit.reasons_for(Reason.REVISION)["SEX"].astype(str).tolist() == ["M"]
    # F (9) was published in the previous release with the value it still has:
    # hiding it now would protect nothing, so UNK goes instead.
    assert row(out, SEX="F")["OBS_VALUE"] == 9
    assert np.isnan(row(out, SEX="UNK")["OBS_VALUE"])


def test_submission_flow_becomes_its_public_flow() -> None:
    public, audit, _ = run(frame(SEX_ONLY))
    assert public.structure_urn == VICTIMS_URN.replace("DF_THB_VICTIMS(", "DF_THB_VICTIMS_PUB(")
    assert audit.public_flow_id == "DF_THB_VICTIMS_PUB"
    assert load_disclosure_rules().annotation("DF_THB_VICTIMS")["type"] == "DISCLOSURE_CONTROL"


def test_audit_csv_lists_each_cell(tmp_path: Path) -> None:
    _, audit, _ = run(frame(SEX_ONLY))
    target = tmp_path / "audit.csv"
    audit.write_csv(target)
    back = pd.read_csv(target)
    assert sorted(back["REASON"]) == ["primary", "secondary"]
    assert sorted(back["RAW_VALUE"]) == [3, 8]


def test_without_a_measure_column_the_dataset_cannot_be_protected() -> None:
    data = frame(SEX_ONLY).drop(columns=["OBS_VALUE"])
    with pytest.raises(DatasetError, match="OBS_VALUE") as info:
        protect(Dataset(data))
    assert info.value.code == "missing-measure"


def test_rules_from_a_custom_file(tmp_path: Path) -> None:
    path = tmp_path / "disclosure.yaml"
    path.write_text("primary:\n  threshold: 11\nbreakdowns:\n  SEX: [T]\n", encoding="utf-8")
    rules = load_disclosure_rules(path)
    assert rules.threshold == 11 and rules.groups  # groups from the built-in rules.yaml
    _, _, out = run(frame(SEX_ONLY), rules=rules)
    assert out["OBS_VALUE"].isna().sum() == 3


@pytest.mark.parametrize(
    "text", ["primary: {threshold: zero}\n", "breakdowns: [SEX]\n", "primary: [\n"]
)
def test_broken_rules_files_raise_structure_errors(tmp_path: Path, text: str) -> None:
    path = tmp_path / "disclosure.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(StructureError) as info:
        load_disclosure_rules(path)
    assert info.value.location is not None and info.value.location.source == str(path)
