"""Write docs/conformance.md from the conformance corpus: ``python tools/conformance_page.py``.

Every sample message of the shared folder (``sdmx-standards/`` and
``specimens/``) is read by the library; the page records what kind of message
it is, what mosy does with it (``read``, or ``refused: <error title>``),
whether the tests compare it with sdmx1, and why. The facts come from reading
the samples; only the reasons are written by hand, below, and a refused sample
without a reason stops the script. ``--check`` exits 1 when the page on disk
is not what the corpus gives (tests/mosy_sdmx/io/test_conformance_corpus.py
runs the same check).
"""

from __future__ import annotations

import json
import os
import re
import sys
import textwrap
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from mosy_sdmx import read_datasets
from mosy_sdmx.exceptions import MosyError
from mosy_sdmx.formats import DataFormat, sniff_data_format
from mosy_sdmx.structures import load_structures

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "conformance.md"
SHARED = Path(os.environ.get("MOSY_SHARED", ROOT.parent / "shared")).resolve()
_SKIPPED = {".xsd", ".md", ".pdf", ".yaml", ".yml"}
#: The first element after the prolog (declarations, comments, processing instructions).
_ROOT_ELEMENT = re.compile(rb"<(?:[\w.-]+:)?([\w.-]+)[\s/>]")

#: The data formats sdmx1 reads without a structure the samples lack; the tests
#: compare these samples' observations with sdmx1's.
COMPARED = {
    DataFormat.SDMX_ML_21_GENERIC,
    DataFormat.SDMX_ML_21_SS,
    DataFormat.SDMX_ML_30,
    DataFormat.SDMX_JSON_10,
}
_LABELS = {
    DataFormat.SDMX_ML_21_GENERIC: "SDMX-ML 2.1 generic",
    DataFormat.SDMX_ML_21_SS: "SDMX-ML 2.1 structure-specific",
    DataFormat.SDMX_ML_30: "SDMX-ML 3.0",
    DataFormat.SDMX_CSV_10: "SDMX-CSV 1.0",
    DataFormat.SDMX_CSV_20: "SDMX-CSV 2.0",
    DataFormat.SDMX_JSON_10: "SDMX-JSON 1.0",
}

# -- the reasons, by hand ------------------------------------------------------

#: Why a data sample is refused: the official samples that contradict their own
#: schema, by file name (the same sample ships in several folders).
INCONSISTENT = {
    "constructed-sample-full.json": (
        "Inconsistent sample: its 5th data set (the `detail=nodata` alternative) leaves the "
        "measure out of the observation arrays, which must start with every measure (null when "
        "there is none), so the first value is `EMBARGO_TIME`'s. The error names data set 5 of 5."
    ),
    "exr-action-delete.json": (
        "Inconsistent sample: data set 1 refers to value 1 of `OBS_STATUS`, which lists one "
        "value (index 0)."
    ),
    "generated-sample.json": (
        "Inconsistent sample: generated at random from the JSON schema; value indices point "
        "beyond the value lists (value 72 of a component with 2)."
    ),
}
WHY_METADATA = (
    "Reference metadata message, not data: the library reads data and structure messages, "
    "and says which this is."
)
WHY_JSON_STRUCTURE = (
    "SDMX-JSON structure message: structures are read from SDMX-ML 2.1 or 3.0 (sdmx1 2.28 "
    "reads no SDMX-JSON structure either)."
)
WHY_ML_STRUCTURE = "Structure message (loaded through sdmx1's model)."
WHY_NOT_COMPARED = {
    "SDMX-JSON": "sdmx1 2.28 does not read SDMX-JSON 2.x.",
    "SDMX-CSV": (
        "sdmx1 reads SDMX-CSV only with the data structure, which the specification examples lack."
    ),
}

INTRO = """\
# Conformance corpus

<!-- Written by tools/conformance_page.py from the samples; edit the script, not this page. -->

Every sample message of the shared folder (the official SDMX samples under
`sdmx-standards/` and the published specimens under `specimens/`) is read by
the test suite (`tests/mosy_sdmx/io/test_conformance_corpus.py`), and this
table is its record: the test fails if a sample is missing here, or if mosy
does not do what the row says. Where sdmx1 reads the message too
(`compared`), the test checks that both give the same observations: the same
number, the same keys (every dimension) and the same values. Structure-specific
data is read by both with its data structure; generic SDMX-ML and SDMX-JSON 1.0
without one. The page is written by `tools/conformance_page.py` from what the
library does with each sample; a test fails when it is out of date.
"""


@dataclass(frozen=True)
class Row:
    sample: str  # path under the shared folder
    kind: str  # "data, SDMX-ML 2.1 generic", "structure, SDMX-ML 3.0", "metadata, SDMX-JSON"
    outcome: str  # "read" or "refused: <error title>"
    sdmx1: str  # "compared" or "–"
    why: str

    def line(self) -> str:
        return f"| `{self.sample}` | {self.kind} | {self.outcome} | {self.sdmx1} | {self.why} |"


def samples() -> list[str]:
    """Every message file under sdmx-standards/ and specimens/ (schemas and docs aside)."""
    found = []
    for base in ("sdmx-standards", "specimens"):
        for path in (SHARED / base).rglob("*"):
            if not path.is_file() or path.suffix.lower() in _SKIPPED:
                continue
            if "schemas" in path.parts or path.name == "README.md":
                continue
            found.append(path.relative_to(SHARED).as_posix())
    return sorted(found)


