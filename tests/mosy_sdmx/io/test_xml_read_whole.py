"""The whole-buffer path of the structure-specific reader must equal the streaming path.

Equal data on every document the hardened parser accepts, the same error on
every one it refuses, and the patterns really used where the data is regular.
"""

from __future__ import annotations

import io
import threading

import numpy as np
import pandas as pd
import pytest
import real_messages as rm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from io_samples import FLOW, thb_dataset, thb_layout

from mosy_sdmx import read_data, write_data
from mosy_sdmx.exceptions import ParseError
from mosy_sdmx.io.sdmx_ml import _fast_body, ss_reader

MSG = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"
SS = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific"


# -- helpers ------------------------------------------------------------------


def outcome(data: bytes, *, whole: bool, layout=None, region_obs: int = 3):
    """What reading ``data`` gives on one path: the dataset's parts, or the error."""
    saved = _fast_body.MIN_BYTES, _fast_body.REGION_OBS
    _fast_body.MIN_BYTES = 0 if whole else 1 << 62
    _fast_body.REGION_OBS = region_obs
    try:
        dataset = ss_reader.read(io.BytesIO(data), layout=layout, source_name="f.xml")
    except ParseError as exc:
        return ("error", exc.to_dict())
    finally:
        _fast_body.MIN_BYTES, _fast_body.REGION_OBS = saved
    frame = dataset.data
    columns = {
        name: (
            type(frame[name].dtype).__name__,
            [None if pd.isna(v) else v for v in frame[name].astype(object)],
        )
        for name in sorted(frame.columns)
    }
    return (
        "ok",
        columns,
        dataset.attributes,
        dataset.header,
        dataset.structure_urn,
        dataset.action,
        dataset.provider,
    )


class RegionSpy:
    """Counts the regions the patterns read and those left to the callbacks."""

    def __init__(self, monkeypatch) -> None:
        self.read = 0
        self.left = 0
        original = _fast_body.read_region

        def spy(*args, **kwargs):
            found = original(*args, **kwargs)
            if found is None:
                self.left += 1
            else:
                self.read += 1
            return found

        monkeypatch.setattr(_fast_body, "read_region", spy)


def message(body: str, *, prolog: str = '<?xml version="1.0" encoding="UTF-8"?>\n') -> bytes:
    return (
        f'{prolog}<message:StructureSpecificData xmlns:message="{MSG}" xmlns:ss="{SS}" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
        "<message:Header><message:ID>T1</message:ID><message:Test>false</message:Test>"
        "<message:Prepared>2026-01-01T00:00:00</message:Prepared>"
        '<message:Sender id="PT_NREM"/></message:Header>\n'
        f'<message:DataSet ss:structureRef="S1" ss:dataScope="DataStructure">\n{body}\n'
        "</message:DataSet></message:StructureSpecificData>\n"
    ).encode()


def series_body(n_series: int = 4, n_obs: int = 5) -> str:
    parts = []
    for s in range(n_series):
        parts.append(f'<Series REF_AREA="A{s}" SEX="F">')
        parts += [
            f'<Obs TIME_PERIOD="{2000 + k}" OBS_VALUE="{s * 10 + k}" OBS_STATUS="A"/>'
            for k in range(n_obs)
        ]
        parts.append("</Series>")
    return "\n".join(parts)


def assert_same(data: bytes, **kwargs) -> tuple:
    streamed = outcome(data, whole=False, **kwargs)
    whole = outcome(data, whole=True, **kwargs)
    assert whole == streamed
    return whole


# -- regular data takes the patterns ------------------------------------------


def test_regular_series_are_read_by_the_patterns(monkeypatch):
    spy = RegionSpy(monkeypatch)
    got = assert_same(message(series_body(6, 5)))
    assert got[0] == "ok"
    assert got[1]["OBS_VALUE"][1][:6] == [0.0, 1.0, 2.0, 3.0, 4.0, 10.0]
    assert got[1]["REF_AREA"][1][:6] == ["A0"] * 5 + ["A1"]
    assert spy.read >= 5 and spy.left == 0


