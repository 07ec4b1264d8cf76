"""Streaming data messages: the header, then chunks of rows as they come, then the end.

``write_data`` takes a whole Dataset; a service answering from a database
gets observations in chunks and must not hold them all. ``stream_data`` takes
an iterable of ``(DataSetPart, DataFrame)`` chunks (consecutive chunks with
the same part form one data set: an ``updatedAfter`` answer has a Replace and
a Delete data set, an ``includeHistory`` answer one per release) and yields
the message as bytes, in pieces, with memory bounded by one chunk:

- SDMX-ML (2.1 generic and structure-specific, 3.0): the envelope is the one
  the whole-dataset writer writes for an empty data set (so header and
  namespaces cannot drift), and the body of each chunk is written by that
  writer's ``write_body``. Rows must come grouped by series; the last series
  of a chunk is held back until the next chunk, so a series is never split.
- SDMX-CSV 1.0 / 2.0: the header line once, then each chunk's rows (2.0 with
  the part's ``ACTION``; 1.0 cannot say "delete", so Delete parts are left out).
- SDMX-JSON 1.0 / 2.0: the structure part lists the values of every
  component before the observations refer to them by index, so the chunks
  are gathered and written at the end (memory grows with the answer).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from mosy_sdmx.dataset import Action, Dataset, Header
from mosy_sdmx.formats import DataFormat
from mosy_sdmx.io.sdmx_ml._write_plan import ALL_DIMENSIONS, plan
from mosy_sdmx.io.table import writer_for
from mosy_sdmx.structures.layout import ComponentLayout


@dataclass(frozen=True, slots=True)
class DataSetPart:
    """What a run of chunks is: its action and, for history, its validity."""

    action: Action = Action.INFORMATION
    valid_from: datetime | None = None
    valid_to: datetime | None = None


Chunk = tuple[DataSetPart, pd.DataFrame]


def stream_data(
    chunks: Iterable[Chunk],
    format: DataFormat | str,
    layout: ComponentLayout,
    *,
    header: Header | None = None,
    attributes: dict[str, str] | None = None,
    dimension_at_observation: str = "TIME_PERIOD",
    series_only: bool = False,
    **options: Any,
) -> Iterator[bytes]:
    """The message for ``chunks`` in ``format``, as a stream of byte strings.

    ``attributes`` are dataset-level attribute values; ``series_only`` writes
    each row as a series without observations (``detail=serieskeysonly``).
    ``options`` go to the format's writer (``labels``, ``labels_from``...).
    """
    fmt = DataFormat.parse(format)
    meta = Dataset(
        data=pd.DataFrame(),
        structure_urn=layout.structure_urn or layout.dsd_urn,
        header=header or Header(),
        attributes=dict(attributes or {}),
    )
    if fmt.is_xml:
        yield from _xml(chunks, fmt, layout, meta, dimension_at_observation, series_only)
    elif fmt in (DataFormat.SDMX_CSV_10, DataFormat.SDMX_CSV_20):
        yield from _csv(chunks, fmt, layout, meta, options)
    else:
        yield from _whole(chunks, fmt, layout, meta, dimension_at_observation, options)


# -- SDMX-ML ------------------------------------------------------------------------------

_DATASET_OPEN = re.compile(rb"<(?P<prefix>[\w.-]+:)?DataSet\b[^>]*>\n?")


def _body_writer(fmt: DataFormat):
    if fmt is DataFormat.SDMX_ML_21_GENERIC:
        from mosy_sdmx.io.sdmx_ml.generic_writer import write_body
    else:
        from mosy_sdmx.io.sdmx_ml.ss_writer import write_body
    return write_body


def _envelope(
    fmt: DataFormat, layout: ComponentLayout, meta: Dataset, part: DataSetPart, dim_at_obs: str
) -> tuple[bytes, bytes, bytes]:
    """(message start, DataSet start tag, message end) of an empty data set of ``part``."""
    columns = {c: pd.Series(dtype=object) for c in layout.key_columns()}
    empty = replace(meta, data=pd.DataFrame(columns), action=part.action)
    buffer = io.BytesIO()
    writer_for(fmt)(empty, buffer, layout=layout, dimension_at_observation=dim_at_obs)
    whole = buffer.getvalue()
    match = _DATASET_OPEN.search(whole)
    if match is None:  # pragma: no cover - the writers always write a DataSet
        raise RuntimeError("no DataSet in the envelope")
    prefix = match["prefix"].decode() if match["prefix"] else ""
    closing = f"</{prefix}DataSet>".encode()
    end = whole.index(closing, match.end())
    tag = match.group(0)
    extra = ""
    if part.valid_from is not None:
        extra += f' validFromDate="{part.valid_from.isoformat()}"'
    if part.valid_to is not None:
        extra += f' validToDate="{part.valid_to.isoformat()}"'
    if extra:
        tag = tag.replace(b">", extra.encode() + b">", 1)
    tag += whole[match.end() : end]  # dataset-level content (generic Attributes)
    return whole[: match.start()], tag, whole[end:]


def _xml(
    chunks: Iterable[Chunk],
    fmt: DataFormat,
    layout: ComponentLayout,
    meta: Dataset,
    dim_at_obs: str,
    series_only: bool,
) -> Iterator[bytes]:
    write_body = _body_writer(fmt)
    series_dims = list(plan(layout, dim_at_obs).series_dimensions)
    current: DataSetPart | None = None
    tail = tail_close = b""
    carry: pd.DataFrame | None = None
    started = False

    def body(frame: pd.DataFrame) -> bytes:
        buffer = io.BytesIO()
        write_body(replace(meta, data=frame), buffer, layout, dim_at_obs, series_only=series_only)
        return buffer.getvalue()

    for part, frame in chunks:
        if part != current:
            if carry is not None and len(carry):
                yield body(carry)
            carry = None
            if current is not None:
                yield tail_close
            start, open_tag, tail = _envelope(
                fmt, layout, _with_dataset_attributes(meta, frame, layout), part, dim_at_obs
            )
            tail_close = tail[: tail.index(b">") + 1] + b"\n"
            if not started:
                yield start
                started = True
            yield open_tag
            current = part
        if carry is not None and len(carry):
            frame = _concat(carry, frame)
        if series_dims and dim_at_obs != ALL_DIMENSIONS and len(frame) and not series_only:
            keep = _last_series_start(frame, series_dims)
            carry, frame = frame.iloc[keep:], frame.iloc[:keep]
        if len(frame):
            yield body(frame.reset_index(drop=True))
    if not started:
        start, open_tag, tail = _envelope(fmt, layout, meta, DataSetPart(), dim_at_obs)
        yield start + open_tag + tail
        return
    if carry is not None and len(carry):
        yield body(carry.reset_index(drop=True))
    yield tail


def _with_dataset_attributes(meta: Dataset, frame: pd.DataFrame, layout: ComponentLayout):
    """Dataset-level attribute values the first chunk of a data set holds constantly."""
    values = dict(meta.attributes)
    where = plan(layout, ALL_DIMENSIONS)
    for name in where.dataset_attributes:
        if name in frame.columns and name not in values:
            distinct = frame[name].dropna().unique()
            if len(distinct) == 1:
                values[name] = str(distinct[0])
    return replace(meta, attributes=values)


def _last_series_start(frame: pd.DataFrame, series_dims: list[str]) -> int:
    """Row where the last series of ``frame`` begins (rows come grouped by series).

    Compared on categorical codes where the columns have them (no object per row)."""
    same = np.ones(len(frame), dtype=bool)
    for dim in series_dims:
        column = frame[dim]
        if isinstance(column.dtype, pd.CategoricalDtype):
            codes = column.cat.codes.to_numpy()
            same &= codes == codes[-1]
        else:
            values = column.to_numpy(dtype=object)
            same &= values == values[-1]
    if same.all():
        return 0
    return len(same) - int(np.argmin(same[::-1]))  # after the last row of another series


def _concat(carry: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """The held-back rows before the next chunk; categoricals stay categoricals."""
    if list(carry.columns) != list(frame.columns):
        return pd.concat([carry, frame], ignore_index=True)
    columns = {}
    for name in frame.columns:
        left, right = carry[name], frame[name]
        if isinstance(left.dtype, pd.CategoricalDtype) and isinstance(
            right.dtype, pd.CategoricalDtype
        ):
            columns[name] = union_categoricals([left, right], ignore_order=True)
        else:
            columns[name] = pd.concat([left, right], ignore_index=True)
    return pd.DataFrame(columns)


# -- SDMX-CSV ------------------------------------------------------------------------------


def _csv(
    chunks: Iterable[Chunk],
    fmt: DataFormat,
    layout: ComponentLayout,
    meta: Dataset,
    options: dict[str, Any],
) -> Iterator[bytes]:
    writer = writer_for(fmt)
    columns: list[str] | None = None
    header_length = 0
    for part, frame in chunks:
        if fmt is DataFormat.SDMX_CSV_10 and part.action is Action.DELETE:
            continue
        if columns is None:
            columns = list(frame.columns)
        else:
            frame = frame.reindex(columns=columns)
        buffer = io.BytesIO()
        writer(
            replace(meta, data=frame, action=_csv_action(part)),
            buffer,
            layout=layout,
            **options,
        )
        data = buffer.getvalue()
        if header_length:
            data = data[header_length:]
        else:
            header_length = data.index(b"\n") + 1
        yield data
    if columns is None:
        buffer = io.BytesIO()
        writer(meta, buffer, layout=layout, **options)
        yield buffer.getvalue()


def _csv_action(part: DataSetPart) -> Action:
    return part.action if part.action in (Action.DELETE, Action.REPLACE) else Action.INFORMATION


# -- formats written whole -----------------------------------------------------------------


def _whole(
    chunks: Iterable[Chunk],
    fmt: DataFormat,
    layout: ComponentLayout,
    meta: Dataset,
    dim_at_obs: str,
    options: dict[str, Any],
) -> Iterator[bytes]:
    frames = []
    actions = []
    for part, frame in chunks:
        frames.append(frame)
        actions.append(pd.Series([part.action.value] * len(frame)))
    data = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    distinct = {a for s in actions for a in s.unique()}
    dataset = replace(meta, data=data)
    if len(distinct) > 1:
        dataset = replace(dataset, data=data.assign(ACTION=pd.concat(actions, ignore_index=True)))
    elif distinct:
        dataset = replace(dataset, action=Action(distinct.pop()))
    if fmt in (DataFormat.SDMX_JSON_10, DataFormat.SDMX_JSON_20):
        options.setdefault("flat", dim_at_obs == ALL_DIMENSIONS)
    buffer = io.BytesIO()
    writer_for(fmt)(dataset, buffer, layout=layout, **options)
    yield buffer.getvalue()
