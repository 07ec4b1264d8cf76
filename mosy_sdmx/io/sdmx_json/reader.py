"""SDMX-JSON 1.0 and 2.0 data messages -> Dataset.

Three envelopes are read: 2.0 (``meta`` + ``data.structures[]``), 1.0
(``meta`` + ``data.structure``) and the early 1.0 form many services still
send (top-level ``header``/``structure``/``dataSets``). The message is decoded
by msgspec into typed sections (``_messages``), so a value of the wrong JSON
type is a ParseError with its JSON path before anything indexes into it;
observations are then gathered into flat lists once and every key, value and
attribute index is decoded column-wise with numpy.
"""

from __future__ import annotations

import contextlib
import gc
import re
from datetime import datetime
from itertools import chain, zip_longest
from typing import Any, BinaryIO

import msgspec
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sdmx.urn import URN

from mosy_sdmx.categoricals import per_row
from mosy_sdmx.dataset import Action, Dataset, Header, LocalisedText, is_multi_value
from mosy_sdmx.deviations import Deviation, tolerate
from mosy_sdmx.exceptions import Location, ParseError
from mosy_sdmx.io.completeness import check_dimensions
from mosy_sdmx.io.frame import finish_frame, short_text
from mosy_sdmx.io.numbers import objects_to_doubles
from mosy_sdmx.io.sdmx_json._messages import (
    Component,
    ComponentValue,
    DataSet,
    Link,
    Message,
    Structure,
    decode,
)
from mosy_sdmx.io.sdmx_ml._read_header import several_datasets
from mosy_sdmx.io.unknown import unknown_components
from mosy_sdmx.structures import AttachmentLevel, ComponentLayout, ValueKind
from mosy_sdmx.structures.layout import described_layout

_HREF = re.compile(r"/(dataflow|datastructure)/([^/]+)/([^/]+)/([^/?#]+)")
_JSON_LEVELS = {
    "dataSet": AttachmentLevel.DATASET,
    "dimensionGroup": AttachmentLevel.GROUP,
    "series": AttachmentLevel.SERIES,
    "observation": AttachmentLevel.OBSERVATION,
}
#: REST resource in a link's href -> its URN class.
_URN_CLASS = {"dataflow": "Dataflow", "datastructure": "DataStructure"}


def read(
    stream: BinaryIO,
    *,
    layout: ComponentLayout | None = None,
    source_name: str | None = None,
    extra_columns: str = "error",
    **_: object,
) -> Dataset:
    """Read an SDMX-JSON data message holding one data set.

    Several data sets are read as one when that loses nothing: the same
    structure and the same dataset-level facts, differing only by action (as
    the writers split per-row actions); they keep a per-row ``ACTION``
    column. Any other message with several is refused (``read_datasets``).
    """
    datasets = read_datasets(
        stream, layout=layout, source_name=source_name, extra_columns=extra_columns
    )
    if len(datasets) == 1:
        return datasets[0]
    merged = _merged(datasets)
    if merged is None:
        raise several_datasets(source_name)
    return merged


def read_datasets(
    stream: BinaryIO,
    *,
    layout: ComponentLayout | None = None,
    source_name: str | None = None,
    extra_columns: str = "error",
    **_: object,
) -> list[Dataset]:
    """Every data set of an SDMX-JSON data message, in message order."""
    # Millions of small containers would otherwise trigger many full GC passes.
    paused = gc.isenabled()
    gc.disable()
    try:
        return _read(stream, layout, source_name, extra_columns)
    finally:
        if paused:
            gc.enable()


