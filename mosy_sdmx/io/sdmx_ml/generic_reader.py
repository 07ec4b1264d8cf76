"""SDMX-ML 2.1 generic data reader (GenericData and GenericTimeSeriesData).

Generic messages describe themselves: every value names its component
(``<Value id=".." value=".."/>``) and its place says whether it is a key
value or an attribute, so they read without a structure and the Dataset's
``layout`` records what they declare; with a layout, unknown components and
non-numeric measures are refused. Same columnar accumulation as the
structure-specific reader, via parser callbacks. Footers and several data
sets are read as there (``read_datasets``).
"""

from __future__ import annotations

from array import array
from collections import deque
from typing import Any, BinaryIO

from mosy_sdmx import namespaces as ns
from mosy_sdmx.dataset import Action, Dataset
from mosy_sdmx.deviations import Deviation, tolerate
from mosy_sdmx.exceptions import Location, ParseError
from mosy_sdmx.io.completeness import check_dimensions
from mosy_sdmx.io.sdmx_ml._read_columns import (
    Collected,
    ObsColumns,
    build_frame,
    numeric_columns,
    unescape_attribute,
)
from mosy_sdmx.io.sdmx_ml._read_header import (
    FooterReader,
    HeaderReader,
    check_root,
    footer_only,
    several_datasets,
)
from mosy_sdmx.io.unknown import Extra, extra_option, unknown_components
from mosy_sdmx.limits import get_limits
from mosy_sdmx.safe_xml import InputWindow, feed_stream, refused_dtd, too_deep
from mosy_sdmx.structures.layout import AttachmentLevel, ComponentLayout, described_layout

_ROOTS = ("GenericData", "GenericTimeSeriesData")
_OBS_END = f"{{{ns.GENERIC_21}}}Obs"
_KEYS = {"SeriesKey", "GroupKey", "ObsKey", "Attributes"}
_FOOTER_NAMESPACES = (ns.FOOTER_21, ns.FOOTER_30)
_LEVELS = {
    "dataset": AttachmentLevel.DATASET,
    "group": AttachmentLevel.GROUP,
    "series": AttachmentLevel.SERIES,
    "obs": AttachmentLevel.OBSERVATION,
}


def read(
    stream: BinaryIO,
    *,
    layout: ComponentLayout | None = None,
    source_name: str | None = None,
    **options: Any,
) -> Dataset:
    """Read a generic data message into a columnar Dataset (one data set only)."""
    return _read(stream, layout, source_name, several=False, extra=_extra(options))[0]


def read_datasets(
    stream: BinaryIO,
    *,
    layout: ComponentLayout | None = None,
    source_name: str | None = None,
    **options: Any,
) -> list[Dataset]:
    """Every data set of a generic data message, in message order."""
    return _read(stream, layout, source_name, several=True, extra=_extra(options))


def _extra(options: dict[str, Any]) -> Extra:
    return extra_option(options.get("extra_columns", "error"))


def _read(
    stream: BinaryIO,
    layout: ComponentLayout | None,
    source_name: str | None,
    *,
    several: bool,
    extra: Extra = "error",
) -> list[Dataset]:
    window = InputWindow()
    reader = _GenericReader(layout, source_name, window, several=several, extra=extra)
    window.counters = reader.counters()
    feed_stream(
        stream, reader, source_name=source_name, window=window, after_chunk=reader.obs.flush
    )
    return reader.datasets_read()


