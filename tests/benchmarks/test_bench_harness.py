"""The benchmark harness runs: same data for every tool, every mosy operation works.

No timings are asserted here; benchmarks/run.py measures them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from peers import OPERATIONS, mosy
from thb_data import YEARS, make_dataset, write_files


@pytest.fixture(scope="module")
def bench_files(tmp_path_factory):
    dataset = make_dataset(360)
    return dataset, write_files(dataset, tmp_path_factory.mktemp("bench"))


def test_generated_data_has_unique_keys_and_whole_series(bench_files) -> None:
    dataset, _ = bench_files
    frame = dataset.data
    key = [
        c
        for c in frame.columns
        if c not in ("OBS_VALUE", "OBS_STATUS", "CONF_STATUS", "UNIT_MEASURE", "COUNT_RULE")
    ]
    assert len(frame) == 360
    assert not frame.duplicated(key).any()
    assert frame.groupby(key[:-1], observed=True).size().eq(len(YEARS)).all()


@pytest.mark.parametrize("op", OPERATIONS)
def test_every_mosy_operation_handles_all_observations(bench_files, op, tmp_path) -> None:
    dataset, files = bench_files
    timed = mosy(op, files, tmp_path / "out")
    assert timed is not None
    assert timed() == len(dataset)