def _read(
    stream: BinaryIO, layout: ComponentLayout | None, source_name: str | None, extra_columns: str
) -> list[Dataset]:
    doc = _load(stream, source_name)
    header_elem, structures, datasets = _envelope(doc, source_name)
    if not datasets:
        raise ParseError(
            "No data set", "the message holds no dataSets", location=Location(source=source_name)
        )
    header = _header(header_elem)
    out = []
    for index, ds in enumerate(datasets):
        struct = structures[_struct_index(ds, len(structures), source_name)]
        decoded = _Decoded(struct, layout, source_name, extra_columns)
        try:
            df = decoded.frame(ds)
        except ParseError as exc:
            if len(datasets) > 1:  # say which data set of the message
                exc.detail = f"data set {index + 1} of {len(datasets)}: {exc.detail}"
                exc.context.setdefault("dataSet", index)
            raise
        action = _action(ds, source_name)
        attributes = decoded.dataset_attributes(ds)
        df, lifted = finish_frame(df, layout)
        lifted.update(attributes)
        urn = _structure_urn(struct) or _structure_urn(ds)
        urn = urn or (layout.structure_urn if layout is not None else None)
        described = layout if layout is not None else decoded.described(urn, df)
        check_dimensions(df, described.key_columns(), source=source_name, action=action)
        out.append(
            Dataset(
                data=df,
                structure_urn=urn,
                action=action,
                attributes=lifted,
                header=header,
                labels=decoded.labels,
                source=source_name,
                deviations=decoded.deviations,
                layout=described,
            )
        )
    return out


def _merged(datasets: list[Dataset]) -> Dataset | None:
    """One Dataset of several differing only by action (per-row ``ACTION``), else None."""
    first = datasets[0]
    same = all(
        d.structure_urn == first.structure_urn
        and d.attributes == first.attributes
        and list(d.data.columns) == list(first.data.columns)
        for d in datasets[1:]
    )
    if not same:
        return None
    df = _concat([d.data for d in datasets])
    actions = [d.action for d in datasets]
    action = actions[0]
    if len(set(actions)) > 1:
        per_row = np.repeat([a.value for a in actions], [len(d) for d in datasets])
        df["ACTION"] = pd.Categorical(per_row)
        action = Action.INFORMATION
    labels: dict[str, dict[str, str]] = {}
    for dataset in datasets:
        for comp, mapping in dataset.labels.items():
            labels.setdefault(comp, {}).update(mapping)
    deviations = [x for d in datasets for x in d.deviations]
    return Dataset(
        data=df,
        structure_urn=first.structure_urn,
        action=action,
        attributes=first.attributes,
        header=first.header,
        labels=labels,
        source=first.source,
        deviations=list(dict.fromkeys(deviations)),
        layout=first.layout,
    )


# -- envelope ---------------------------------------------------------------------


def _load(stream: BinaryIO, source: str | None) -> Message:
    raw = stream.read()
    if not raw.strip():
        raise ParseError("Empty input", "the file holds no data", location=Location(source=source))
    return decode(raw, source)


def _shape_error(source: str | None, detail: str) -> ParseError:
    return ParseError("Not an SDMX-JSON data message", detail, location=Location(source=source))


def _envelope(doc: Message, source: str | None) -> tuple[dict, list[Structure], list[DataSet]]:
    if doc.header is not None or doc.structure is not None:  # early SDMX-JSON 1.0
        if doc.structure is None:
            raise _shape_error(source, "'structure' is missing")
        return doc.header or {}, [doc.structure], doc.dataSets or []
    data = doc.data
    if data is None:
        raise _shape_error(source, "neither 'data' nor 'header' found")
    if data.structures is not None:
        structures = data.structures
    elif data.structure is not None:
        structures = [data.structure]
    else:
        raise _shape_error(source, "'data' has no 'structures' (2.0) or 'structure' (1.0)")
    if not structures:
        raise _shape_error(source, "'data.structures' is empty")
    return doc.meta or {}, structures, data.dataSets or []


def _struct_index(ds: DataSet, count: int, source: str | None) -> int:
    index = ds.structure
    if not 0 <= index < count:
        raise _shape_error(source, f"a data set refers to structure {index!r}, which is missing")
    return index


def _action(ds: DataSet, source: str | None) -> Action:
    return Action.parse(ds.action, Location(source=source))


def _structure_urn(elem: Structure | DataSet) -> str | None:
    links: list[Link] = elem.links or []
    for link in links:
        rel = link.rel
        if link.urn and rel in ("dataflow", "datastructure"):
            return link.urn
        match = _HREF.search(link.href or "")
        if match and rel in ("dataflow", "datastructure", None):
            kind, agency, ident, version = match.groups()
            urn = URN(
                package="datastructure",
                klass=_URN_CLASS[kind],
                agency=agency,
                id=ident,
                version=version,
            )
            return str(urn)
    return None


