"""SDMX REST data maintenance: what ``DELETE /data/...`` asks for, as a Delete data set.

A DELETE names data by a key (``*`` or an empty position: any code, ``+``
several, ``,`` several keys) and optionally a period range; SDMX has no
message for it, but its ``Delete`` data set says the same: a row per key
combination, with the positions left open empty (an empty cell deletes
whatever matches the rest). The registry then stores it by its one
submission path, as if the provider had sent that data set.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from mosy_sdmx.dataset import Action, Dataset
from mosy_sdmx.exceptions import InvalidQueryError
from mosy_sdmx.rest.data import Key
from mosy_sdmx.structures.layout import ComponentLayout

#: Most rows a DELETE key may expand to (codes multiplied across positions).
MAX_DELETE_ROWS = 10_000


def deletion_dataset(
    layout: ComponentLayout, keys: tuple[Key, ...], *, provider: str | None = None
) -> Dataset:
    """The Delete data set of ``keys`` (``()``: all data) for ``layout``'s dataflow.

    Raises InvalidQueryError for a key of the wrong length or one that
    expands to more than ``MAX_DELETE_ROWS`` rows.
    """
    dims = list(layout.dimensions)
    rows: list[dict[str, object]] = []
    for key in keys or (tuple(None for _ in dims),):
        if len(key) != len(dims):
            raise InvalidQueryError(
                "Wrong number of key positions",
                f"the key has {len(key)} positions; {layout.flow_id or layout.dsd_id} has "
                f"{len(dims)} dimensions: {'.'.join(dims)}",
            )
        choices = [sorted(codes) if codes else [np.nan] for codes in key]
        size = int(np.prod([len(c) for c in choices]))
        if len(rows) + size > MAX_DELETE_ROWS:
            raise InvalidQueryError(
                "Key too broad",
                f"the key names more than {MAX_DELETE_ROWS} series; leave positions open "
                "(*) instead of listing codes",
            )
        for combination in itertools.product(*choices):
            rows.append(dict(zip(dims, combination, strict=True)))
    columns = [*dims, layout.time_dimension] if layout.time_dimension else dims
    frame = pd.DataFrame(rows, columns=columns).astype(object)
    frame = frame.where(frame.notna(), None)
    return Dataset(
        data=frame,
        structure_urn=layout.structure_urn,
        action=Action.DELETE,
        provider=provider,
        layout=layout,
    )
