"""Dataset -> SDMX-JSON 1.0 / 2.0 data messages, built column-wise.

Every dimension and attribute column is factorised once (numpy codes plus the
distinct values for the structure part); the observation part is assembled as
text with Arrow's element-wise string joins (``"key":[value,attr,...]``), and
one list-join per series, so no Python object is made per observation. The
surrounding message is ordinary ``json`` output.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any, BinaryIO, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from mosy_sdmx.dataset import Action, Dataset, LocalisedText, is_multi_value
from mosy_sdmx.exceptions import DatasetError, Location, UnsupportedFormatError
from mosy_sdmx.io.frame import ref_from_urn
from mosy_sdmx.io.labels import Names, collect_names
from mosy_sdmx.structures import AttachmentLevel, ComponentLayout, ValueKind

SCHEMA_10 = (
    "https://raw.githubusercontent.com/sdmx-twg/sdmx-json/master/data-message/tools/"
    "schemas/1.0/sdmx-json-data-schema.json"
)
SCHEMA_20 = (
    "https://raw.githubusercontent.com/sdmx-twg/sdmx-json/master/data-message/tools/"
    "schemas/2.0.0/sdmx-json-data-schema.json"
)
_ID = re.compile(r"^[A-Za-z0-9_@$-]+$")
_SLOT = "\x00SERIES\x00"

Envelope = Literal["sdmx", "legacy"]


def write_10(
    dataset: Dataset,
    stream: BinaryIO,
    *,
    layout: ComponentLayout,
    labels_from=None,
    envelope: Envelope = "sdmx",
    flat: bool = False,
    **_: object,
) -> None:
    """SDMX-JSON 1.0 (SDMX 2.1 data).

    ``envelope="sdmx"`` writes the schema's ``meta``/``data`` form;
    ``"legacy"`` the early top-level ``header``/``structure``/``dataSets``
    form that ECB services serve and sdmx1 reads. ``flat`` puts every
    dimension at observation level.
    """
    _write(dataset, stream, layout, "1.0", labels_from, envelope, flat)


def write_20(
    dataset: Dataset,
    stream: BinaryIO,
    *,
    layout: ComponentLayout,
    labels_from=None,
    flat: bool = False,
    **_: object,
) -> None:
    """SDMX-JSON 2.0.0 (SDMX 3.0 data)."""
    _write(dataset, stream, layout, "2.0", labels_from, "sdmx", flat)


# -- plan ---------------------------------------------------------------------------


class _Comp:
    """One component's distinct values and per-row codes (-1 = missing)."""

    def __init__(self, comp_id: str, values: pd.Series, sort: bool = False) -> None:
        self.id = comp_id
        codes, uniques = pd.factorize(values, sort=sort, use_na_sentinel=True)
        self.codes = np.asarray(codes, dtype=np.int64)
        #: The distinct values as they are (tuples and LocalisedText for SDMX 3.0
        #: several values / languages), and as text.
        self.raw = list(np.asarray(uniques, dtype=object))
        self.values = [str(u) for u in self.raw]


def _write(
    dataset: Dataset,
    stream: BinaryIO,
    layout: ComponentLayout,
    version: str,
    labels_from,
    envelope: Envelope,
    flat: bool,
) -> None:
    if envelope not in ("sdmx", "legacy"):
        raise UnsupportedFormatError(
            "Unsupported option", f"envelope must be 'sdmx' or 'legacy': {envelope!r}"
        )
    names = collect_names(layout, dataset, labels_from)
    df = dataset.data
    actions = _actions(dataset)
    urn = dataset.structure_urn or layout.structure_urn or layout.dsd_urn
    structure = _Structure(df, dataset, layout, flat)
    struct_json = structure.describe(version, names, urn)
    data_sets = []
    bodies = []
    for action, rows in actions:
        ds: dict[str, Any] = {"action": action.value}
        if version == "2.0":
            ds = {"structure": 0, **ds}
        ds["links"] = [_link(urn)]
        if structure.dataset_attr_indices:
            ds["attributes"] = structure.dataset_attr_indices
        key = "series" if structure.series_dims else "observations"
        ds[key] = _SLOT
        data_sets.append(ds)
        bodies.append(structure.body(rows))
    meta = _meta(dataset, version)
    if version == "2.0":
        struct_json["dataSets"] = list(range(len(data_sets)))
        doc: dict[str, Any] = {
            "meta": meta,
            "data": {"structures": [struct_json], "dataSets": data_sets},
        }
    elif envelope == "legacy":
        header = {k: v for k, v in meta.items() if k not in ("schema", "contentLanguages")}
        header["sender"] = {**header["sender"], "name": header["sender"]["id"]}
        doc = {"header": header, "structure": struct_json, "dataSets": data_sets}
    else:
        doc = {"meta": meta, "data": {"structure": struct_json, "dataSets": data_sets}}
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    parts = text.split(json.dumps(_SLOT))
    for prefix, body in zip(parts, bodies, strict=False):
        stream.write(prefix.encode("utf-8"))
        stream.write(b"{")
        for piece in body:
            stream.write(piece)
        stream.write(b"}")
    stream.write(parts[-1].encode("utf-8"))