def _header(elem: dict) -> Header:
    header = Header()
    if not isinstance(elem, dict):
        return header
    if elem.get("id"):
        header.id = str(elem["id"])
    header.test = bool(elem.get("test", False))
    sender = elem.get("sender")
    if isinstance(sender, dict) and sender.get("id"):
        header.sender = str(sender["id"])
    receivers = elem.get("receivers") or elem.get("receiver")
    if isinstance(receivers, list) and receivers and isinstance(receivers[0], dict):
        receiver = receivers[0].get("id")
        header.receiver = None if receiver is None else str(receiver)
    prepared = elem.get("prepared")
    if isinstance(prepared, str):
        with contextlib.suppress(ValueError):
            header.prepared = datetime.fromisoformat(prepared.replace("Z", "+00:00"))
    return header


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    if len(frames) == 1:
        return frames[0]
    cats = {c for f in frames for c in f.columns if isinstance(f[c].dtype, pd.CategoricalDtype)}
    df = pd.concat(frames, ignore_index=True)
    for col in cats & set(df.columns):
        if not isinstance(df[col].dtype, pd.CategoricalDtype):
            df[col] = df[col].astype("category")
    return df


# -- one structure ---------------------------------------------------------------------


def _value_id(value: Any, component: str, source: str | None) -> Any:
    """A component value's code (``id``), its ``values`` (several) or plain ``value``,
    else its name; a localised value keeps its languages, a localised name gives one."""
    if not isinstance(value, ComponentValue):
        return _cell(value)
    if isinstance(value.values, list):  # SDMX-JSON 2.0: several values
        return _cell(value.values)
    for key, found in (("id", value.id), ("value", value.value), ("name", value.name)):
        if found is msgspec.UNSET:
            continue
        if isinstance(found, dict):
            return LocalisedText(found) if key == "value" else next(iter(found.values()), None)
        return _cell(found)
    return None


def _cell(value: Any) -> Any:
    """A JSON value as a Dataset cell: an array is several values (a tuple), an
    object a text in several languages (SDMX-JSON 2.0)."""
    if isinstance(value, list):
        return tuple(_cell(v) for v in value)
    if isinstance(value, dict):
        return LocalisedText({str(k): str(v) for k, v in value.items()})
    return value


