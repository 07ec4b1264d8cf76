"""SDMX-ML structure-specific data reader (2.1 StructureSpecificData and
StructureSpecificTimeSeriesData, 3.0 StructureSpecificData).

Components are XML attributes of ``Series``/``Obs``/``Group`` (and of the
DataSet for dataset-level attributes). A parser target receives each start
tag as a dict; the hot path for ``<Obs>`` only checks that the attribute set
is the usual one and appends each value to its column list. Everything else
(header, series, groups, 3.0 ``Comp`` elements, the footer) goes the slow path.

Forms agencies write that need a second look:

- explicit measures (SDMX-ML 2.1 cross-sections, e.g. Eurostat's): the
  observation's value of the measure dimension is its ``xsi:type``
  (``<Obs xsi:type="ns:TFRNSI" .../>``) or its ``type`` attribute, not an
  XML attribute named after the dimension;
- a ``DataSet`` in the data structure's namespace instead of the message's
  (tolerated, see ``mosy_sdmx.deviations``);
- a footer, with or without a data set (``_read_header.FooterReader``);
- several data sets (``read_datasets``; ``read`` refuses them).
"""

from __future__ import annotations

from collections import Counter, deque
from operator import itemgetter
from typing import Any, BinaryIO

from mosy_sdmx import namespaces as ns
from mosy_sdmx.dataset import Action, Dataset, is_multi_value
from mosy_sdmx.deviations import Deviation, tolerate
from mosy_sdmx.exceptions import Location, ParseError
from mosy_sdmx.io.completeness import check_dimensions
from mosy_sdmx.io.sdmx_ml import _fast_body
from mosy_sdmx.io.sdmx_ml._comp_values import ComplexCells, CompValue, place
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
from mosy_sdmx.io.sdmx_ml._ss_components import (
    NOT_COMPONENTS,
    TYPE,
    XSI_TYPE,
    described,
    expected_dimensions,
    explicit_measures,
)
from mosy_sdmx.io.unknown import Extra, extra_option, unknown_components
from mosy_sdmx.limits import get_limits
from mosy_sdmx.safe_xml import (
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
_FOOTER_NAMESPACES = (ns.FOOTER_21, ns.FOOTER_30)
#: Elements attaching attributes to a partial key: SDMX-ML groups, and SDMX-ML
#: 3.0 ``Atts`` (which, given no key at all, hold data set attributes).
_PARTIAL_KEYS = ("Group", "Atts")


def read(
    stream: BinaryIO,
    *,
    layout: ComponentLayout | None = None,
    source_name: str | None = None,
    **options: Any,
) -> Dataset:
    """Read a structure-specific data message into a columnar Dataset.

    A message with several data sets is refused (``read_datasets`` reads them).
    """
    return _read(stream, layout, source_name, several=False, extra=_extra(options))[0]


def read_datasets(
    stream: BinaryIO,
    *,
    layout: ComponentLayout | None = None,
    source_name: str | None = None,
    **options: Any,
) -> list[Dataset]:
    """Every data set of a structure-specific data message, in message order."""
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
    whole = _fast_body.take_whole(stream)
    datasets = _read_whole(whole, layout, source_name, several, extra)
    if datasets is not None:
        return datasets
    stream = whole.stream_on()
    window = InputWindow()
    reader = _SSReader(layout, source_name, window, several=several, extra=extra)

    def flush() -> None:
        reader.obs.flush()
        reader.series.flush()
        reader._rebase()

    window.counters = {
        b"<Obs": reader.obs_seen,
        b"<Series": reader.series_seen,
        b"<Group": reader.groups_seen,
    }
    feed_stream(stream, reader, source_name=source_name, window=window, after_chunk=flush)
    return reader.datasets_read()


def _read_whole(
    whole: _fast_body.Whole,
    layout: ComponentLayout | None,
    source_name: str | None,
    several: bool,
    extra: Extra = "error",
) -> list[Dataset] | None:
    """The whole-buffer path (see ``_fast_body``), or None to stream ``whole.stream``."""
    buffer = whole.data
    if buffer is None:
        return None
    outline = _fast_body.outline(buffer)
    if outline is None:
        return None
    gate = _fast_body.Gate(buffer)
    try:
        reader = _read_regions(buffer, outline, layout, source_name, several, extra)
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
    return reader.datasets_read()


def _read_regions(
    buffer: Any,
    outline: _fast_body.Outline,
    layout: ComponentLayout | None,
    source_name: str | None,
    several: bool,
    extra: Extra = "error",
) -> _SSReader | None:
    reader = _SSReader(layout, source_name, InputWindow(), several=several, extra=extra)
    head = outline.head
    reader.window.push(head)  # so that what the head holds can be located
    make_parser(reader).feed(head)
    if reader.datasets != 1 or reader.depth != 2 or len(reader.obs) or len(reader.series):
        return None  # not the DataSet's content next: let the streaming path judge
    scan = _fast_body.scan(buffer, outline)
    obs = _fast_body.learn_shape(buffer, scan, ord("O"), b"Obs")
    series = _fast_body.learn_shape(buffer, scan, ord("S"), b"Series")
    # Attribute names as written; qualified ones must be xsi:type (an explicit measure).
    aliases = _fast_body.xsi_type_aliases(head)
    written = {
        name
        for shape in (obs, series)
        if shape is not None
        for name in (*shape.names, *(shape.loose_names or ()))
    }
    if any(":" in name and name not in aliases for name in written):
        return None  # another qualified attribute: the streaming path judges it
    names = {aliases.get(name, name) for name in written}
    if reader.allowed is not None and not (reader.allowed | NOT_COMPONENTS).issuperset(names):
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
        if aliases:
            obs_columns = {aliases.get(k, k): v for k, v in obs_columns.items()}
            series_columns = {aliases.get(k, k): v for k, v in series_columns.items()}
        base = len(reader.obs)
        known = len(reader.obs.names) + len(reader.series.names)
        reader.obs.append_arrays(obs_columns, counts[0])
        reader.series.append_arrays(series_columns, counts[1])
        reader.got.series_starts.extend((first_obs + base).tolist())
        reader._rebase()
        if len(reader.obs.names) + len(reader.series.names) != known:
            reader._refresh()
    if outline.footer:
        callbacks = callbacks or _PrimedParser(reader, head)
        callbacks.parser.feed(bytes(memoryview(buffer)[outline.end :]))
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
        """Feed one region; False unless the reader saw every element it announces
        (and no other data set began: the streaming path reads those)."""
        reader = self.reader
        before = len(reader.obs), len(reader.series), reader.datasets
        self.parser.feed(region)
        if reader.datasets != before[2]:
            return False
        return (len(reader.obs) - before[0], len(reader.series) - before[1]) == counts


class _SSReader:
    """Parser target: ``start``/``end``/``data``/``close`` callbacks, no tree."""

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
        self.series = ObsColumns(set(), self._bad_number)
        self.got = Collected(self.obs, series=self.series)
        # Components checked as they come, unless unknown ones are kept (or dropped later).
        known = layout is not None and extra == "error"
        self.allowed = set(layout.components) if known else None
        self.datasets = 0
        self.finished: list[Dataset] = []
        #: Observations, series and groups of the data sets finished before this one.
        self.before = {"obs": 0, "series": 0, "group": 0}
        self.version: str | None = None
        self.depth = 0
        self.max_depth = get_limits().max_depth
        self.in_header = False
        self.in_footer = False
        # Text pieces: a bounded deque whose C-level append is the ``data`` callback,
        # so whitespace between observations costs no Python call and no memory.
        self.text: deque[str] = deque(maxlen=256)
        self.data = self.text.append
        self.comp: CompValue | None = None  # the 3.0 <Comp> being read
        self.where = "root"
        self._new_dataset_state()
        #: Attribute sets with a fast block in ``start``, and how often each set was seen.
        self._shapes: dict[str, list[tuple[str, ...]]] = {"Obs": [], "Series": []}
        self._shape_counts: dict[str, Counter[tuple[str, ...]]] = {
            "Obs": Counter(),
            "Series": Counter(),
        }
        self.start = self._make_start()

    def _new_dataset_state(self) -> None:
        """What belongs to one data set: its facts, and its multi-valued cells."""
        self.dataset_attributes: dict[str, Any] = {}
        self.structure_ref: str | None = None
        self.action: Action | None = None
        self.provider: str | None = None
        self.deviations: list[Deviation] = []
        self.obs_cells = ComplexCells()
        self.series_cells = ComplexCells()

    # -- ordinals over the whole message (for error positions) -------------
    def obs_seen(self) -> int:
        return self.before["obs"] + len(self.obs)

    def series_seen(self) -> int:
        return self.before["series"] + len(self.series)

    def groups_seen(self) -> int:
        return self.before["group"] + len(self.got.groups)

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
        shape = tuple(k for k in attrib if k[:1] != "{" or k == XSI_TYPE)
        if not shape or len(shape) != len(attrib):
            return  # no attribute, or other qualified ones: the slow path's
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
        if self.depth > self.max_depth:
            line, _ = self.window.locate_start_tag(tag, counts[tag] - 1)
            raise too_deep(self.source_name, line)
        if tag in _PARTIAL_KEYS:
            self._group(attrib)
            return
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
        elif self.in_footer:
            self.footer.start(local, attrib)
        elif self.in_header or local in ("DataProvider", "Ref", "URN"):
            self.header.start(local, attrib)
        elif self.comp is not None:
            self.comp.start(local, attrib)
        elif local == "Comp":
            self.comp = CompValue(self._comp_level(), attrib.get("id", ""))

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
        if tag in _PARTIAL_KEYS:
            self.where = "dataset"
            return
        local = ns.split_tag(tag)[1]
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
        elif self.comp is not None:
            if local == "Comp":
                self._comp_done(self.comp)
                self.comp = None
            else:
                self.comp.end(local, text)

    def doctype(self, *args) -> None:
        raise refused_dtd(self.source_name)

    def close(self) -> None:
        self.obs.flush()
        self.series.flush()

    # -- elements ----------------------------------------------------------
    def _dataset(self, tag: str, namespace: str, attrib) -> None:
        self.datasets += 1
        if self.datasets > 1:
            if not self.several:
                line, _ = self.window.locate_start_tag(tag, self.window.tag_counts[tag] - 1)
                raise several_datasets(self.source_name, line)
            self._finish_dataset()
        self.where = "dataset"
        if namespace not in ns.MESSAGE_VERSIONS:
            line, column = self.window.locate_start_tag(tag, self.window.tag_counts[tag] - 1)
            self.deviations.append(
                tolerate(
                    "dataset-outside-message-namespace",
                    f"<DataSet> is in namespace {namespace or '(none)'}",
                    location=Location(source=self.source_name, line=line, column=column),
                )
            )
        for key, value in attrib.items():
            namespace, local = ns.split_tag(key)
            if namespace in _SS_NAMESPACES or (not namespace and local in _DATASET_FIELDS):
                if local == "structureRef":
                    self.structure_ref = value
                elif local == "action":
                    self.action = self.header.parse_action(value, None)
                elif local == "dataProviderID":
                    self.provider = value
            elif not namespace:
                self._check_component(local, "dataset", None)
                self.dataset_attributes[local] = value

    def _series(self, attrib) -> None:
        self.where = "series"
        self._add_row(self.series, "Series", attrib)
        self.got.series_starts.append(len(self.obs))

    def _group(self, attrib) -> None:
        self.where = "group"
        row = {k: v for k, v in attrib.items() if k[:1] != "{" and k != TYPE}
        if self.allowed is not None:
            for key in row:
                self._check_component(key, "group", len(self.got.groups))
        self.got.groups.append((row, {}))

    def _obs(self, attrib) -> None:
        self._add_row(self.obs, "Obs", attrib)

    def _add_row(self, columns: ObsColumns, tag: str, attrib) -> None:
        """The slow path of one ``<Obs>`` or ``<Series>``: new columns, one value each.

        An observation's ``xsi:type`` and ``type`` are kept in columns of those
        names; ``dataset`` turns them into its measure dimension's values.
        """
        level = tag.lower()
        ordinal = len(columns)
        new = False
        for key in attrib:
            if key in columns.lists:
                continue
            if key[:1] == "{" and not (key == XSI_TYPE and tag == "Obs"):
                continue  # a qualified attribute (xsi:type and the like) is no component
            if not (key in (TYPE, XSI_TYPE) and tag == "Obs"):
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

    def _comp_done(self, comp: CompValue) -> None:
        """Store a <Comp>: one plain value in its string column, anything else aside."""
        value = comp.result()
        level, name = comp.level, comp.component
        if name and self.allowed is not None:
            self._check_component(name, level if level != "obs" else "obs", None)
        plain = value is None or not is_multi_value(value)
        if level in ("obs", "series"):
            rows, cells = (
                (self.obs, self.obs_cells)
                if level == "obs"
                else (
                    self.series,
                    self.series_cells,
                )
            )
            if not len(rows):
                return
            column = rows.column(name)
            self._refresh()
            # A row already turned into Arrow (its <Comp> came in the next input
            # chunk) is amended aside too, like any value a string column cannot hold.
            if plain and rows.pending():
                column[-1] = value
            else:
                cells.set(name, len(rows) - 1, value)
        elif level == "group" and self.got.groups:
            # A <Comp> is never a dimension: never part of the group's key.
            self.got.groups[-1][1][name] = value
        elif value is not None:
            self.dataset_attributes[name] = value

    # -- errors ------------------------------------------------------------
    def _check_component(self, name: str, level: str, ordinal: int | None) -> None:
        if self.allowed is None or name in self.allowed:
            return
        marker = {"obs": b"<Obs", "series": b"<Series", "group": b"<Group"}.get(level)
        line = column = None
        if marker is not None and ordinal is not None:
            line, column = self.window.locate(marker, self.before[level] + ordinal)
        where = Location(source=self.source_name, line=line, column=column, component=name)
        structure = self.layout.dsd_id if self.layout is not None else None
        raise unknown_components([name], structure, where)

    def _bad_number(self, name: str, ordinal: int, value: str) -> ParseError:
        line, column = self.window.locate(b"<Obs", self.before["obs"] + ordinal)
        return ParseError(
            "Not a number",
            f"{name} must be numeric, found {value!r}",
            location=Location(source=self.source_name, line=line, column=column, component=name),
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
        """Turn the current data set's columns into a Dataset and start afresh."""
        self.close()
        self.finished.append(self._dataset_result())
        self.before["obs"] += len(self.obs)
        self.before["series"] += len(self.series)
        self.before["group"] += len(self.got.groups)
        self.obs.reset()
        self.series.reset()
        self.got.series_starts.clear()
        self.got.groups.clear()
        self._new_dataset_state()
        self._shapes = {"Obs": [], "Series": []}
        self._shape_counts = {"Obs": Counter(), "Series": Counter()}
        self._refresh()
        self._rebase()

    def _dataset_result(self) -> Dataset:
        ref = self.header.structure_for(self.structure_ref)
        layout = self.layout
        self._keyless_groups_to_dataset()
        time_dim = (layout.time_dimension if layout else None) or "TIME_PERIOD"
        frame = build_frame(self.got, layout=layout, time_dimension=time_dim)
        if self.series_cells:
            place(frame, self.series_cells, self.got.series_starts)
        if self.obs_cells:
            place(frame, self.obs_cells)
        frame = explicit_measures(frame, ref, layout, self.source_name)
        attributes = {
            k: v if is_multi_value(v) else unescape_attribute(v)
            for k, v in self.dataset_attributes.items()
        }
        action = self.action or self.header.action or Action.INFORMATION
        check_dimensions(
            frame,
            expected_dimensions(layout, ref),
            source=self.source_name,
            action=action,
        )
        urn = (ref.urn if ref else None) or (layout.structure_urn if layout else None) or None
        return Dataset(
            data=frame,
            structure_urn=urn,
            action=action,
            provider=self.provider or self.header.provider,
            attributes=attributes,
            header=self.header.header,
            source=self.source_name,
            deviations=self.deviations,
            layout=layout
            if layout is not None
            else described(
                frame,
                series_level=self.series.names,
                dataset_attributes=self.dataset_attributes,
                ref=ref,
                urn=urn,
            ),
        )

    def _keyless_groups_to_dataset(self) -> None:
        """A group or ``Atts`` element naming no dimension speaks of the whole data set."""
        dims = _dimension_names(self)
        kept = []
        for row, attrs in self.got.groups:
            if any(k in dims for k in row):
                kept.append((row, attrs))
            else:
                self.dataset_attributes.update({**row, **attrs})
        self.got.groups[:] = kept


def _dimension_names(reader: _SSReader) -> set[str]:
    if reader.layout is not None:
        return set(reader.layout.key_columns())
    return set(reader.obs.names) | set(reader.series.names)


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
