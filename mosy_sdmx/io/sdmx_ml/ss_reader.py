"""SDMX-ML structure-specific data reader (2.1 StructureSpecificData and
StructureSpecificTimeSeriesData, 3.0 StructureSpecificData).

Components are XML attributes of ``Series``/``Obs``/``Group`` (and of the
DataSet for dataset-level attributes). A parser target receives each start
tag as a dict; the hot path for ``<Obs>`` only checks that the attribute set
is the usual one and appends each value to its column list. Everything else
(header, series, groups, 3.0 ``Comp`` elements) goes the slow path.
"""

from __future__ import annotations

from collections import Counter, deque
from operator import itemgetter
from typing import Any, BinaryIO

from mosy_sdmx import namespaces as ns
from mosy_sdmx.dataset import Dataset
from mosy_sdmx.exceptions import Location, ParseError
from mosy_sdmx.io.sdmx_ml import _fast_body
from mosy_sdmx.io.sdmx_ml._read_columns import (
    Collected,
    ObsColumns,
    build_frame,
    numeric_columns,
    unescape_attribute,
)
from mosy_sdmx.io.sdmx_ml._read_header import HeaderReader, check_root, several_datasets
from mosy_sdmx.safe_xml import (
    MAX_DEPTH,
    InputWindow,
    feed_stream,
    make_parser,
    refused_dtd,
    too_deep,
)
from mosy_sdmx.structures.layout import ComponentLayout

_ROOTS = ("StructureSpecificData", "StructureSpecificTimeSeriesData")
#: Attribute sets per element that get a fast block in the generated ``start``.
SHAPES = 3
_SS_NAMESPACES = (ns.SS_21, ns.SS_30)


def read(
    stream: BinaryIO,
    *,
    layout: ComponentLayout | None = None,
    source_name: str | None = None,
    **options: Any,
) -> Dataset:
    """Read a structure-specific data message into a columnar Dataset."""
    whole = _fast_body.take_whole(stream)
    dataset = _read_whole(whole, layout, source_name)
    if dataset is not None:
        return dataset
    assert whole.stream is not None
    stream = whole.stream
    window = InputWindow()
    reader = _SSReader(layout, source_name, window)

    def flush() -> None:
        reader.obs.flush()
        reader.series.flush()
        reader._rebase()

    window.counters = {
        b"<Obs": reader.obs.__len__,
        b"<Series": reader.series.__len__,
        b"<Group": reader.got.groups.__len__,
    }
    feed_stream(stream, reader, source_name=source_name, window=window, after_chunk=flush)
    return reader.dataset()


def _read_whole(
    whole: _fast_body.Whole, layout: ComponentLayout | None, source_name: str | None
) -> Dataset | None:
    """The whole-buffer path (see ``_fast_body``), or None to stream ``whole.stream``."""
    buffer = whole.data
    if buffer is None:
        return None
    outline = _fast_body.outline(buffer)
    if outline is None:
        return None
    gate = _fast_body.Gate(buffer)
    try:
        reader = _read_regions(buffer, outline, layout, source_name)
    except _fast_body.FALLBACK_ERRORS:
        reader = None
    if reader is None:
        gate.cancel()
        return None
    if not gate.passed():
        return None
    # The columns are copies: the input's bytes can go before the frame is built.
    del buffer
    whole.release()
    return reader.dataset()


def _read_regions(
    buffer: Any,
    outline: _fast_body.Outline,
    layout: ComponentLayout | None,
    source_name: str | None,
) -> _SSReader | None:
    reader = _SSReader(layout, source_name, InputWindow())
    head = outline.head
    make_parser(reader).feed(head)
    if reader.datasets != 1 or reader.depth != 2 or len(reader.obs) or len(reader.series):
        return None  # not the DataSet's content next: let the streaming path judge
    scan = _fast_body.scan(buffer, outline)
    obs = _fast_body.learn_shape(buffer, scan, ord("O"), b"Obs")
    series = _fast_body.learn_shape(buffer, scan, ord("S"), b"Series")
    names = {
        name
        for shape in (obs, series)
        if shape is not None
        for name in (*shape.names, *(shape.loose_names or ()))
    }
    if reader.allowed is not None and not reader.allowed.issuperset(names):
        return None  # the streaming path names the unknown component and its line
    callbacks: _PrimedParser | None = None
    for region in scan.regions:
        counts = _fast_body.region_counts(scan, region)
        found = _fast_body.read_region(buffer, scan, region, counts, obs, series)
        if found is None:
            callbacks = callbacks or _PrimedParser(reader, head)
            if not callbacks.feed(_fast_body.region_bytes(buffer, scan, region), counts):
                return None
            continue
        obs_columns, series_columns, first_obs = found
        base = len(reader.obs)
        known = len(reader.obs.names) + len(reader.series.names)
        reader.obs.append_arrays(obs_columns, counts[0])
        reader.series.append_arrays(series_columns, counts[1])
        reader.got.series_starts.extend((first_obs + base).tolist())
        reader._rebase()
        if len(reader.obs.names) + len(reader.series.names) != known:
            reader._refresh()
    reader.close()
    return reader