class _GenericReader:
    """Parser target for generic data: small state machine over element names."""

    def __init__(
        self,
        layout: ComponentLayout | None,
        source_name: str | None,
        window: InputWindow,
        *,
        several: bool = False,
        extra: Extra = "error",
    ) -> None:
        self.layout = layout
        self.source_name = source_name
        self.window = window
        self.several = several
        self.header = HeaderReader(source_name)
        self.footer = FooterReader()
        self.obs = ObsColumns(numeric_columns(layout), self._bad_number)
        self.got = Collected(self.obs)
        # Components checked as they come, unless unknown ones are kept (or dropped later).
        known = layout is not None and extra == "error"
        self.allowed = set(layout.components) if known else None
        self.obs_dimension = "TIME_PERIOD"
        self.datasets = 0
        self.finished: list[Dataset] = []
        self.obs_before = 0  # observations of the data sets finished before this one
        self.version: str | None = None
        self.depth = 0
        self.max_depth = get_limits().max_depth
        self.in_header = False
        self.in_footer = False
        self._new_dataset_state()
        self.text: deque[str] = deque(maxlen=256)
        self.data = self.text.append
        self.level = "root"  # dataset | group | series | obs
        self.section: str | None = None  # SeriesKey, GroupKey, ObsKey, Attributes
        self.current: dict[str, str] = {}
        # For error positions: start tags seen per kind, the generic prefix, and
        # the ordinal of each observation's <ObsValue> (8 bytes per observation).
        self.seen = {"Value": 0, "ObsValue": 0}
        self.prefix = "generic"
        self.obs_value_at: array[int] = array("q")
        self._obs_value = -1

    def _new_dataset_state(self) -> None:
        self.dataset_attributes: dict[str, str] = {}
        self.structure_ref: str | None = None
        self.action: Action | None = None
        self.provider: str | None = None
        self.deviations: list[Deviation] = []
        #: Component id -> (section, level) where the message first gave it.
        self.roles: dict[str, tuple[str | None, str]] = {}

    def counters(self) -> dict[bytes, Any]:
        return {
            self._marker("Value"): lambda: self.seen["Value"],
            self._marker("ObsValue"): lambda: self.seen["ObsValue"],
        }

    def _marker(self, local: str) -> bytes:
        return (f"<{self.prefix}:{local} " if self.prefix else f"<{local} ").encode()

    # -- callbacks ---------------------------------------------------------
    def start_ns(self, prefix: str | None, uri: str) -> None:
        if uri == ns.GENERIC_21 and prefix != self.prefix:
            self.prefix = prefix or ""
            self.window.counters = self.counters()

    def start(self, tag: str, attrib) -> None:
        counts = self.window.tag_counts
        counts[tag] = counts.get(tag, 0) + 1
        self.depth += 1
        if self.depth > self.max_depth:
            line, _ = self.window.locate_start_tag(tag, counts[tag] - 1)
            raise too_deep(self.source_name, line)
        namespace, local = ns.split_tag(tag)
        if self.version is None:
            position = self.window.locate_start_tag(tag, 0)
            self.version = check_root(tag, _ROOTS, self.source_name, position)
            return
        self.text.clear()
        if self.depth == 2:
            if local == "Header" and namespace in ns.MESSAGE_VERSIONS:
                self.in_header = True
            elif local == "DataSet":
                self._dataset(tag, namespace, attrib)
            elif local == "Footer" and namespace in _FOOTER_NAMESPACES:
                self.in_footer = True
        elif namespace == ns.GENERIC_21:
            self._generic_start(local, attrib)
        elif self.in_footer:
            self.footer.start(local, attrib)
        elif self.in_header or local in ("DataProvider", "Ref", "URN"):
            self.header.start(local, attrib)

    def _generic_start(self, local: str, attrib) -> None:
        if local == "Value":
            self.seen["Value"] += 1
            self._value(attrib.get("id"), attrib.get("value"))
        elif local == "Obs":
            self.level = "obs"
            self.current = {}
            self._obs_value = -1
        elif local == "ObsDimension":
            self._value(attrib.get("id") or self.obs_dimension, attrib.get("value"))
        elif local == "ObsValue":
            self._obs_value = self.seen["ObsValue"]
            self.seen["ObsValue"] += 1
            self._value(self._measure(), attrib.get("value"), "ObsValue")
        elif local in _KEYS:
            self.section = local
        elif local == "Series":
            self.level = "series"
            self.got.series_rows.append({})
            self.got.series_starts.append(len(self.obs))
        elif local == "Group":
            self.level = "group"
            self.got.groups.append(({}, {}))
        elif local == "DataProvider":
            self.header.start(local, attrib)

    def _value(self, component: str | None, value: str | None, marker: str = "Value") -> None:
        if not component:
            raise ParseError(
                "Value without component id",
                "a generic <Value> must name its component (id=...)",
                location=self._where(marker),
            )
        self._check_component(component, marker)
        if component not in self.roles:
            self.roles[component] = (self.section, self.level)
        if self.level == "obs":
            self.current[component] = value
        elif self.level == "series":
            self.got.series_rows[-1][component] = value
        elif self.level == "group":
            key, attrs = self.got.groups[-1]
            (key if self.section == "GroupKey" else attrs)[component] = value
        else:
            self.dataset_attributes[component] = value

    def end(self, tag: str) -> None:
        self.depth -= 1
        if tag == _OBS_END:
            self._obs_done()
            return
        namespace, local = ns.split_tag(tag)
        if namespace == ns.GENERIC_21:
            if local in _KEYS:
                self.section = None
            elif local in ("Series", "Group"):
                self.level = "dataset"
            elif local == "DataProvider":
                self.header.end(local, "".join(self.text))
            return
        text = "".join(self.text)
        self.text.clear()
        if self.in_footer:
            if self.depth == 1:
                self.in_footer = False
            else:
                self.footer.end(local, text)
        elif local == "Header" and self.depth == 1:
            self.in_header = False
        elif self.in_header or local in ("DataProvider", "Ref", "URN"):
            self.header.end(local, text)

    def doctype(self, *args) -> None:
        raise refused_dtd(self.source_name)

    def close(self) -> None:
        self.obs.flush()

    # -- elements ----------------------------------------------------------
    def _dataset(self, tag: str, namespace: str, attrib) -> None:
        self.datasets += 1
        if self.datasets > 1:
            if not self.several:
                line, _ = self.window.locate_start_tag(tag, self.window.tag_counts[tag] - 1)
                raise several_datasets(self.source_name, line)
            self._finish_dataset()
        self.level = "dataset"
        if namespace not in ns.MESSAGE_VERSIONS:
            line, column = self.window.locate_start_tag(tag, self.window.tag_counts[tag] - 1)
            self.deviations.append(
                tolerate(
                    "dataset-outside-message-namespace",
                    f"<DataSet> is in namespace {namespace or '(none)'}",
                    location=Location(source=self.source_name, line=line, column=column),
                )
            )
        self.structure_ref = attrib.get("structureRef")
        if "action" in attrib:
            self.action = self.header.parse_action(attrib["action"], None)
        if "dataProviderID" in attrib:
            self.provider = attrib["dataProviderID"]
        ref = self.header.structure_for(self.structure_ref)
        dim = ref.dimension_at_observation if ref else None
        if dim and dim != "AllDimensions":
            self.obs_dimension = dim
        elif self.layout is not None and self.layout.time_dimension:
            self.obs_dimension = self.layout.time_dimension

    def _obs_done(self) -> None:
        self.level = "series" if self.got.series_rows else "dataset"
        current = self.current
        obs = self.obs
        for name in current:
            obs.column(name)
        for name in obs.names:
            obs.lists[name].append(current.get(name))
        self.obs_value_at.append(self._obs_value)

    def _measure(self) -> str:
        return self.layout.primary_measure if self.layout is not None else "OBS_VALUE"

    # -- errors ------------------------------------------------------------
    def _where(self, marker: str = "Value", ordinal: int | None = None) -> Location:
        """Location of the last ``<Value>`` seen, or of the ``ordinal``-th ``marker`` tag."""
        if ordinal is None:
            ordinal = self.seen[marker] - 1
        line, column = self.window.locate(self._marker(marker), ordinal)
        return Location(source=self.source_name, line=line, column=column)

    def _check_component(self, name: str, marker: str) -> None:
        if self.allowed is None or name in self.allowed:
            return
        where = self._where(marker)
        location = Location(
            source=where.source, line=where.line, column=where.column, component=name
        )
        structure = self.layout.dsd_id if self.layout is not None else None
        raise unknown_components([name], structure, location)

    def _bad_number(self, name: str, ordinal: int, value: str) -> ParseError:
        ordinal += self.obs_before
        value_at = self.obs_value_at[ordinal] if ordinal < len(self.obs_value_at) else -1
        where = self._where("ObsValue", value_at) if value_at >= 0 else Location(self.source_name)
        return ParseError(
            "Not a number",
            f"{name} must be numeric, found {value!r}",
            location=Location(
                source=where.source, line=where.line, column=where.column, component=name
            ),
            context={"component": name, "value": value},
        )

    # -- result ------------------------------------------------------------
    def datasets_read(self) -> list[Dataset]:
        """Every data set of the message, the last one finished now."""
        if self.datasets == 0:
            if self.footer.messages:
                raise footer_only(self.footer.messages, self.source_name)
            raise ParseError(
                "No dataset",
                "the message holds no DataSet",
                location=Location(source=self.source_name),
            )
        self._finish_dataset()
        for dataset in self.finished:
            dataset.footer = list(self.footer.messages)
        return self.finished

    def _finish_dataset(self) -> None:
        self.obs.flush()
        self.finished.append(self._dataset_result())
        self.obs_before += len(self.obs)
        self.obs.reset()
        self.got.series_rows.clear()
        self.got.series_starts.clear()
        self.got.groups.clear()
        self._new_dataset_state()

    def _dataset_result(self) -> Dataset:
        layout = self.layout
        ref = self.header.structure_for(self.structure_ref)
        urn = (ref.urn if ref else None) or (layout.structure_urn if layout else None) or None
        described = layout if layout is not None else self._described(urn)
        time_dim = described.time_dimension or "TIME_PERIOD"
        frame = build_frame(self.got, layout=layout, time_dimension=time_dim)
        action = self.action or self.header.action or Action.INFORMATION
        check_dimensions(frame, described.key_columns(), source=self.source_name, action=action)
        return Dataset(
            data=frame,
            structure_urn=urn,
            action=action,
            provider=self.provider or self.header.provider,
            attributes={k: unescape_attribute(v) for k, v in self.dataset_attributes.items()},
            header=self.header.header,
            source=self.source_name,
            deviations=self.deviations,
            layout=described,
        )

    def _described(self, urn: str | None) -> ComponentLayout:
        """What the message declares: key values are dimensions, the rest attributes
        at the level they were given (group attributes related to the group's key)."""
        dimensions: list[str] = []
        attributes: dict[str, AttachmentLevel] = {}
        measure = self._measure()
        for component, (section, level) in self.roles.items():
            if component == measure and section is None:
                continue
            if section in ("SeriesKey", "ObsKey", "GroupKey") or (
                section is None and level == "obs"
            ):
                dimensions.append(component)
            elif section == "Attributes":
                attributes[component] = _LEVELS.get(level, AttachmentLevel.OBSERVATION)
        # Key order: as in the series keys (groups, read first, hold partial keys).
        first_series = self.got.series_rows[0] if self.got.series_rows else {}
        order = {c: i for i, c in enumerate(first_series)}
        dimensions.sort(key=lambda c: order.get(c, len(order)))
        related: dict[str, tuple[str, ...]] = {}
        for key, attrs in self.got.groups:
            for attr in attrs:
                related.setdefault(attr, tuple(key))
        time = "TIME_PERIOD" if "TIME_PERIOD" in dimensions else None
        return described_layout(
            structure_urn=urn,
            dimensions=dimensions,
            time_dimension=time,
            measures=[measure],
            attributes=attributes,
            related=related,
        )
