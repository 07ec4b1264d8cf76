"""Sub-tables: protecting only the touched ones gives what protecting everything gives."""

from __future__ import annotations

import numpy as np
import pandas as pd
from thb_tables import victims_dataset

from mosy_sdmx.disclosure import load_disclosure_rules, protect
from mosy_sdmx.disclosure.scope import in_tables, table_columns, tables_of
from mosy_sdmx.structures import builtin_structures


def test_no_relation_runs_along_the_table_columns() -> None:
    rules = load_disclosure_rules()
    keys = builtin_structures().layout("DF_THB_VICTIMS").key_columns()
    columns = table_columns(keys, rules)
    assert columns == ["FREQ", "REF_AREA", "DATA_SOURCE", "TIME_PERIOD"]
    assert not {g.dimension for g in rules.groups} & set(columns)


def test_protecting_each_table_alone_equals_protecting_them_together() -> None:
    structures = builtin_structures()
    rules = load_disclosure_rules()
    dataset = victims_dataset(np.random.default_rng(11), areas=("PT", "EL"), years=("2022", "2023"))
    keys = structures.layout("DF_THB_VICTIMS").key_columns()
    together, _ = protect(dataset, structures, rules=rules, method="optimal")
    tables = tables_of(dataset.data, table_columns(keys, rules))
    assert len(tables) == 4
    parts = []
    for number in range(len(tables)):
        rows = dataset.data[in_tables(dataset.data, tables.iloc[[number]])]
        alone, _ = protect(
            dataset.with_data(rows.reset_index(drop=True)), structures, rules=rules,
            method="optimal",
        )  # fmt: skip
        parts.append(alone.data)
    apart = pd.concat(parts, ignore_index=True)
    order = [c for c in keys if c in apart.columns]
    a = together.data.sort_values(order).reset_index(drop=True)
    b = apart.sort_values(order).reset_index(drop=True)
    hidden_a = a["OBS_VALUE"].isna().to_numpy()
    assert hidden_a.any() and (hidden_a == b["OBS_VALUE"].isna().to_numpy()).all()
    pd.testing.assert_series_equal(a["OBS_VALUE"], b["OBS_VALUE"])


def test_rows_are_matched_to_their_tables() -> None:
    frame = pd.DataFrame({"REF_AREA": ["PT", "EL", "PT"], "TIME_PERIOD": ["2023", "2023", "2022"]})
    tables = pd.DataFrame({"REF_AREA": ["PT"], "TIME_PERIOD": ["2023"]})
    assert in_tables(frame, tables).tolist() == [True, False, False]
    assert in_tables(frame, tables.iloc[:0]).tolist() == [False] * 3
    assert in_tables(frame, tables[[]]).tolist() == [True] * 3