class _Decoded:
    """A structure's components, ready to decode its data sets column-wise."""

    def __init__(
        self, struct: Structure, layout: ComponentLayout | None, source: str | None, extra: str
    ) -> None:
        self.source = source
        self.layout = layout
        self.labels: dict[str, dict[str, str]] = {}
        self.deviations: list[Deviation] = []
        dims, attrs = struct.dimensions, struct.attributes
        self.dims = {
            lvl: self._components(getattr(dims, lvl) if dims else None)
            for lvl in ("dataSet", "series", "observation")
        }
        self.attrs = {
            lvl: self._components(getattr(attrs, lvl) if attrs else None)
            for lvl in ("dataSet", "dimensionGroup", "series", "observation")
        }
        measures = (struct.measures.observation if struct.measures else None) or []
        if measures:
            self.measures = [m.id for m in measures]
        else:
            self.measures = [layout.primary_measure if layout is not None else "OBS_VALUE"]
        self.time_ids = {
            c["id"]
            for lvl in self.dims.values()
            for c in lvl
            if c["id"] == "TIME_PERIOD"
            or (layout is not None and c["id"] == layout.time_dimension)
            or "TIME_PERIOD" in c["roles"]
        }
        self._check(layout, extra)

    def _components(self, items: list[Component] | None) -> list[dict]:
        out = []
        for item in items or []:
            raw_values = item.values or []
            values = [_value_id(v, item.id, self.source) for v in raw_values]
            role = [item.role] if isinstance(item.role, str) else item.role
            comp = {"id": item.id, "values": values, "roles": item.roles or role or []}
            # Listed with an empty 'values' array: it can have no value at all.
            comp["no_values"] = item.values == []
            comp["keyPosition"] = item.keyPosition
            names = {}
            for raw, ident in zip(raw_values, values, strict=True):
                name = (
                    raw.name
                    if isinstance(raw, ComponentValue) and raw.id is not msgspec.UNSET
                    else None
                )
                if isinstance(name, str) and name != ident:
                    names[str(ident)] = name
            if names:
                self.labels[comp["id"]] = names
            out.append(comp)
        return out

    def _check(self, layout: ComponentLayout | None, extra: str) -> None:
        if layout is None or extra != "error":
            return
        everything = [c for lvl in (*self.dims.values(), *self.attrs.values()) for c in lvl]
        declared = [c["id"] for c in everything] + list(self.measures)
        unknown = list(dict.fromkeys(c for c in declared if c not in layout.components))
        if unknown:
            raise unknown_components(
                unknown, layout.dsd_id, Location(source=self.source, component=unknown[0])
            )

    def _aligned(self, level: str, slots: int) -> list[dict]:
        """The attributes of ``level`` in the positions its value arrays use.

        Some producers (OECD's SDMX-JSON 1.0) list an attribute with an empty
        'values' array and leave it out of the arrays: when the arrays are too
        short to hold it, it is ignored with a warning (a tolerated deviation);
        when they do hold its place, positions are kept as the standard says.
        """
        comps = self.attrs[level]
        empty = [c for c in comps if c["no_values"]]
        if not empty or slots > len(comps) - len(empty):
            return comps
        kept = [c for c in comps if not c["no_values"]]
        if not any(d.code == "json-attribute-without-values" for d in self.deviations):
            names = ", ".join(c["id"] for c in empty)
            self.deviations.append(
                tolerate(
                    "json-attribute-without-values",
                    f"{names} at {level} level",
                    location=Location(source=self.source, component=empty[0]["id"]),
                )
            )
        self.attrs[level] = kept
        return kept

    def described(self, urn: str | None, df: pd.DataFrame) -> ComponentLayout:
        """The components the message declares, at their levels, as a layout."""
        dims = sorted(
            (c for lvl in self.dims.values() for c in lvl),
            key=lambda c: c.get("keyPosition") if c.get("keyPosition") is not None else 1e9,
        )
        time = next((c["id"] for c in dims if c["id"] in self.time_ids), None)
        attributes = {
            c["id"]: _JSON_LEVELS[lvl]
            for lvl, comps in self.attrs.items()
            for c in comps
            if not c["no_values"]
        }
        return described_layout(
            structure_urn=urn,
            dimensions=[c["id"] for c in dims],
            time_dimension=time,
            measures=list(self.measures),
            attributes=attributes,
            numeric_measures={m for m in self.measures if m in df and df[m].dtype == "float64"},
        )

    # -- columns -------------------------------------------------------------------
    def _column(self, comp: dict, codes: np.ndarray) -> pd.Series:
        values = comp["values"]
        is_time = comp["id"] in self.time_ids
        if len(codes) and (codes.max(initial=-1) >= len(values) or codes.min(initial=0) < -1):
            bad = int(codes.max()) if codes.max(initial=-1) >= len(values) else int(codes.min())
            raise ParseError(
                "Bad value index",
                f"{comp['id']} has {len(values)} values, an observation refers to value {bad}",
                location=Location(source=self.source, component=comp["id"]),
            )
        if any(is_multi_value(v) for v in values):  # tuples and texts stay as they are
            return pd.Series(per_row(codes, list(values), None), dtype=object)
        cats = [None if v is None else str(v) for v in values]
        present = [c for c in cats if c is not None]
        if is_time or len(set(present)) != len(present) or len(present) != len(cats):
            series = pd.Series(per_row(codes, cats, None), dtype=object)
            return series.astype("str") if is_time else series.astype("category")
        return pd.Series(pd.Categorical.from_codes(codes, categories=cats))

    def _attr_column(self, comp: dict, raw: pd.Series) -> pd.Series:
        """Value indices into the component's values; values themselves where they are sent."""
        if raw.dtype == object and any(isinstance(v, (list, dict)) for v in raw):
            # Values written in the arrays themselves, several or multilingual.
            cells = np.empty(len(raw), dtype=object)
            for i, value in enumerate(raw):
                cells[i] = _cell(value)
            return pd.Series(cells, dtype=object)
        if raw.dtype == object:  # a boolean value, as SDMX spells it
            raw = raw.map(lambda v: ("true" if v else "false") if isinstance(v, bool) else v)
        numbers = pd.to_numeric(raw, errors="coerce")
        if bool((numbers.notna() | raw.isna()).all()):
            present = numbers.dropna()
            wrong = (present % 1 != 0) | (present >= 2**62) | (present < 0)
            if wrong.any():
                raise ParseError(
                    "Bad value index",
                    f"{comp['id']} has {len(comp['values'])} values, "
                    f"an observation refers to value {short_text(present[wrong].iloc[0])}",
                    location=Location(source=self.source, component=comp["id"]),
                )
            codes = numbers.fillna(-1).to_numpy(dtype=np.int64)
            return self._column(comp, codes)
        text = raw.astype(object).where(raw.notna(), None)
        return text.map(lambda v: v if v is None else str(v)).astype("category")

    def _measure(self, measure: str, raw: pd.Series) -> np.ndarray | pd.Series:
        numeric = True
        if self.layout is not None and measure in self.layout.components:
            numeric = self.layout.components[measure].kind in (ValueKind.NUMBER, ValueKind.INTEGER)
        if raw.dtype.kind in "fiu":
            return raw.to_numpy(dtype="float64")
        numbers, bad = objects_to_doubles(raw.to_numpy(dtype=object))
        if bad is None:
            return numbers
        if not numeric:
            return raw.astype(object)
        raise ParseError(
            "Not a number",
            f"{measure} must be a number as SDMX writes them, found {short_text(raw.iloc[bad])!r}",
            location=Location(source=self.source, component=measure),
            context={"observation": bad, "value": short_text(raw.iloc[bad], 200)},
        )

    def frame(self, ds: DataSet) -> pd.DataFrame:
        series = ds.series
        obs_dims, series_dims = self.dims["observation"], self.dims["series"]
        cols: dict[str, Any] = {}
        if series:
            keys = list(series.keys())
            bodies = list(series.values())
            obs_maps = [(b.observations if b is not None else None) or {} for b in bodies]
            counts = np.fromiter(map(len, obs_maps), dtype=np.int64, count=len(obs_maps))
            obs_keys = list(chain.from_iterable(m.keys() for m in obs_maps))
            obs_vals = list(chain.from_iterable(m.values() for m in obs_maps))
            take = np.repeat(np.arange(len(keys)), counts)
            skeys = _split_keys(keys, len(series_dims), self.source)
            for j, comp in enumerate(series_dims):
                cols[comp["id"]] = self._column(comp, skeys[take, j])
            sattrs = _padded([(b.attributes if b is not None else None) or [] for b in bodies])
            for j, comp in enumerate(self._aligned("series", len(sattrs.columns))):
                raw = sattrs[j] if j in sattrs.columns else pd.Series([None] * len(keys))
                cols[comp["id"]] = self._attr_column(comp, raw.iloc[take].reset_index(drop=True))
        else:
            # Flat data (dimensionAtObservation=AllDimensions): keys span the
            # series and observation dimensions.
            observations = ds.observations or {}
            obs_keys, obs_vals = list(observations.keys()), list(observations.values())
            obs_dims = series_dims + obs_dims
        n = len(obs_keys)
        okeys = _split_keys(obs_keys, len(obs_dims), self.source)
        for j, comp in enumerate(obs_dims):
            cols[comp["id"]] = self._column(comp, okeys[:, j])
        for comp in self.dims["dataSet"]:
            cols[comp["id"]] = self._column(comp, np.zeros(n, dtype=np.int64))
        values = _padded(obs_vals)
        for j, measure in enumerate(self.measures):
            raw = values[j] if j in values.columns else pd.Series([None] * n, dtype=object)
            cols[measure] = self._measure(measure, raw)
        offset = len(self.measures)
        slots = max(len(values.columns) - offset, 0)
        for j, comp in enumerate(self._aligned("observation", slots)):
            raw = values[offset + j] if offset + j in values.columns else pd.Series([None] * n)
            cols[comp["id"]] = self._attr_column(comp, raw)
        df = pd.DataFrame(cols, index=pd.RangeIndex(n))
        self._group_attributes(ds, df)
        ordered = sorted(
            (c for lvl in ("dataSet", "series", "observation") for c in self.dims[lvl]),
            key=lambda c: c.get("keyPosition") if c.get("keyPosition") is not None else 1e9,
        )
        order = [c["id"] for c in ordered]
        return df[order + [c for c in df.columns if c not in order]]

    def _group_attributes(self, ds: DataSet, df: pd.DataFrame) -> None:
        """SDMX-JSON 2.0 ``dimensionGroupAttributes``: values for partial keys."""
        groups = ds.dimensionGroupAttributes or {}
        slots = max((len(v) for v in groups.values()), default=0)
        comps = self._aligned("dimensionGroup", slots)
        if not comps:
            return
        dims = sorted(
            (c for lvl in self.dims.values() for c in lvl),
            key=lambda c: c.get("keyPosition") if c.get("keyPosition") is not None else 1e9,
        )
        result = {c["id"]: np.full(len(df), -1, dtype=np.int64) for c in comps}
        for key, indices in groups.items():
            mask = np.ones(len(df), dtype=bool)
            for dim, part in zip(dims, key.split(":"), strict=False):
                if part == "":
                    continue
                if not (part.isascii() and part.isdigit()):
                    raise ParseError(
                        "Bad group key",
                        f"dimensionGroupAttributes key {short_text(key)!r} is not value indices",
                        location=Location(source=self.source, component=dim["id"]),
                    )
                values = dim["values"]
                wanted = str(values[int(part)]) if int(part) < len(values) else None
                mask &= (df[dim["id"]].astype(object) == wanted).to_numpy()
            for comp, index in zip(comps, indices or [], strict=False):
                if isinstance(index, int) and not isinstance(index, bool):
                    result[comp["id"]][mask] = index
        for comp in comps:
            df[comp["id"]] = self._column(comp, result[comp["id"]]).to_numpy()

    def dataset_attributes(self, ds: DataSet) -> dict[str, str]:
        out: dict[str, str] = {}
        indices = ds.attributes or []
        for j, comp in enumerate(self._aligned("dataSet", len(indices))):
            value = None
            if j < len(indices) and indices[j] is not None:
                index = indices[j]
                if isinstance(index, int) and 0 <= index < len(comp["values"]):
                    value = comp["values"][index]
                elif not isinstance(index, int):
                    value = _cell(index)
            elif not indices and len(comp["values"]) == 1:
                value = comp["values"][0]
            if value is not None:
                out[comp["id"]] = value if is_multi_value(value) else str(value)
        return out