def _actions(dataset: Dataset) -> list[tuple[Action, np.ndarray | None]]:
    """One data set per action: SDMX-JSON has no per-observation action."""
    if "ACTION" not in dataset.data.columns:
        return [(dataset.action, None)]
    codes = dataset.data["ACTION"].astype(object)
    out = []
    for value in pd.unique(codes):
        action = Action.parse(str(value))
        out.append((action, np.flatnonzero((codes == value).to_numpy())))
    return out


def _meta(dataset: Dataset, version: str) -> dict[str, Any]:
    header = dataset.header
    prepared = header.prepared or datetime.now(UTC)
    if prepared.tzinfo is None:
        prepared = prepared.replace(tzinfo=UTC)
    ident = header.id if _ID.match(header.id or "") else re.sub(r"[^A-Za-z0-9_@$-]", "_", header.id)
    sender = header.sender if _ID.match(header.sender or "") else "MOSY"
    meta: dict[str, Any] = {
        "schema": SCHEMA_20 if version == "2.0" else SCHEMA_10,
        "id": ident or "MOSY",
        "test": bool(header.test),
        "prepared": prepared.isoformat().replace("+00:00", "Z"),
        "contentLanguages": ["en"],
        "sender": {"id": sender},
    }
    if header.receiver and _ID.match(header.receiver):
        meta["receivers"] = [{"id": header.receiver}]
    return meta


def _link(urn: str) -> dict[str, str]:
    kind, _ = ref_from_urn(urn)
    rel = {"dataprovision": "provisionagreement"}.get(kind, kind)
    return {"urn": urn, "rel": rel}