def test_thb_data_written_by_mosy_is_read_by_the_patterns(monkeypatch, tmp_path):
    layout = thb_layout()
    dataset = thb_dataset(n_series=40, years=6, seed=3)
    frame = dataset.data
    # Comments with quotes and ampersands would be escaped (&quot;): a region each.
    frame["COMMENT_OBS"] = frame["COMMENT_OBS"].cat.rename_categories(["estimate"])
    path = tmp_path / "thb.xml"
    write_data(dataset, path, "sdmx-ml-2.1-ss", flow=FLOW)
    spy = RegionSpy(monkeypatch)
    got = assert_same(path.read_bytes(), layout=layout, region_obs=50)
    assert got[0] == "ok"
    assert spy.read >= 4 and spy.left == 0
    values = got[1]["OBS_VALUE"][1]
    assert values == [None if np.isnan(v) else v for v in frame["OBS_VALUE"]]


def test_left_out_attributes_take_the_loose_pattern(monkeypatch):
    body = series_body(5, 4).replace(
        ' OBS_STATUS="A"/>\n<Obs TIME_PERIOD="2001"', '/>\n<Obs TIME_PERIOD="2001"'
    )
    assert body.count('OBS_STATUS="A"') < 20
    spy = RegionSpy(monkeypatch)
    got = assert_same(message(body))
    statuses = got[1]["OBS_STATUS"][1]
    assert statuses[:2] == [None, "A"]
    assert spy.left == 0


def test_a_flat_body_is_read_by_the_patterns(monkeypatch):
    body = "\n".join(
        f'<Obs REF_AREA="A{k % 3}" TIME_PERIOD="{2000 + k}" OBS_VALUE="{k}"/>' for k in range(12)
    )
    spy = RegionSpy(monkeypatch)
    got = assert_same(message(body))
    assert got[1]["REF_AREA"][1][:4] == ["A0", "A1", "A2", "A0"]
    assert spy.read >= 3 and spy.left == 0


def test_one_odd_observation_costs_only_its_region(monkeypatch):
    body = series_body(6, 5).replace(
        '<Obs TIME_PERIOD="2001" OBS_VALUE="21"', "<Obs\tTIME_PERIOD='2001' OBS_VALUE='21'"
    )
    spy = RegionSpy(monkeypatch)
    got = assert_same(message(body))
    assert 21.0 in got[1]["OBS_VALUE"][1]
    assert spy.left == 1 and spy.read >= 4


def test_references_in_values_are_expanded_by_the_patterns(monkeypatch):
    body = series_body(6, 5).replace('OBS_STATUS="A"', 'OBS_STATUS="M&amp;E &#233;&#x41;&lt;"', 3)
    spy = RegionSpy(monkeypatch)
    got = assert_same(message(body))
    assert got[1]["OBS_STATUS"][1][:4] == ["M&E éA<"] * 3 + ["A"]
    assert spy.left == 0


def test_groups_before_the_series_go_through_the_callbacks(monkeypatch):
    body = '<Group SEX="F" TITLE="Women"/>\n' + series_body(4, 3)
    spy = RegionSpy(monkeypatch)
    got = assert_same(message(body))
    assert got[1]["TITLE"][1] == ["Women"] * 12
    assert spy.read >= 1


def test_specimens_read_the_same(specimens):
    for path in sorted(specimens.rglob("*.xml")):
        data = path.read_bytes()
        if b"StructureSpecific" not in data[:4096]:
            continue
        assert_same(data, region_obs=64)


# -- anything irregular: the same result or the same error ------------------------