class _PrimedParser:
    """Callbacks for the regions the patterns do not read: a parser that has seen
    the head (namespaces, open elements) in silence, then feeds the reader."""

    def __init__(self, reader: _SSReader, head: bytes) -> None:
        self.reader = reader
        self.live = False
        self.parser = make_parser(self)
        self.parser.feed(head)
        self.live = True

    def start(self, tag: str, attrib) -> None:
        if self.live:
            self.reader.start(tag, attrib)

    def end(self, tag: str) -> None:
        if self.live:
            self.reader.end(tag)

    def data(self, text: str) -> None:
        if self.live:
            self.reader.data(text)

    def close(self) -> None:
        return None

    def feed(self, region: bytes, counts: tuple[int, int]) -> bool:
        """Feed one region; False unless the reader saw every element it announces."""
        reader = self.reader
        before = len(reader.obs), len(reader.series)
        self.parser.feed(region)
        return (len(reader.obs) - before[0], len(reader.series) - before[1]) == counts


class _SSReader:
    """Parser target: ``start``/``end``/``data``/``close`` callbacks, no tree."""

    def __init__(
        self, layout: ComponentLayout | None, source_name: str | None, window: InputWindow
    ) -> None:
        self.layout = layout
        self.source_name = source_name
        self.window = window
        self.header = HeaderReader(source_name)
        self.obs = ObsColumns(numeric_columns(layout), self._bad_number)
        self.series = ObsColumns(set(), self._bad_number)
        self.got = Collected(self.obs, series=self.series)
        self.allowed = set(layout.components) if layout is not None else None
        self.dataset_attributes: dict[str, str] = {}
        self.structure_ref: str | None = None
        self.datasets = 0
        self.version: str | None = None
        self.depth = 0
        self.in_header = False
        # Text pieces: a bounded deque whose C-level append is the ``data`` callback,
        # so whitespace between observations costs no Python call and no memory.
        self.text: deque[str] = deque(maxlen=256)
        self.data = self.text.append
        self.comp: tuple[str, str] | None = None  # (level, component id) of a 3.0 <Comp>
        self.comp_values: list[str] = []
        self.where = "root"
        #: Attribute sets with a fast block in ``start``, and how often each set was seen.
        self._shapes: dict[str, list[tuple[str, ...]]] = {"Obs": [], "Series": []}
        self._shape_counts: dict[str, Counter[tuple[str, ...]]] = {
            "Obs": Counter(),
            "Series": Counter(),
        }
        self.start = self._make_start()

    # -- callbacks ---------------------------------------------------------
    def _make_start(self):
        """The ``start`` callback, generated for the attribute sets seen so far.

        lxml binds ``target.start`` once, so the function object stays and
        ``_refresh`` swaps its code when a series or observation brings a new
        component or a new usual attribute set (``_learn``). An ``<Obs>`` or
        ``<Series>`` written with one of the usual sets costs a length check,
        one ``itemgetter`` call (a KeyError means another set) and one bound
        ``append`` per column (None for the columns it leaves out), no loop;
        anything else goes to ``_start``.
        """
        obs, series = self.obs, self.series
        scope: dict[str, Any] = {
            "slow": self._start,
            "obs_count": obs.__len__,
            "series_start": self.got.series_starts.append,
        }

        def blocks(tag: str, prefix: str, columns: list[str], then: list[str]) -> list[str]:
            """One ``if`` per usual set: exactly those names present, append each column."""
            lines: list[str] = []
            for k, shape in enumerate(self._shapes[tag]):
                values = ", ".join(f"{prefix}v{i}" for i in range(len(shape)))
                if len(shape) > 1:
                    scope[f"{prefix}_get{k}"] = itemgetter(*shape)
                    get = f"{values}, = {prefix}_get{k}(attrib)"
                else:
                    get = f"{values} = attrib[{shape[0]!r}]"
                given = dict(zip(shape, values.split(", "), strict=True))
                appends = [
                    f"{prefix}{i}({given.get(name, 'None')})" for i, name in enumerate(columns)
                ]
                lines += [
                    f"        if n == {len(shape)}:",
                    "            try:",
                    f"                {get}",
                    "            except KeyError:",
                    "                pass",
                    "            else:",
                    *[f"                {a}" for a in appends],
                    *[f"    {t}" for t in then],
                    "                return",
                ]
            if not lines:
                return []
            return [f"    if tag == {tag!r}:", "        n = len(attrib)", *lines]

        def compile_start() -> Any:
            o_names, s_names = list(obs.names), list(series.names)
            # A series starts at the observation count: flushed (a global of the
            # generated code, updated by ``flush``) plus the open first column.
            count = "o_base + o_len()" if o_names else "obs_count()"
            source = "\n".join(
                [
                    "def start(tag, attrib):",
                    *blocks("Obs", "o", o_names, []),
                    *blocks("Series", "s", s_names, [f"            series_start({count})"]),
                    "    slow(tag, attrib)",
                ]
            )
            scope.update({f"o{i}": obs.lists[n].append for i, n in enumerate(o_names)})
            scope.update({f"s{i}": series.lists[n].append for i, n in enumerate(s_names)})
            scope["o_len"] = obs.lists[o_names[0]].__len__ if o_names else None
            scope["o_base"] = obs.flushed
            exec(source, scope)
            return scope["start"]

        start = compile_start()

        def refresh() -> None:
            start.__code__ = compile_start().__code__

        def rebase() -> None:
            scope["o_base"] = obs.flushed

        self._refresh = refresh
        self._rebase = rebase
        return start

    def _learn(self, tag: str, attrib) -> None:
        """Count an attribute set the fast blocks missed; now and then, let the
        ``SHAPES`` most frequent ones have blocks of their own."""
        shape = tuple(k for k in attrib if k[:1] != "{")
        if not shape or len(shape) != len(attrib):
            return  # no attribute, or xsi:type and the like: the slow path's
        counts = self._shape_counts[tag]
        counts[shape] += 1
        seen = counts[shape]
        if shape in self._shapes[tag] or seen & (seen - 1):
            return  # re-ranked at 1, 2, 4, 8... sightings only
        best = [s for s, _ in counts.most_common(SHAPES)]
        if best != self._shapes[tag]:
            self._shapes[tag] = best
            self._refresh()

    def _start(self, tag: str, attrib) -> None:
        if tag == "Obs":
            self._obs(attrib)
            return
        if tag == "Series":  # as on the fast path, a Series never counts in depth
            self._series(attrib)
            return
        counts = self.window.tag_counts
        counts[tag] = counts.get(tag, 0) + 1
        self.depth += 1
        if self.depth > MAX_DEPTH:
            line, _ = self.window.locate_start_tag(tag, counts[tag] - 1)
            raise too_deep(self.source_name, line)
        if tag == "Group":
            self._group(attrib)
            return
        namespace, local = ns.split_tag(tag)
        if self.version is None:
            position = self.window.locate_start_tag(tag, 0)
            self.version = check_root(tag, _ROOTS, self.source_name, position)
            return
        self.text.clear()
        if local == "Header" and namespace in ns.MESSAGE_VERSIONS:
            self.in_header = True
        elif local == "DataSet" and namespace in ns.MESSAGE_VERSIONS:
            self._dataset(attrib)
        elif self.in_header or local in ("DataProvider", "Ref", "URN"):
            self.header.start(local, attrib)
        elif local == "Comp":
            self.comp = (self._comp_level(), attrib.get("id", ""))
            self.comp_values = []

    def _comp_level(self) -> str:
        # SDMX-ML 3.0 puts a container's <Comp> before its children, so a <Comp>
        # after observations of the current series (or flat dataset) is an Obs's.
        got = self.got
        if self.where == "series" and len(self.obs) > got.series_starts[-1]:
            return "obs"
        if self.where == "dataset" and len(self.obs) > 0:
            return "obs"
        return self.where

    def end(self, tag: str) -> None:
        if tag == "Obs":
            return
        if tag == "Series":
            self.where = "dataset"
            return
        self.depth -= 1
        if tag == "Group":
            self.where = "dataset"
            return
        if tag == "Comp" and self.comp is not None:
            self._comp_done()
            return
        local = ns.split_tag(tag)[1]
        text = "".join(self.text)
        self.text.clear()
        if local == "Header":
            self.in_header = False
        elif self.in_header or local in ("DataProvider", "Ref", "URN"):
            self.header.end(local, text)
        elif local in ("Value", "Text") and self.comp is not None and text.strip():
            self.comp_values.append(text.strip())

    def doctype(self, *args) -> None:
        raise refused_dtd(self.source_name)

    def close(self) -> None:
        self.obs.flush()
        self.series.flush()

    # -- elements ----------------------------------------------------------
    def _dataset(self, attrib) -> None:
        self.datasets += 1
        if self.datasets > 1:
            raise several_datasets(self.source_name)
        self.where = "dataset"
        for key, value in attrib.items():
            namespace, local = ns.split_tag(key)
            if namespace in _SS_NAMESPACES or (not namespace and local in _DATASET_FIELDS):
                if local == "structureRef":
                    self.structure_ref = value
                elif local == "action":
                    self.header.action = self.header.parse_action(value, None)
                elif local == "dataProviderID":
                    self.header.provider = value
            elif not namespace:
                self._check_component(local, "dataset", None)
                self.dataset_attributes[local] = value

    def _series(self, attrib) -> None:
        self.where = "series"
        self._add_row(self.series, "Series", attrib)
        self.got.series_starts.append(len(self.obs))

    def _group(self, attrib) -> None:
        self.where = "group"
        row = {k: v for k, v in attrib.items() if k[:1] != "{"}
        if self.allowed is not None:
            for key in row:
                self._check_component(key, "group", len(self.got.groups))
        self.got.groups.append((row, {}))

    def _obs(self, attrib) -> None:
        self._add_row(self.obs, "Obs", attrib)

    def _add_row(self, columns: ObsColumns, tag: str, attrib) -> None:
        """The slow path of one ``<Obs>`` or ``<Series>``: new columns, one value each."""
        level = tag.lower()
        ordinal = len(columns)
        new = False
        for key in attrib:
            if key not in columns.lists and key[:1] != "{":  # xsi:type is no component
                self._check_component(key, level, ordinal)
                columns.column(key)
                new = True
        for name in columns.names:
            columns.lists[name].append(attrib.get(name))
        if not columns.names:
            columns.add_empty_row()
        if new:  # the fast blocks must append to the new column too
            self._refresh()
        self._learn(tag, attrib)

    def _comp_done(self) -> None:
        level, comp_id = self.comp or ("", "")
        self.comp = None
        value = ";".join(self.comp_values)
        if level == "obs":
            column = self.obs.column(comp_id)
            column[-1] = value
            self._refresh()
        elif level == "series" and len(self.series):
            self.series.column(comp_id)[-1] = value
            self._refresh()
        elif level == "group" and self.got.groups:
            self.got.groups[-1][0][comp_id] = value
        else:
            self.dataset_attributes[comp_id] = value

    # -- errors ------------------------------------------------------------
    def _check_component(self, name: str, level: str, ordinal: int | None) -> None:
        if self.allowed is None or name in self.allowed:
            return
        marker = {"obs": b"<Obs", "series": b"<Series", "group": b"<Group"}.get(level)
        line = column = None
        if marker is not None and ordinal is not None:
            line, column = self.window.locate(marker, ordinal)
        assert self.layout is not None
        raise ParseError(
            "Unknown component",
            f"{name!r} is not a component of {self.layout.dsd_id}",
            location=Location(source=self.source_name, line=line, column=column, component=name),
            context={"component": name, "structure": self.layout.dsd_id},
        )

    def _bad_number(self, name: str, ordinal: int, value: str) -> ParseError:
        line, column = self.window.locate(b"<Obs", ordinal)
        return ParseError(
            "Not a number",
            f"{name} must be numeric, found {value!r}",
            location=Location(source=self.source_name, line=line, column=column, component=name),
            context={"component": name, "value": value},
        )

    # -- result ------------------------------------------------------------
    def dataset(self) -> Dataset:
        if self.datasets == 0:
            raise ParseError(
                "No dataset",
                "the message holds no DataSet",
                location=Location(source=self.source_name),
            )
        ref = self.header.structure_for(self.structure_ref)
        layout = self.layout
        time_dim = (layout.time_dimension if layout else None) or "TIME_PERIOD"
        frame = build_frame(self.got, layout=layout, time_dimension=time_dim)
        attributes = {k: unescape_attribute(v) for k, v in self.dataset_attributes.items()}
        urn = (ref.urn if ref else None) or (layout.structure_urn if layout else None) or None
        return Dataset(
            data=frame,
            structure_urn=urn,
            action=self.header.action or Dataset.__dataclass_fields__["action"].default,
            provider=self.header.provider,
            attributes=attributes,
            header=self.header.header,
            source=self.source_name,
        )


_DATASET_FIELDS = {
    "structureRef",
    "setID",
    "action",
    "reportingBeginDate",
    "reportingEndDate",
    "validFromDate",
    "validToDate",
    "publicationYear",
    "publicationPeriod",
    "dataScope",
    "REPORTING_YEAR_START_DAY",
    "dataProviderID",
}
