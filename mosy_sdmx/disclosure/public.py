"""The public frame: values removed or rounded, one flag on every hidden cell.

Every hidden cell gets the same OBS_STATUS and CONF_STATUS (``flag`` in
``disclosure.yaml``), whatever the reason, so that the flags tell an attacker
nothing the missing value does not; the reason stays in the audit. Published
cells keep their flags (A and F where none were given); free-text attributes
that might repeat a hidden value are emptied.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mosy_sdmx.disclosure.rules import DisclosureRules


def _missing(values: np.ndarray) -> np.ndarray:
    return pd.isna(pd.Series(values, dtype=object)).to_numpy()


def _flagged(column: pd.Series | None, n: int, mask: np.ndarray, code: str) -> np.ndarray:
    out = (
        column.astype(object).to_numpy(copy=True)
        if column is not None
        else np.full(n, None, dtype=object)
    )
    out[mask] = code
    return out


def public_frame(
    data: pd.DataFrame,
    *,
    measure: str,
    public_value: np.ndarray,
    hidden: np.ndarray,
    valued: np.ndarray,
    rules: DisclosureRules,
) -> pd.DataFrame:
    """``data`` with the public values and flags (a copy)."""
    n = len(data)
    out = data.copy()
    out[measure] = public_value
    obs = _flagged(data.get("OBS_STATUS"), n, hidden, rules.flag_obs_status)
    obs[~hidden & valued & _missing(obs)] = "A"
    conf = _flagged(data.get("CONF_STATUS"), n, hidden, rules.flag_conf_status)
    conf[~hidden & _missing(conf)] = "F"
    out["OBS_STATUS"] = pd.Categorical(obs)
    out["CONF_STATUS"] = pd.Categorical(conf)
    for column in rules.clear_on_suppressed:
        if column in out.columns:
            values = out[column].astype(object).to_numpy(copy=True)
            values[hidden] = None
            categorical = isinstance(data[column].dtype, pd.CategoricalDtype)
            out[column] = pd.Categorical(values) if categorical else values
    return out