IRREGULAR = {
    "comment in the body": ("<!-- ", " -->"),
    "comment hiding an observation": ('<!-- <Obs TIME_PERIOD="1999" OBS_VALUE="9"/> ', "-->"),
    "processing instruction": ("<?pi x?>", ""),
    "cdata": ("<![CDATA[ <Obs/> ]]>", ""),
    "text between observations": ("junk &amp; more", ""),
    "single quotes": ("<Obs TIME_PERIOD='1999' OBS_VALUE='9'/>", ""),
    "spaces around =": ('<Obs TIME_PERIOD = "1999" OBS_VALUE="9"/>', ""),
    "line break in a value": ('<Obs TIME_PERIOD="1999" OBS_VALUE="9" OBS_STATUS="A\nB"/>', ""),
    "tab between attributes": ('<Obs TIME_PERIOD="1999"\tOBS_VALUE="9"/>', ""),
    "other attribute order": ('<Obs OBS_VALUE="9" TIME_PERIOD="1999"/>', ""),
    "empty value": ('<Obs TIME_PERIOD="1999" OBS_VALUE=""/>', ""),
    "namespaced observation": ('<ss:Obs TIME_PERIOD="1999" OBS_VALUE="9"/>', ""),
    "annotation inside an observation": (
        '<Obs TIME_PERIOD="1999" OBS_VALUE="9"><common:Annotations '
        'xmlns:common="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common"/></Obs>',
        "",
    ),
    "default namespace on a series": (
        '<Series xmlns="urn:x" REF_AREA="Z"><Obs TIME_PERIOD="1"/></Series>',
        "",
    ),
    "end tag with a space": ('<Series REF_AREA="Z"></Series >', ""),
    "a second dataset": ('</message:DataSet><message:DataSet ss:structureRef="S1">', ""),
    "unclosed series": ('<Series REF_AREA="Z">', ""),
    "stray end tag": ("</Series>", ""),
    "not UTF-8": ('<Obs TIME_PERIOD="@FF@" OBS_VALUE="1"/>', ""),
    "control character": ('<Obs TIME_PERIOD="\x01" OBS_VALUE="1"/>', ""),
    "lt in a value": ('<Obs TIME_PERIOD="<" OBS_VALUE="1"/>', ""),
    "gt in a value": ('<Obs TIME_PERIOD="a>b" OBS_VALUE="1" OBS_STATUS="A"/>', ""),
}


@pytest.mark.parametrize("name", list(IRREGULAR))
def test_irregular_bodies_read_or_fail_the_same(name):
    before, after = IRREGULAR[name]
    body = series_body(4, 4)
    cut = body.index("<Series", 10)
    text = body[:cut] + before + after + "\n" + body[cut:]
    assert_same(message(text).replace(b"@FF@", b"\xff"))


def test_a_declared_legacy_encoding_leaves_the_patterns(monkeypatch):
    body = series_body(3, 3).replace('REF_AREA="A1"', 'REF_AREA="Zé"')
    data = message(body, prolog='<?xml version="1.0" encoding="ISO-8859-1"?>\n')
    data = data.decode("utf-8").encode("latin-1")
    spy = RegionSpy(monkeypatch)
    got = assert_same(data)
    assert "Zé" in got[1]["REF_AREA"][1]
    assert spy.read == spy.left == 0


@pytest.mark.parametrize("cut", [0.2, 0.5, 0.9, 0.999])
def test_a_truncated_file_fails_the_same(cut):
    data = message(series_body(5, 5))
    got = assert_same(data[: int(len(data) * cut)])
    assert got[0] == "error"


def test_unknown_components_are_reported_by_the_streaming_path():
    layout = thb_layout()
    dataset = thb_dataset(n_series=6, years=3)
    buffer = io.BytesIO()
    write_data(dataset, buffer, "sdmx-ml-2.1-ss", flow=FLOW)
    data = buffer.getvalue().replace(b' OBS_VALUE="', b' NOT_A_COMPONENT="x" OBS_VALUE="', 1)
    got = assert_same(data, layout=layout)
    assert got[0] == "error" and got[1]["location"]["line"] > 1


def test_a_bad_number_is_located_the_same():
    layout = thb_layout()
    buffer = io.BytesIO()
    write_data(thb_dataset(n_series=6, years=3), buffer, "sdmx-ml-2.1-ss", flow=FLOW)
    data = buffer.getvalue()
    at = data.index(b'OBS_VALUE="', data.index(b"<Obs", data.index(b"<Obs") + 5))
    end = data.index(b'"', at + 11)
    data = data[: at + 11] + b"many" + data[end:]
    got = assert_same(data, layout=layout)
    assert got[0] == "error" and got[1]["title"] == "Not a number"


