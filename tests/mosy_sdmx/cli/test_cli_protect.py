"""``mosy protect IN OUT``: public data and audit written; bad input exits 2."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from mosy_sdmx.cli import _register, app
from mosy_sdmx.dataset import Dataset
from mosy_sdmx.io import read_data, write_data
from mosy_sdmx.structures import builtin_structures

runner = CliRunner()
_register()

# SEX × AGE of one country total; M under 18 (3) is the only small count.
ROWS = [
    ("T", "TOTAL", 40),
    ("M", "TOTAL", 25),
    ("F", "TOTAL", 15),
    ("UNK", "TOTAL", 0),
    ("T", "Y_LT18", 12),
    ("M", "Y_LT18", 3),
    ("F", "Y_LT18", 9),
    ("UNK", "Y_LT18", 0),
    ("T", "Y_GE18", 28),
    ("M", "Y_GE18", 22),
    ("F", "Y_GE18", 6),
    ("UNK", "Y_GE18", 0),
]


def _submission(
    path: Path, flow: str = "DF_THB_VICTIMS", conf: list[str] | None = None, rows=ROWS
) -> None:
    layout = builtin_structures().layout(flow)
    data = pd.DataFrame(rows, columns=["SEX", "AGE", "OBS_VALUE"])
    fixed = {
        "FREQ": "A",
        "REF_AREA": "PT",
        "DATA_SOURCE": "NREM",
        "PERS_STAT": "PER_VICT",
        "CITIZEN": "TOTAL",
        "EXPLOIT": "_T",
        "TIME_PERIOD": "2023",
    }
    for column, value in fixed.items():
        data[column] = value
    data["OBS_VALUE"] = data["OBS_VALUE"].astype(float)
    if conf is not None:
        data["CONF_STATUS"] = conf
    columns = [*layout.dimensions, "TIME_PERIOD", "OBS_VALUE"]
    columns += ["CONF_STATUS"] if conf is not None else []
    dataset = Dataset(data[columns], structure_urn=layout.structure_urn)
    write_data(dataset, path, "sdmx-csv-2.0", layout)


def _value(frame: pd.DataFrame, sex: str, age: str) -> float:
    hit = (frame["SEX"].astype(str) == sex) & (frame["AGE"].astype(str) == age)
    return float(frame.loc[hit, "OBS_VALUE"].iloc[0])


def test_protect_csv_writes_public_data_and_audit(tmp_path: Path) -> None:
    src, out, audit = tmp_path / "in.csv", tmp_path / "out.csv", tmp_path / "audit.csv"
    _submission(src)
    result = runner.invoke(app, ["protect", str(src), str(out), "--audit", str(audit)])
    assert result.exit_code == 0, result.output
    public = read_data(out)
    assert public.structure_id == "DF_THB_VICTIMS_PUB"
    frame = public.data
    assert np.isnan(_value(frame, "M", "Y_LT18"))
    assert _value(frame, "T", "TOTAL") == 40
    hidden = frame["OBS_VALUE"].isna()
    assert (frame.loc[hidden, "OBS_STATUS"].astype(str) == "Q").all()
    assert set(frame.loc[hidden, "CONF_STATUS"].astype(str)) == {"C"}  # one flag for all
    # 3 hidden; then F<18 (smallest part of T<18), M>=18 (of M), F>=18 (of T>=18).
    shown = frame.loc[hidden, ["SEX", "AGE"]].astype(str).itertuples(index=False, name=None)
    assert set(shown) == {("M", "Y_LT18"), ("F", "Y_LT18"), ("M", "Y_GE18"), ("F", "Y_GE18")}
    listed = pd.read_csv(audit)
    assert len(listed) == hidden.sum()
    assert set(listed["REASON"]) == {"primary", "secondary"}
    assert "cells changed" in result.output


def test_protect_with_flow_option_and_other_output_format(tmp_path: Path) -> None:
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    _submission(src, conf=["F"] * 11 + ["C"])
    result = runner.invoke(
        app, ["protect", str(src), str(out), "--flow", "DF_THB_VICTIMS", "--format", "sdmx-csv-1.0"]
    )
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert text.startswith("DATAFLOW,")
    public = read_data(io.BytesIO(text.encode()), flow="DF_THB_VICTIMS_PUB")
    assert np.isnan(_value(public.data, "UNK", "Y_GE18"))  # flagged C by the submitter
    hidden = public.data["OBS_VALUE"].isna()
    assert set(public.data.loc[hidden, "CONF_STATUS"].astype(str)) == {"C"}
    assert set(public.data.loc[~hidden, "CONF_STATUS"].astype(str)) == {"F"}


def test_previous_release_keeps_cells_suppressed(tmp_path: Path) -> None:
    src, first, second = tmp_path / "in.csv", tmp_path / "v1.csv", tmp_path / "v2.csv"
    _submission(src)
    assert runner.invoke(app, ["protect", str(src), str(first)]).exit_code == 0
    result = runner.invoke(app, ["protect", str(src), str(second), "--previous", str(first)])
    assert result.exit_code == 0, result.output
    a, b = read_data(first).data, read_data(second).data
    assert (a["OBS_VALUE"].isna().to_numpy() <= b["OBS_VALUE"].isna().to_numpy()).all()


def test_residual_risk_exits_1_with_the_audit_and_publishes_nothing(tmp_path: Path) -> None:
    src, out, audit = tmp_path / "in.csv", tmp_path / "out.csv", tmp_path / "audit.csv"
    previous = tmp_path / "previous.csv"
    # The previous release published F = 0 and UNK = 0 with the country total 3: M = 3.
    _submission(
        previous,
        flow="DF_THB_VICTIMS",
        rows=[("T", "TOTAL", 3), ("F", "TOTAL", 0), ("UNK", "TOTAL", 0)],
    )
    _submission(
        src, rows=[("T", "TOTAL", 3), ("M", "TOTAL", 3), ("F", "TOTAL", 0), ("UNK", "TOTAL", 0)]
    )
    result = runner.invoke(
        app, ["protect", str(src), str(out), "--previous", str(previous), "--audit", str(audit)]
    )
    assert result.exit_code == 1
    assert "could still be derived" in result.output
    assert not out.exists()
    listed = pd.read_csv(audit)
    at_risk = listed[listed["RISK"].fillna("") != ""]
    assert at_risk[["SEX", "RISK"]].values.tolist() == [["M", "derivable"]]


def test_unreadable_input_exits_2_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("not,an,sdmx\nfile\n", encoding="utf-8")
    result = runner.invoke(app, ["protect", str(bad), str(tmp_path / "out.csv")])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert not (tmp_path / "out.csv").exists()


def test_missing_input_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["protect", str(tmp_path / "nope.csv"), str(tmp_path / "o.csv")])
    assert result.exit_code == 2
