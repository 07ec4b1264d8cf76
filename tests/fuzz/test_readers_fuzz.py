"""Property tests of the readers' contract, bounded to seconds (the long run is ``python -m fuzz``).

Whatever the input, every entry point answers with a Dataset or a MosyError
(issue 10). Hypothesis builds structurally plausible but wrong messages (a JSON
value of another type, CSV rows of any text, SDMX-ML attribute values of any
text, workbook cells anywhere) and mutates the project's own THB messages with
the fuzzer's mutations; numbers that ``float()`` takes but the standard does
not are read alike by every reader.
"""

from __future__ import annotations

import functools
import io
import json
import os
import random
import re
import zipfile
from xml.sax.saxutils import quoteattr

import pytest
from fuzzing import mutate, thb_seeds
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mosy_sdmx import DataFormat, Dataset, MosyError, ParseError, read_data, write_data
from mosy_sdmx.structures import builtin_structures

FLOW = "DF_THB_VICTIMS"
#: Bounded: a few dozen examples each, the same ones in CI (no flaky red runs).
BOUNDED = settings(
    max_examples=30,
    deadline=None,
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
SEEDS = {f"{c.suffix}:{i}": c for i, c in enumerate(thb_seeds(structures=False))}


def seed(suffix: str, marker: bytes = b"") -> bytes:
    """The THB message of that suffix (holding ``marker``), written once per session."""
    return next(c.data for c in SEEDS.values() if c.suffix == suffix and marker in c.data)


def keeps_contract(data: bytes, **kwargs) -> Dataset | MosyError:
    """Read ``data``; a Dataset or a MosyError is the contract, anything else fails."""
    try:
        return read_data(data, **kwargs)
    except MosyError as exc:
        assert str(exc)  # names the problem
        return exc


@pytest.mark.parametrize("seed_name", sorted(SEEDS))
@settings(BOUNDED, max_examples=12)
@given(seed=st.integers(0, 2**32))
def test_mutated_thb_messages_give_a_dataset_or_a_mosy_error(seed_name, seed):
    case = SEEDS[seed_name]
    data = mutate(case.data, random.Random(seed))
    keeps_contract(data)
    keeps_contract(data, flow=FLOW)


# -- SDMX-JSON: a value of another type anywhere -----------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)


def _slots(node, path=()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*path, key)
            yield from _slots(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node[:3]):
            yield (*path, index)
            yield from _slots(value, (*path, index))


@pytest.fixture(scope="module")
def thb_json() -> dict:
    return json.loads(seed(".json"))


@BOUNDED
@given(pick=st.integers(0, 10**6), value=json_values)
def test_json_value_of_another_type_is_a_parse_error_with_its_path(thb_json, pick, value):
    doc = json.loads(json.dumps(thb_json))
    slots = list(_slots(doc))
    path = slots[pick % len(slots)]
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    result = keeps_contract(json.dumps(doc).encode(), flow=FLOW)
    if isinstance(result, ParseError) and "Expected" in result.detail:
        assert result.context["path"].startswith("$")


# -- SDMX-CSV: rows of any text ----------------------------------------------------------

cells = st.one_of(
    st.sampled_from(["1_000", "nan", "inf", "0x10", "NaN", "INF", "", "A", "2023", '"', "\x00"]),
    st.text(max_size=6),
)


@BOUNDED
@given(rows=st.lists(st.lists(cells, min_size=0, max_size=14), max_size=5))
def test_csv_rows_of_any_text_give_a_dataset_or_a_mosy_error(rows):
    layout = builtin_structures().layout(FLOW)
    header = ["STRUCTURE", "STRUCTURE_ID", "ACTION", *layout.key_columns(), *layout.measures]
    body = io.StringIO()
    body.write(",".join(header) + "\n")
    for row in rows:
        body.write(",".join(["dataflow", "MOSY:DF_THB_VICTIMS(1.0.0)", "I", *row]) + "\n")
    data = body.getvalue().encode("utf-8", "surrogatepass")
    keeps_contract(data)
    keeps_contract(data, flow=FLOW)


# -- SDMX-ML: attribute values of any text -----------------------------------------------

xml_text = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=10
).filter(lambda t: all(ord(c) >= 0x20 or c in "\t\n\r" for c in t))


