"""A worker process: reads cases from stdin, answers with the violations found.

Frames are a 4-byte big-endian length and a pickle; the worker first answers
``"ready"`` once the library is imported. The parent caps this process's
memory and time: an abort or a hang kills only the worker.
"""

from __future__ import annotations

import os
import pickle
import struct
import sys


def _read_frame(stream) -> object | None:
    head = stream.read(4)
    if len(head) < 4:
        return None
    (size,) = struct.unpack(">I", head)
    return pickle.loads(stream.read(size))


def _write_frame(stream, payload: object) -> None:
    data = pickle.dumps(payload)
    stream.write(struct.pack(">I", len(data)) + data)
    stream.flush()


def serve(handle) -> None:
    """Answer cases with ``handle(case, thorough=...)`` until stdin closes."""
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    # Whatever the libraries print goes to stderr, never into the protocol.
    sys.stdout = sys.stderr
    _write_frame(out, "ready")
    while (message := _read_frame(inp)) is not None:
        case, thorough = message  # type: ignore[misc]
        _write_frame(out, handle(case, thorough=thorough))
    os._exit(0)  # skip interpreter teardown: Arrow's pools can be slow to release


def main() -> None:
    import mosy_sdmx.cli  # noqa: F401  (imported before the first input is timed)
    from fuzz.target import exercise, quiet

    quiet()
    serve(exercise)


if __name__ == "__main__":
    main()