def test_the_checking_thread_never_outlives_a_read():
    data = message(series_body(4, 4) + "<unclosed>")
    outcome(data, whole=True)
    assert not [t for t in threading.enumerate() if t.name == "mosy-xml-gate"]


def test_inputs_are_taken_whole_within_bounds(tmp_path, monkeypatch):
    data = message(series_body(2000, 10))
    path = tmp_path / "big.xml"
    path.write_bytes(data)
    assert len(data) > _fast_body.MIN_BYTES
    with open(path, "rb") as handle:
        whole = _fast_body.take_whole(handle)
        assert whole.data == data and whole.stream is handle and handle.tell() == 0
        monkeypatch.setattr(_fast_body, "MAX_BYTES", len(data) - 1)
        assert _fast_body.take_whole(handle).data is None and handle.tell() == 0
    # A stream that is not a file (unpacked gzip, an upload) is read up to the bound,
    # and streamed on from what was read beyond it.
    piped = io.BufferedReader(io.BytesIO(data))
    whole = _fast_body.take_whole(piped)
    assert whole.data is None and whole.stream.read() == data
    monkeypatch.setattr(_fast_body, "MAX_BYTES", len(data))
    whole = _fast_body.take_whole(io.BufferedReader(io.BytesIO(data)))
    assert whole.data == data and whole.stream.read() == data
    assert _fast_body.take_whole(io.BytesIO(data)).data is data


def test_a_gzipped_file_is_read_by_the_patterns(tmp_path, monkeypatch):
    import gzip

    data = message(series_body(3000, 10))
    path = tmp_path / "big.xml.gz"
    path.write_bytes(gzip.compress(data))
    spy = RegionSpy(monkeypatch)
    frame = read_data(path, structure=None, format="sdmx-ml-2.1-ss").data
    assert len(frame) == 30_000 and spy.read >= 1 and spy.left == 0
    streamed = outcome(data, whole=False)
    assert sorted(frame.columns) == list(streamed[1])
    assert frame["OBS_VALUE"].tolist() == streamed[1]["OBS_VALUE"][1]


def test_an_input_beyond_the_bound_is_streamed(tmp_path, monkeypatch):
    import gzip

    data = message(series_body(3000, 10))
    path = tmp_path / "big.xml.gz"
    path.write_bytes(gzip.compress(data))
    monkeypatch.setattr(_fast_body, "MAX_BYTES", len(data) // 2)
    spy = RegionSpy(monkeypatch)
    frame = read_data(path, structure=None, format="sdmx-ml-2.1-ss").data
    assert len(frame) == 30_000 and spy.read == spy.left == 0


# -- any document ---------------------------------------------------------------

_PLAIN = ["A", "F", "2020", "2020-Q1", "12", "0.5", "", " x ", "é", "a'b", "a>b"]
_REFERENCES = ["M&amp;E", "&#65;", "&lt;&gt;&quot;&apos;", "&#10;&#x9;", "&#x26;#38;", "&amp;#38;"]
_VALUES = st.sampled_from([*_PLAIN, *_REFERENCES])
_OBS_NAMES = ["TIME_PERIOD", "OBS_VALUE", "OBS_STATUS", "NOTE"]
_SERIES_NAMES = ["REF_AREA", "SEX", "TITLE"]


@st.composite
def _element(draw, tag: str, names: list[str], close: str) -> str:
    chosen = draw(st.lists(st.sampled_from(names), unique=True, max_size=len(names)))
    if draw(st.integers(0, 3)):  # mostly in the usual order
        chosen = [n for n in names if n in chosen]
    attrs = "".join(f' {n}="{draw(_VALUES)}"' for n in chosen)
    return f"<{tag}{attrs}{close}"


@st.composite
def documents(draw, irregular: bool = True) -> bytes:
    parts = []
    flat = draw(st.integers(0, 5)) == 0
    for _ in range(draw(st.integers(0, 6))):
        if flat:
            parts.append(draw(_element("Obs", [*_SERIES_NAMES, *_OBS_NAMES], "/>")))
            continue
        if draw(st.integers(0, 8)) == 0:
            parts.append(draw(_element("Series", _SERIES_NAMES, "/>")))
            continue
        parts.append(draw(_element("Series", _SERIES_NAMES, ">")))
        for _ in range(draw(st.integers(0, 5))):
            parts.append(draw(_element("Obs", _OBS_NAMES, "/>")))
        parts.append("</Series>")
    extras = st.sampled_from(
        [
            *["<!-- c -->", "<?pi?>", "text", "<Group SEX='F' TITLE='G'/>", "</Series>", "\t"],
            *["<Obs/>", "<Sib/>", "<Series><Sib/></Series>", "<Series><Obs><Sib/></Obs></Series>"],
        ]
    )
    for _ in range(draw(st.integers(0, 2)) if irregular and draw(st.booleans()) else 0):
        parts.insert(draw(st.integers(0, len(parts))), draw(extras))
    data = message("\n".join(parts))
    if irregular and draw(st.integers(0, 4)) == 0:
        data = data[: draw(st.integers(0, len(data)))]
    return data


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), st.integers(1, 4))
def test_any_document_reads_or_fails_the_same_on_both_paths(data, region_obs):
    assert_same(data, region_obs=region_obs)


