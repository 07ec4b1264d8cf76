"""One input through every entry point that reads input, and the contract checked.

The contract (issue 10): any input gives a result or a ``MosyError``; nothing
else escapes, and ``validate_file`` never falls back on its last-resort
catch-all. Runs inside a worker process (``fuzz.child``): an abort or a hang
there is the parent's to record.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import tempfile
import traceback
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("MOSY_SHARED", ROOT.parent / "shared")).resolve()
THB_FLOW = "DF_THB_VICTIMS"
#: Structure files that the ECB specimens read with (hint -> file under shared/specimens).
ECB_STRUCTURES = {
    "ecb1": "ECB_EXR/1/structure-full.xml",
    "ng": "ECB_EXR/ng-structure-full.xml",
    "rg": "ECB_EXR/rg-structure-full.xml",
    "sg": "ECB_EXR/sg-structure-full.xml",
}
#: Hint of the agencies' forms built by ``tests/real_messages.py``, read with its
#: demography structure (``fuzz.seeds.agency_seeds``).
DEMO = "demo"
#: Kinds of input: a data message, or a structure message for ``load_structures``.
KINDS = ("data", "structure")


@dataclass(frozen=True)
class Case:
    """A fuzz input: its bytes, what it is, and the structure its seed reads with."""

    data: bytes
    kind: str = "data"
    hint: str = ""
    suffix: str = ".bin"


class _CatchAllSpy(logging.Handler):
    """Records what ``validate_file``'s last-resort catch-all logs."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


_SPY = _CatchAllSpy()
#: ``validate_file``'s catch-all and a check that crashed log here (and nothing else does).
CATCH_ALL_LOGGER = "mosy_sdmx.validation"
logging.getLogger(CATCH_ALL_LOGGER).addHandler(_SPY)


def signature(exc: BaseException) -> str:
    """``TypeError at mosy_sdmx/io/sdmx_json/reader.py:_column``: the exception's
    class and the innermost frame of the library that it passed through."""
    where = "?"
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        path = frame.filename.replace(os.sep, "/")
        if "/mosy_sdmx/" in path:
            where = "mosy_sdmx/" + path.rsplit("/mosy_sdmx/", 1)[1] + ":" + frame.name
            break
    return f"{type(exc).__name__} at {where}"


@cache
def _structures(hint: str):
    from mosy_sdmx.structures import builtin_structures, load_structures

    if hint == "thb":
        return builtin_structures()
    if hint == DEMO:
        from fuzz.seeds import real_messages
        from mosy_sdmx.structures.structure_set import read_structure_bytes

        return read_structure_bytes(real_messages().demography_structure(), "demography")
    return load_structures(SHARED / "specimens" / ECB_STRUCTURES[hint])


def _structure_args(hint: str) -> dict:
    if hint == "thb":
        return {"flow": THB_FLOW}
    if hint in ECB_STRUCTURES or hint == DEMO:
        structures = _structures(hint)
        return {"structure": structures, "flow": next(iter(structures.data_structures))}
    return {}


class _OneWay(io.RawIOBase):
    """A forward-only stream (a socket, a pipe)."""

    def __init__(self, data: bytes) -> None:
        self._inner = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        chunk = self._inner.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def exercise(case: Case, *, thorough: bool = True) -> list[str]:
    """Run ``case`` through the entry points; return the contract violations found.

    ``thorough`` runs every source form and, for an input that reads, the CLI
    (on one that does not, the CLI only prints the MosyError); otherwise one
    form is chosen from the input's hash, which is what a long run wants.
    """
    from mosy_sdmx.exceptions import MosyError

    violations: list[str] = []
    read: list[str] = []
    with tempfile.TemporaryDirectory(prefix="mosy-fuzz-") as tmp:
        path = Path(tmp) / f"input{case.suffix}"
        path.write_bytes(case.data)
        for label, call in _calls(case, path, Path(tmp), thorough, read):
            try:
                call()
                read.append(label)
            except MosyError:
                pass
            except RecursionError:
                violations.append(f"RecursionError in {label}")
            except Exception as exc:  # the contract: nothing but MosyError
                violations.append(f"{signature(exc)} ({label}: {_message(exc)})")
            if _SPY.records:
                record = _SPY.records[0]
                violations.append(f"catch-all reached in {label}: {record.getMessage()[:160]}")
                _SPY.records.clear()
    return violations


def _message(exc: BaseException) -> str:
    return (str(exc).splitlines() or [""])[0][:120]


def _calls(case: Case, path: Path, tmp: Path, thorough: bool, read: list[str]):
    from mosy_sdmx import read_data, validate_file
    from mosy_sdmx.structures import load_structures

    if case.kind == "structure":
        yield "load_structures", lambda: _use_structures(load_structures(path))
        return
    given = _structure_args(case.hint)
    forms = {
        "bytes": lambda: case.data,
        "path": lambda: path,
        "stream": lambda: io.BytesIO(case.data),
        "one-way stream": lambda: io.BufferedReader(_OneWay(case.data)),
    }
    chosen = list(forms) if thorough else [list(forms)[hash(case.data) % len(forms)]]
    for form in chosen:
        yield f"read_data({form})", lambda f=form: read_data(forms[f]())
        if given:
            yield (
                f"read_data({form}, structure)",
                lambda f=form: read_data(forms[f](), given.get("structure"), flow=given["flow"]),
            )
    yield (
        "validate_file",
        lambda: validate_file(path, given.get("structure"), flow=given.get("flow")),
    )
    if thorough and any(label.startswith("read_data") for label in read):
        yield "mosy validate", lambda: _cli(["validate", str(path)])
        yield "mosy convert", lambda: _cli(["convert", str(path), str(tmp / "out.csv")])
        yield (
            "mosy convert --drop-unknown",
            lambda: _cli(["convert", str(path), str(tmp / "out.json"), "--drop-unknown"]),
        )


def _use_structures(structures) -> None:
    """A structure set that loaded must be usable: every dataflow's layout, an empty read."""
    from mosy_sdmx import read_data

    flows = list(structures.dataflows) or list(structures.data_structures)
    for flow in flows:
        layout = structures.layout(flow)
        header = ",".join(["STRUCTURE", "STRUCTURE_ID", "ACTION", *layout.key_columns()])
        read_data(header.encode() + b"\n", layout, format="sdmx-csv-2.0")


def _cli(args: list[str]) -> None:
    """Run a ``mosy`` command; any exit code is fine, a traceback is not."""
    from typer.testing import CliRunner

    from mosy_sdmx.cli import _register, app

    _register()
    result = CliRunner().invoke(app, args, catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception


def quiet() -> None:
    """Silence what the libraries print, so a worker's output stays the protocol's.

    The catch-all's logger keeps its errors: the root's level would otherwise
    hide them from the spy, and a reader bug from the contract.
    """
    with contextlib.suppress(Exception):
        logging.getLogger().setLevel(logging.CRITICAL)
    logging.getLogger(CATCH_ALL_LOGGER).setLevel(logging.ERROR)