class _Structure:
    """Which component sits at which level, with its codes and distinct values."""

    def __init__(
        self, df: pd.DataFrame, dataset: Dataset, layout: ComponentLayout, flat: bool
    ) -> None:
        self.layout = layout
        self.n = len(df)
        time = layout.time_dimension if layout.time_dimension in df.columns else None
        dims = [d for d in layout.dimensions if d in df.columns]
        missing = [d for d in layout.dimensions if d not in df.columns]
        if missing:
            raise DatasetError(
                "Cannot write SDMX-JSON",
                f"the data has no column for {', '.join(missing)}",
                code="missing-dimension",
                context={"components": missing},
            )
        for key in [*dims, *([time] if time else [])]:
            if df[key].isna().any():
                row = int(np.flatnonzero(df[key].isna().to_numpy())[0])
                raise DatasetError(
                    "Cannot write SDMX-JSON",
                    f"observation {row + 1} has no value for the dimension {key}",
                    code="missing-dimension-value",
                    context={"component": key, "row": row + 1},
                    location=Location(component=key, row=row + 1),
                )
        if flat or time is None:
            self.series_dims: list[_Comp] = []
            self.obs_dims = [_Comp(d, df[d]) for d in dims] + (
                [_Comp(time, df[time], sort=True)] if time else []
            )
        else:
            self.series_dims = [_Comp(d, df[d]) for d in dims]
            self.obs_dims = [_Comp(time, df[time], sort=True)]
        self.measures = [m for m in layout.measures if m in df.columns]
        attrs = [a for a in layout.attributes if a in df.columns]
        level = {a: layout.components[a].level for a in attrs}
        series_level = (AttachmentLevel.SERIES, AttachmentLevel.GROUP)
        if self.series_dims:
            self.series_attrs = [_Comp(a, df[a]) for a in attrs if level[a] in series_level]
        else:
            self.series_attrs = []
        self.obs_attrs = [
            _Comp(a, df[a])
            for a in attrs
            if not (self.series_dims and level[a] in series_level)
            and level[a] is not AttachmentLevel.DATASET
        ]
        self.dataset_attrs = dict(dataset.attributes)
        for a in attrs:
            if level[a] is AttachmentLevel.DATASET:
                values = df[a].dropna().unique()
                if len(values):
                    self.dataset_attrs.setdefault(a, str(values[0]))
        self.dataset_attr_indices = [0 for _ in self.dataset_attrs]
        self.df = df

    # -- structure part ------------------------------------------------------------
    def describe(self, version: str, names: Names, urn: str) -> dict[str, Any]:
        layout = self.layout
        positions = {d: i for i, d in enumerate(layout.key_columns())}

        def dim(comp: _Comp) -> dict[str, Any]:
            is_time = comp.id == layout.time_dimension
            out: dict[str, Any] = {
                "id": comp.id,
                "name": names.component(comp.id),
                "keyPosition": positions[comp.id],
            }
            if is_time:
                out["roles" if version == "2.0" else "role"] = (
                    ["TIME_PERIOD"] if version == "2.0" else "TIME_PERIOD"
                )
            out["values"] = [
                {"value": v}
                if is_time and version == "2.0" and not _ID.match(v)
                else {"id": v, "name": names.code(comp.id, v)}
                for v in comp.values
            ]
            return out

        def attr(comp_id: str, values: list[Any], level: str) -> dict[str, Any] | None:
            coded = layout.components[comp_id].kind is ValueKind.CODED
            if not values and version == "2.0":
                return None
            out: dict[str, Any] = {"id": comp_id, "name": names.component(comp_id)}
            out["relationship"] = self._relationship(comp_id, level, version)
            multi = [v for v in values if is_multi_value(v)]
            if multi:  # several values and languages: SDMX-JSON 2.0 only (write_data checks)
                out["format"] = multi_value_format(multi)
            out["values"] = [
                multi_value_json(v)
                if is_multi_value(v)
                else {"id": v, "name": names.code(comp_id, v)}
                if coded and _ID.match(str(v))
                else ({"value": str(v)} if version == "2.0" else {"name": str(v)})
                for v in values
            ]
            return out

        dataset_attrs = [
            attr(a, [v], "dataSet") for a, v in self.dataset_attrs.items() if a in layout.components
        ]
        struct: dict[str, Any] = {
            "links": [_link(urn)],
            "name": names.structure or layout.flow_id or layout.dsd_id,
            "dimensions": {
                "dataSet": [],
                "series": [dim(c) for c in self.series_dims],
                "observation": [dim(c) for c in self.obs_dims],
            },
        }
        if version == "2.0":
            struct["measures"] = {
                "observation": [{"id": m, "name": names.component(m)} for m in self.measures]
            }
        struct["attributes"] = {
            "dataSet": [a for a in dataset_attrs if a],
            "series": [a for a in (attr(c.id, c.raw, "series") for c in self.series_attrs) if a],
            "observation": [
                a for a in (attr(c.id, c.raw, "observation") for c in self.obs_attrs) if a
            ],
        }
        # Keep positions aligned with the indices written in the data part.
        self._skip_series = {c.id for c in self.series_attrs if not c.values and version == "2.0"}
        self._skip_obs = {c.id for c in self.obs_attrs if not c.values and version == "2.0"}
        self.dataset_attr_indices = [0 for a in self.dataset_attrs if a in layout.components]
        return struct

    def _relationship(self, comp_id: str, level: str, version: str) -> dict[str, Any]:
        comp = self.layout.components[comp_id]
        if level == "dataSet":
            return {"dataflow": {}} if version == "2.0" else {"none": {}}
        if level == "series":
            dims = list(comp.related_dimensions) or list(self.layout.dimensions)
            return {"dimensions": dims}
        if version == "2.0":
            return {"observation": {}}
        return {"primaryMeasure": self.layout.primary_measure}

    # -- data part -----------------------------------------------------------------
    def body(self, rows: np.ndarray | None) -> list[bytes]:
        """The ``series`` (or flat ``observations``) object's content, in chunks."""
        if rows is None:
            rows = np.arange(self.n)
        obs_codes = [c.codes[rows] for c in self.obs_dims]
        obs_attrs = [c for c in self.obs_attrs if c.id not in self._skip_obs]
        key = _join_codes(obs_codes)
        values = [self._measure_text(m, rows) for m in self.measures]
        attr_texts = [_index_text(c.codes[rows]) for c in obs_attrs]
        cells = [*values, *attr_texts]
        if cells:
            array_text = pc.binary_join_element_wise(*cells, ",")
        else:
            array_text = pa.array([""] * len(rows), pa.string())
        obs = pc.binary_join_element_wise('"', key, '":[', array_text, "]", "")
        if not self.series_dims:
            return [_joined(obs)]
        series_codes = [c.codes[rows] for c in self.series_dims]
        sid = _group_ids(series_codes)
        order = np.lexsort((*obs_codes[::-1], sid))
        sid_sorted = sid[order]
        obs_sorted = obs.take(pa.array(order))
        starts = np.flatnonzero(np.r_[True, sid_sorted[1:] != sid_sorted[:-1]])
        offsets = np.r_[starts, len(order)].astype(np.int32)
        per_series = pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), obs_sorted), ",")
        first_rows = rows[order[starts]]
        skey = _join_codes([c.codes[first_rows] for c in self.series_dims])
        sattrs = [c for c in self.series_attrs if c.id not in self._skip_series]
        if sattrs:
            attr_list = pc.binary_join_element_wise(
                *[_index_text(c.codes[first_rows]) for c in sattrs], ","
            )
            head = pc.binary_join_element_wise('"', skey, '":{"attributes":[', attr_list, "],", "")
        else:
            head = pc.binary_join_element_wise('"', skey, '":{', "")
        series = pc.binary_join_element_wise(head, '"observations":{', per_series, "}}", "")
        return [_joined(series)]

    def _measure_text(self, measure: str, rows: np.ndarray) -> pa.Array:
        column = self.df[measure].iloc[rows]
        if pd.api.types.is_numeric_dtype(column.dtype):
            numbers = column.to_numpy(dtype="float64")
            finite = np.isfinite(numbers)
            text = pa.array(numbers, mask=~finite).cast(pa.string())
            return pc.fill_null(text, "null")
        as_text = [json.dumps(v) if isinstance(v, str) else "null" for v in column.astype(object)]
        return pa.array(as_text, pa.string())