def _split_keys(keys: list[str], width: int, source: str | None) -> np.ndarray:
    """``["0:1", "1:0"]`` -> int matrix, split and parsed by Arrow in one pass."""
    if width == 0 or not keys:
        return np.zeros((len(keys), width), dtype=np.int64)
    try:
        parts = pc.split_pattern(pa.array(keys, pa.string()), ":")
        if (
            pc.min(pc.list_value_length(parts)).as_py() != width
            or pc.max(pc.list_value_length(parts)).as_py() != width
        ):
            raise ValueError("ragged keys")
        flat = pc.cast(parts.flatten(), pa.int64()).to_numpy()
        if flat.min(initial=0) < 0:
            raise ValueError("negative index")
        return flat.reshape(len(keys), width)
    except (ValueError, pa.ArrowInvalid):
        bad = next(
            (
                k
                for k in keys
                if len(k.split(":")) != width
                or not (k.replace(":", "").isascii() and k.replace(":", "").isdigit())
                or any(len(part) > 18 for part in k.split(":"))
            ),
            keys[0],
        )
        raise ParseError(
            "Bad observation key",
            f"key {bad!r} does not have {width} value indices",
            location=Location(source=source),
        ) from None


def _padded(rows: list[list]) -> pd.DataFrame:
    """Ragged lists -> a frame padded with None (C-level, not a Python loop per cell)."""
    if not rows:
        return pd.DataFrame()
    lengths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
    if lengths.min() == lengths.max():
        return pd.DataFrame(rows)
    columns = zip_longest(*rows, fillvalue=None)
    return pd.DataFrame({i: pd.Series(col, dtype=object) for i, col in enumerate(columns)})