@BOUNDED
@given(values=st.lists(xml_text, min_size=1, max_size=6))
def test_structure_specific_values_of_any_text_give_a_dataset_or_a_mosy_error(values):
    data = seed(".xml", b"StructureSpecific")
    attributes = list(re.finditer(rb'(\s\w+=)"[^"]*"', data))
    rng = random.Random(len(values))
    for value in values:
        m = rng.choice(attributes)
        data = data[: m.start()] + m.group(1) + quoteattr(value).encode() + data[m.end() :]
        attributes = list(re.finditer(rb'(\s\w+=)"[^"]*"', data))
    keeps_contract(data)
    keeps_contract(data, flow=FLOW)


# -- Workbooks: a cell anywhere ----------------------------------------------------------


def _with_cell_ref(workbook: bytes, ref: str) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(workbook))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<c r="B3"', f'<c r="{ref}"'.encode(), data, count=1)
            target.writestr(info.filename, data)
    return out.getvalue()


@BOUNDED
@given(
    column=st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=4),
    row=st.integers(1, 2**40),
)
def test_a_cell_anywhere_in_a_workbook_never_costs_more_than_the_limits(column, row):
    workbook = seed(".xlsx")
    result = keeps_contract(_with_cell_ref(workbook, f"{column}{row}"), flow=FLOW)
    if isinstance(result, ParseError) and result.title == "Workbook sheet too large":
        assert result.context["limit"].startswith("max_sheet_")


# -- Numbers: read alike by every reader -------------------------------------------------

numerals = st.one_of(
    st.sampled_from(
        [
            "1_000",
            "nan",
            "NaN",
            "inf",
            "INF",
            "-INF",
            "+INF",
            "Infinity",
            "0x10",
            "1e999",
            " 12 ",
            "+5",
            ".5",
            "5.",
            "1E3",
            "-0",
            "\u0661\u0662",
            "12abc",
            "1,5",
            "9" * 40,
        ]
    ),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.integers(-(10**12), 10**12).map(str),
)
PLACEHOLDER = 987654321.0


@functools.cache
def _templates() -> dict[DataFormat, bytes]:
    """One THB observation, OBS_VALUE a placeholder, in the formats compared."""
    from fuzzing import thb_dataset

    dataset = thb_dataset()
    dataset.data = dataset.data.iloc[:1].reset_index(drop=True)
    dataset.data["OBS_VALUE"] = PLACEHOLDER
    formats = (
        DataFormat.SDMX_CSV_20,
        DataFormat.SDMX_ML_21_SS,
        DataFormat.SDMX_ML_21_GENERIC,
        DataFormat.SDMX_JSON_20,
    )
    return {fmt: write_data(dataset, None, fmt) for fmt in formats}


def _one_observation(text: str) -> dict[str, bytes]:
    """The same one-observation THB message in every format, OBS_VALUE spelt ``text``."""
    mark = b"987654321"
    out = {}
    templates = _templates()
    for fmt in (DataFormat.SDMX_CSV_20, DataFormat.SDMX_ML_21_SS, DataFormat.SDMX_ML_21_GENERIC):
        data = templates[fmt]
        spelt = quoteattr(text)[1:-1] if fmt.is_xml else text
        if not fmt.is_xml and any(c in text for c in ',"\r\n'):
            spelt = '"' + text.replace('"', '""') + '"'
        out[fmt.value] = re.sub(rb"987654321(?:\.0)?", lambda _, s=spelt: s.encode(), data, count=1)
    data = templates[DataFormat.SDMX_JSON_20]
    spelt_json = json.dumps(text).encode()
    out["sdmx-json-2.0"] = re.sub(rb"987654321(?:\.0)?", lambda _: spelt_json, data, count=1)
    assert all(mark not in v for v in out.values())
    return out


@settings(BOUNDED, max_examples=25)
@given(text=numerals)
def test_numbers_are_read_alike_by_every_reader(text):
    outcomes = {}
    for name, data in _one_observation(text).items():
        result = keeps_contract(data, flow=FLOW)
        if isinstance(result, Dataset):
            value = float(result.data["OBS_VALUE"].iloc[0])
            outcomes[name] = "missing" if value != value else value
        else:
            assert isinstance(result, ParseError), result
            assert "OBS_VALUE" in str(result) or "value" in result.context, result
            outcomes[name] = "refused"
    assert len(set(outcomes.values())) == 1, (text, outcomes)
