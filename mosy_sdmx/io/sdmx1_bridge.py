"""Conversion to and from sdmx1 DataSet / DataMessage objects.

For users who want the SDMX information model: sdmx1 builds one Python object
per observation, so this is the one place where MoSy does too. The library's
own readers and writers never go through here.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sdmx.message import DataMessage, Header
from sdmx.model import common, v21

from mosy_sdmx.dataset import Action, Dataset
from mosy_sdmx.dataset import Header as MosyHeader
from mosy_sdmx.exceptions import StructureError
from mosy_sdmx.io.frame import finish_frame
from mosy_sdmx.structures import AttachmentLevel, ComponentLayout, StructureSet

_ACTIONS = {
    Action.INFORMATION: v21.ActionType.information,
    Action.APPEND: v21.ActionType.append,
    Action.REPLACE: v21.ActionType.replace,
    Action.DELETE: v21.ActionType.delete,
}


def _structures(structures: StructureSet | None) -> StructureSet:
    if structures is not None:
        return structures
    from mosy_sdmx.structures import builtin_structures

    return builtin_structures()


def _value(value: Any) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return value


def to_sdmx1(
    dataset: Dataset, structures: StructureSet | None = None, *, flow: str | None = None
) -> DataMessage:
    """A Dataset as an sdmx1 DataMessage with one DataSet, series-keyed by the DSD.

    ``structures`` defaults to the built-in THB set; ``flow`` to the dataset's
    own dataflow.
    """
    structures = _structures(structures)
    layout = structures.layout(flow or dataset.structure_id)
    dsd = structures.dsd(layout.dsd_id)
    dataflow = structures.dataflow(layout.flow_id) if layout.flow_id else None
    header = Header(
        id=dataset.header.id,
        prepared=dataset.header.prepared,
        sender=common.Agency(id=dataset.header.sender),
        test=dataset.header.test,
    )
    message = (
        DataMessage(header=header, dataflow=dataflow) if dataflow else DataMessage(header=header)
    )
    message.observation_dimension = (
        dsd.dimensions.get(layout.time_dimension) if (layout.time_dimension) else v21.AllDimensions
    )
    ds = v21.DataSet(structured_by=dsd, described_by=dataflow, action=_ACTIONS[dataset.action])
    for attr_id, value in dataset.attributes.items():
        ds.attrib[attr_id] = _attribute(dsd, attr_id, value)
    df = dataset.data
    series_dims = [d for d in layout.dimensions if d in df.columns]
    missing = [d for d in layout.dimensions if d not in df.columns]
    if missing:
        raise StructureError("Cannot build sdmx1 data", f"no column for {', '.join(missing)}")
    time = layout.time_dimension if layout.time_dimension in df.columns else None
    measure = layout.primary_measure
    series_attrs = [
        a
        for a in layout.attributes
        if a in df.columns
        and layout.components[a].level in (AttachmentLevel.SERIES, AttachmentLevel.GROUP)
    ]
    obs_attrs = [
        a
        for a in layout.attributes
        if a in df.columns and layout.components[a].level is AttachmentLevel.OBSERVATION
    ]
    frame = df.astype({c: object for c in df.columns if c != measure})
    for _, rows in frame.groupby(series_dims, sort=False, observed=True, dropna=False):
        first = rows.iloc[0]
        series_key = dsd.make_key(v21.SeriesKey, {d: first[d] for d in series_dims})
        for attr_id in series_attrs:
            value = _value(first[attr_id])
            if value is not None:
                series_key.attrib[attr_id] = _attribute(dsd, attr_id, value)
        observations = []
        records = rows[[c for c in [time, measure, *obs_attrs] if c and c in rows.columns]]
        for record in records.itertuples(index=False, name=None):
            values = dict(zip(records.columns, record, strict=True))
            obs_key = dsd.make_key(common.Key, {time: values[time]}) if time else common.Key()
            attached = {
                a: _attribute(dsd, a, values[a]) for a in obs_attrs if _value(values[a]) is not None
            }
            observations.append(
                v21.Observation(
                    dimension=obs_key,
                    series_key=series_key,
                    value=_value(values.get(measure)),
                    value_for=dsd.measures.get(measure) if measure in dsd.measures else None,
                    attached_attribute=attached,
                )
            )
        ds.add_obs(observations, series_key)
    message.data.append(ds)
    return message


def _attribute(dsd, attr_id: str, value: Any) -> v21.AttributeValue:
    return v21.AttributeValue(value=str(value), value_for=dsd.attributes.get(attr_id))


def from_sdmx1(
    message_or_dataset: DataMessage | common.BaseDataSet,
    structures: StructureSet | ComponentLayout | None = None,
    *,
    flow: str | None = None,
) -> Dataset:
    """An sdmx1 DataMessage (its data sets concatenated) or DataSet as a Dataset.

    With ``structures`` (a StructureSet or a layout), columns are typed and
    ordered as the readers do; without, they are kept as found.
    """
    header = MosyHeader()
    if isinstance(message_or_dataset, DataMessage):
        data_sets = list(message_or_dataset.data)
        header = _header(message_or_dataset.header)
        flow_urn = getattr(message_or_dataset.dataflow, "urn", None)
    else:
        data_sets = [message_or_dataset]
        flow_urn = None
    layout = structures
    if isinstance(structures, StructureSet):
        layout = structures.layout(flow) if flow or len(structures.dataflows) == 1 else None
    frames, actions, ds_attrs = [], [], {}
    measure = layout.primary_measure if isinstance(layout, ComponentLayout) else "OBS_VALUE"
    for ds in data_sets:
        columns: dict[str, list] = {}
        n = 0
        for obs in ds.obs:
            for dim_id, key_value in obs.key.values.items():
                columns.setdefault(dim_id, [None] * n).append(str(key_value.value))
            columns.setdefault(measure, [None] * n).append(_value(obs.value))
            for attr_id, attr_value in obs.attrib.items():
                columns.setdefault(attr_id, [None] * n).append(_attr_text(attr_value))
            n += 1
            for values in columns.values():
                if len(values) < n:
                    values.append(None)
        frame = pd.DataFrame(columns, index=pd.RangeIndex(n))
        if measure in frame.columns:
            frame[measure] = pd.to_numeric(frame[measure], errors="coerce").astype("float64")
        frames.append(frame)
        actions.append(_action(ds))
        for attr_id, attr_value in ds.attrib.items():
            ds_attrs[attr_id] = _attr_text(attr_value)
        flow_urn = flow_urn or getattr(ds.described_by, "urn", None)
        flow_urn = flow_urn or getattr(ds.structured_by, "urn", None)
    df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    action = actions[0] if actions else Action.INFORMATION
    if len(set(actions)) > 1:
        df["ACTION"] = pd.Categorical(
            np.repeat([a.value for a in actions], [len(f) for f in frames])
        )
        action = Action.INFORMATION
    for col in df.columns:
        if col not in (measure, "TIME_PERIOD", "ACTION"):
            df[col] = df[col].astype("category")
    if "TIME_PERIOD" in df.columns:
        df["TIME_PERIOD"] = df["TIME_PERIOD"].astype("str")
    lifted: dict[str, str] = {}
    if isinstance(layout, ComponentLayout):
        if layout.time_dimension in df.columns:
            df[layout.time_dimension] = df[layout.time_dimension].astype(object).astype("str")
        df, lifted = finish_frame(df, layout)
    lifted.update(ds_attrs)
    if flow_urn is None and isinstance(layout, ComponentLayout):
        flow_urn = layout.structure_urn
    return Dataset(data=df, structure_urn=flow_urn, action=action, attributes=lifted, header=header)


def _attr_text(attr_value: Any) -> str | None:
    value = getattr(attr_value, "value", attr_value)
    value = getattr(value, "id", value)  # a Code
    return None if value is None else str(value)


def _action(ds) -> Action:
    action = getattr(ds, "action", None)
    if action is None:
        return Action.INFORMATION
    return Action.parse(action.name if hasattr(action, "name") else str(action))


def _header(header: Header | None) -> MosyHeader:
    out = MosyHeader()
    if header is None:
        return out
    if header.id:
        out.id = str(header.id)
    out.prepared = header.prepared
    out.test = bool(header.test)
    if header.sender is not None and header.sender.id:
        out.sender = str(header.sender.id)
    if header.receiver is not None and header.receiver.id:
        out.receiver = str(header.receiver.id)
    return out
