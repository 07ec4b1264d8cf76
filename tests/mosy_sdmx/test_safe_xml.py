"""The hardened XML configuration: refusals, limits and error positions."""

from __future__ import annotations

import io

import pytest
from lxml import etree

from mosy_sdmx import safe_xml
from mosy_sdmx.exceptions import ParseError


def test_parse_bytes_refuses_dtd_and_entities(tmp_path):
    secret = tmp_path / "passwd"
    secret.write_text("root:x:0:0")
    doc = f'<!DOCTYPE r [<!ENTITY s SYSTEM "{secret.as_uri()}">]><r>&s;</r>'.encode()
    with pytest.raises(ParseError) as caught:
        safe_xml.parse_bytes(doc, "x.xml")
    assert caught.value.context["reason"] == "dtd-refused"
    assert "root:x" not in str(caught.value)


def test_parser_options_never_resolve_or_fetch():
    opts = safe_xml.PARSER_OPTIONS
    assert opts["resolve_entities"] is False
    assert opts["no_network"] is True
    assert opts["load_dtd"] is False
    assert opts["huge_tree"] is False


def test_syntax_error_has_line_and_column():
    with pytest.raises(ParseError) as caught:
        safe_xml.parse_bytes(b"<a>\n  <b></c>\n</a>", "bad.xml")
    assert caught.value.location.line == 2
    assert caught.value.location.column is not None
    assert caught.value.location.source == "bad.xml"


@pytest.mark.parametrize("depth, ok", [(safe_xml.MAX_DEPTH, True), (safe_xml.MAX_DEPTH + 1, False)])
def test_check_depth_limit(depth, ok):
    doc = ("<e>" * depth + "</e>" * depth).encode()
    if ok:
        assert safe_xml.parse_bytes(doc).getroot().tag == "e"
    else:
        with pytest.raises(ParseError, match="nested too deeply"):
            safe_xml.parse_bytes(doc)


def test_check_depth_is_linear_on_wide_trees():
    # 200 000 siblings: the old parent-chain walk was quadratic in depth x size.
    doc = b"<r>" + b"<c/>" * 200_000 + b"</r>"
    safe_xml.check_depth(etree.fromstring(doc))


def test_doctype_guard_refuses_a_late_doctype_split_across_reads():
    doc = b"<r>" + b" " * 100_000 + b"<!DOCTYPE x>" + b"</r>"
    guard = safe_xml.DoctypeGuard(io.BytesIO(doc), "late.xml")
    with pytest.raises(ParseError) as err:
        while guard.read(100_005):  # the declaration straddles two reads
            pass
    assert err.value.location.source == "late.xml"


class _StopAt:
    """A target that fails at the n-th <Obs>, like a reader meeting a bad value."""

    def __init__(self, window: safe_xml.InputWindow, n: int) -> None:
        self.window, self.n, self.count = window, n, 0

    def start(self, tag, attrib):
        if tag == "Obs":
            self.count += 1
            if self.count == self.n + 1:
                line, column = self.window.locate(b"<Obs", self.n)
                raise ParseError("stop", location=safe_xml.Location(line=line, column=column))

    def close(self):
        return self.count


@pytest.mark.parametrize("chunk_size", [5, 64, 4096])
@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_input_window_locates_elements_across_chunks(chunk_size, newline):
    lines = ["<r>"] + [f'{"  " * (i % 3)}<Obs v="{i}"/>' for i in range(300)] + ["</r>"]
    doc = newline.join(lines)
    for n in (0, 57, 299):
        window = safe_xml.InputWindow()
        target = _StopAt(window, n)
        window.counters = {b"<Obs": lambda t=target: t.count}
        with pytest.raises(ParseError) as caught:
            safe_xml.feed_stream(
                io.BytesIO(doc.encode()), target, window=window, chunk_size=chunk_size
            )
        want_line = n + 2
        assert caught.value.location.line == want_line
        assert caught.value.location.column == len(lines[n + 1]) - len(lines[n + 1].lstrip()) + 1


def test_feed_stream_returns_close_and_reports_syntax_errors():
    class Count:
        n = 0

        def start(self, tag, attrib):
            self.n += 1

        def close(self):
            return self.n

    assert safe_xml.feed_stream(io.BytesIO(b"<a><b/><b/></a>"), Count()) == 3
    with pytest.raises(ParseError) as caught:
        safe_xml.feed_stream(io.BytesIO(b"<a>\n<b>\n</a>"), Count(), source_name="t.xml")
    assert caught.value.title == "Malformed XML"
    assert caught.value.location.line == 3