def multi_value_json(value: Any) -> dict[str, Any]:
    """An SDMX-JSON 2.0 component value for several values or a multilingual text."""
    if isinstance(value, LocalisedText):
        return {"value": dict(value)}
    return {"values": [dict(v) if isinstance(v, LocalisedText) else str(v) for v in value]}


def multi_value_format(values: list[Any]) -> dict[str, Any]:
    """The component's ``format``: repeated and/or multilingual, as its values show."""
    out: dict[str, Any] = {"dataType": "String"}
    if any(isinstance(v, tuple) for v in values):
        out["maxOccurs"] = "unbounded"
    if any(
        isinstance(v, LocalisedText) or any(isinstance(x, LocalisedText) for x in v)
        for v in values
        if isinstance(v, (tuple, LocalisedText))
    ):
        out["isMultiLingual"] = True
    return out


def _index_text(codes: np.ndarray) -> pa.Array:
    text = pa.array(codes, mask=codes < 0).cast(pa.string())
    return pc.fill_null(text, "null")


def _join_codes(codes: list[np.ndarray]) -> pa.Array:
    texts = [pa.array(c).cast(pa.string()) for c in codes]
    if len(texts) == 1:
        return texts[0]
    return pc.binary_join_element_wise(*texts, ":")


def _group_ids(codes: list[np.ndarray]) -> np.ndarray:
    """One id per distinct combination of codes (mixed radix, then compacted)."""
    radices = [int(c.max(initial=0)) + 2 for c in codes]
    if float(np.prod(np.array(radices, dtype=np.float64))) >= 2.0**62:
        _, inverse = np.unique(np.stack(codes, axis=1), axis=0, return_inverse=True)
        return inverse.ravel()
    key = np.zeros(len(codes[0]), dtype=np.int64)
    for c, radix in zip(codes, radices, strict=True):
        key = key * radix + (c + 1)
    _, inverse = np.unique(key, return_inverse=True)
    return inverse


def _joined(array: pa.Array) -> bytes:
    if len(array) == 0:
        return b""
    whole = pa.ListArray.from_arrays(pa.array([0, len(array)], pa.int32()), array)
    return pc.binary_join(whole, ",")[0].as_py().encode("utf-8")