def test_reads_in_parallel_threads_do_not_mix(monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    monkeypatch.setattr(_fast_body, "MIN_BYTES", 0)
    messages = [
        message(series_body(300 + 50 * k, 6).replace('SEX="F"', f'SEX="S{k}"')) for k in range(4)
    ]
    expected = [outcome(data, whole=False) for data in messages]
    spy = RegionSpy(monkeypatch)

    def read(data: bytes):
        frame = ss_reader.read(io.BytesIO(data), layout=None, source_name="f.xml").data
        return frame["SEX"].astype(str).unique().tolist(), len(frame)

    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(read, messages * 3))
    assert spy.read >= 12
    for k, (sexes, rows) in enumerate(got):
        assert sexes == [f"S{k % 4}"] and rows == len(expected[k % 4][1]["SEX"][1])


def tree_rows(data: bytes) -> tuple[list[dict[str, str]], set[str]]:
    """Each observation's values, and every component named, by the hardened
    parser's element tree: an oracle for both paths (they share the reader's
    callbacks where the patterns do not apply)."""
    from mosy_sdmx.safe_xml import parse_bytes

    dataset = parse_bytes(data).getroot()[1]
    rows = []
    names = {name for element in dataset.iter("Series", "Obs") for name in element.attrib}
    for child in dataset:
        if child.tag == "Obs":
            rows.append(dict(child.attrib))
        for obs in child.iter("Obs") if child.tag == "Series" else ():
            rows.append({**child.attrib, **obs.attrib})
    return rows, names


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(irregular=False), st.integers(1, 4), st.booleans())
def test_any_regular_document_reads_as_its_element_tree(data, region_obs, whole):
    expected, names = tree_rows(data)
    got = outcome(data, whole=whole, region_obs=region_obs)
    assert got[0] == "ok"
    columns = got[1]
    assert set(columns) == names
    for name, (dtype, values) in columns.items():
        want = [row.get(name) for row in expected]
        if dtype == "Float64DType":
            want = [None if w is None else float(w) for w in want]
        assert values == want, name


# -- agencies' forms: both paths agree --------------------------------------------


@pytest.mark.parametrize(
    ("build", "result"),
    [
        (lambda: rm.explicit_cross_section(years=6), "ok"),
        (lambda: rm.explicit_cross_section(years=6, form="type"), "ok"),
        (lambda: rm.explicit_cross_section(years=6, dataset_prefix="ns"), "ok"),
        (lambda: rm.explicit_cross_section(years=6, footer=rm.footer_xml()), "ok"),
        (lambda: rm.explicit_flat(), "error"),  # which dimension, only the DSD says
        (lambda: rm.multi_valued_30(series=12), "ok"),
    ],
    ids=["xsi-type", "type", "dataset-namespace", "footer", "flat-explicit", "comp-values"],
)
def test_agency_forms_read_alike_on_both_paths(build, result):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = assert_same(build())
    assert got[0] == result