def _json_kind(path: Path) -> str:
    message = json.loads(path.read_bytes())
    if "meta" not in message and "dataSets" in message:
        return "data, SDMX-JSON 1.0"
    body = message.get("data") or {}
    meta = message.get("meta") or {}
    schema = str(message.get("$schema") or meta.get("schema") or "")
    if "metadataSets" in body:
        return "metadata, SDMX-JSON"
    if "dataSets" not in body:
        return "structure, SDMX-JSON"
    version = re.search(r"/(2\.\d)(?:\.\d)?/", schema)
    return f"data, SDMX-JSON {version.group(1) if version else '2.0'}"


def message_kind(path: Path) -> str:
    """What the sample is: data, structure or metadata, and in which format."""
    head = path.read_bytes()[:8192].lstrip(b"\xef\xbb\xbf").lstrip()
    if head.startswith(b"{"):
        return _json_kind(path)
    root = _ROOT_ELEMENT.search(head) if head.startswith(b"<") else None
    if root is not None and root.group(1) == b"Structure":
        version = "3.0" if b"/v3_0/" in head else "2.1"
        return f"structure, SDMX-ML {version}"
    fmt = sniff_data_format(head, path.name)
    return f"data, {_LABELS[fmt]}"


def _outcome(path: Path, kind: str) -> tuple[str, DataFormat | None]:
    read = load_structures if kind.startswith("structure") else read_datasets
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a sample needing a tolerated deviation stops here
            read(path)
    except MosyError as exc:
        return f"refused: {exc.title}", None
    if kind.startswith("data"):
        return "read", sniff_data_format(path.read_bytes()[:8192], path.name)
    return "read", None


def _why(sample: str, kind: str, outcome: str, compared: bool) -> str:
    if kind.startswith("metadata"):
        return WHY_METADATA
    if kind == "structure, SDMX-JSON":
        return WHY_JSON_STRUCTURE
    if kind.startswith("structure"):
        return WHY_ML_STRUCTURE
    if outcome != "read":
        name = sample.rsplit("/", 1)[-1]
        if name not in INCONSISTENT:
            raise SystemExit(f"{sample} is refused ({outcome}): say why in INCONSISTENT")
        return INCONSISTENT[name]
    if compared:
        return ""
    family = kind.removeprefix("data, ").split(" ", 1)[0]
    return WHY_NOT_COMPARED[family]


def rows() -> list[Row]:
    out = []
    for sample in samples():
        path = SHARED / sample
        kind = message_kind(path)
        outcome, fmt = _outcome(path, kind)
        compared = fmt in COMPARED
        why = _why(sample, kind, outcome, compared)
        out.append(Row(sample, kind, outcome, "compared" if compared else "–", why))
    return out


def _summary(table: list[Row]) -> str:
    read = [r for r in table if r.outcome == "read"]
    data = [r for r in read if r.kind.startswith("data")]
    formats = sorted({r.kind.removeprefix("data, ") for r in data})
    compared = [r for r in table if r.sdmx1 == "compared"]
    refused = [r for r in table if r.outcome != "read"]
    inconsistent = [r for r in refused if r.kind.startswith("data")]
    metadata = [r for r in refused if r.kind.startswith("metadata")]
    json_structures = [r for r in refused if r.kind == "structure, SDMX-JSON"]
    copies = Counter(r.sample.rsplit("/", 1)[-1] for r in inconsistent)
    lines = [
        f"Summary ({len(table)} samples):",
        "",
        f"- **{len(read)} read**: {len(data)} data messages ({', '.join(formats)}) and "
        f"{len(read) - len(data)} structure messages. None needed a tolerated deviation.",
        f"- **{len(compared)} compared with sdmx1**, with the same observations, keys and "
        "values: all the SDMX-ML data (2.1 and 3.0) and SDMX-JSON 1.0 data. sdmx1 2.28 reads "
        "no SDMX-JSON 2.x, and SDMX-CSV only with a data structure the examples lack.",
        f"- **{len(refused)} refused**, each with a clear error:",
        f"  - {len(inconsistent)} inconsistent data samples ({len(copies)} samples, present in "
        f"{max(copies.values(), default=0)} copies): value indices beyond a component's values, "
        "a data set leaving its measure out of the observation arrays. The error names the "
        "data set and the component;",
        f"  - {len(metadata)} reference metadata messages (SDMX-JSON): not data; the data "
        "readers say which kind of message they were given;",
        f"  - {len(json_structures)} SDMX-JSON structure messages: structures are read from "
        "SDMX-ML.",
        "",
        "The tolerated deviations from the standard, met in other agencies' replies,",
        "are listed in [deviations.md](deviations.md).",
    ]
    return "\n".join(_wrap(line) for line in lines)


def _wrap(line: str) -> str:
    """Markdown list items wrapped at 80 columns, continuation lines under their text."""
    if not line.lstrip().startswith("- "):
        return line
    indent = " " * (len(line) - len(line.lstrip()) + 2)
    return textwrap.fill(line, 80, subsequent_indent=indent, break_on_hyphens=False)


def render(table: list[Row] | None = None) -> str:
    """The whole page for these rows (by default: the corpus read now)."""
    table = rows() if table is None else table
    header = ["| sample | message | mosy | sdmx1 | why |", "|---|---|---|---|---|"]
    body = [r.line() for r in table]
    return "\n".join([INTRO, _summary(table), "", *header, *body]) + "\n"


def main(argv: list[str]) -> int:
    page = render()
    if "--check" in argv:
        if PAGE.read_text(encoding="utf-8") != page:
            print("docs/conformance.md is out of date: run python tools/conformance_page.py")
            return 1
        return 0
    PAGE.write_text(page, encoding="utf-8")
    print(f"wrote {PAGE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
