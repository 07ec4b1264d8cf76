"""protect(): turn a submission dataset into its public, disclosure-controlled form.

Order of the §3.6 rules: submitter flags (1), small counts (2) and revisions
(6) decide the first suppressed cells; secondary suppression (3) then hides
enough further cells that none is derivable within or across additive groups;
finally values in rounding scope (4) that remain published are rounded.
Everything is columnar; the only loops are fixed-point rounds.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from mosy_sdmx.dataset import Dataset
from mosy_sdmx.disclosure.audit import AUDIT_COLUMNS, Audit, Reason
from mosy_sdmx.disclosure.cells import CellFacts, classify, match_rows
from mosy_sdmx.disclosure.groups import build_membership
from mosy_sdmx.disclosure.rounding import round_to_base
from mosy_sdmx.disclosure.rules import DisclosureRules, load_disclosure_rules
from mosy_sdmx.disclosure.suppression import secondary_suppression
from mosy_sdmx.exceptions import DatasetError, Location
from mosy_sdmx.structures.layout import ComponentLayout
from mosy_sdmx.structures.rules import groups_for


def _key_columns(
    dataset: Dataset, layout: ComponentLayout | None, rules: DisclosureRules, measure: str
) -> list[str]:
    columns = list(dataset.data.columns)
    if layout is not None:
        return [c for c in layout.key_columns() if c in columns]
    skip = set(rules.attributes) | {measure}
    return [c for c in columns if c not in skip]


def _public_urn(urn: str | None, flow_id: str | None, public_id: str | None) -> str | None:
    if not urn or not flow_id or not public_id or public_id == flow_id:
        return urn
    if urn == flow_id:
        return public_id
    return urn.replace(f":{flow_id}(", f":{public_id}(", 1)


def _with_flag(column: pd.Series | None, n: int, mask: np.ndarray, values: np.ndarray):
    out = (
        column.astype(object).to_numpy(copy=True)
        if column is not None
        else np.full(n, None, dtype=object)
    )
    out[mask] = values[mask]
    return out


def _missing(values: np.ndarray) -> np.ndarray:
    return pd.isna(pd.Series(values, dtype=object)).to_numpy()


def _reasons(facts: CellFacts, secondary: np.ndarray, rounded: np.ndarray) -> np.ndarray:
    return np.select(
        [facts.confidential, facts.primary, facts.revision, secondary, rounded],
        [
            r.value
            for r in (
                Reason.CONFIDENTIAL,
                Reason.PRIMARY,
                Reason.REVISION,
                Reason.SECONDARY,
                Reason.ROUNDING,
            )
        ],
        default="",
    )


def protect(
    dataset: Dataset,
    rules: DisclosureRules | None = None,
    *,
    layout: ComponentLayout | None = None,
    previous_public: Dataset | pd.DataFrame | None = None,
    sensitive: pd.DataFrame | None = None,
) -> tuple[Dataset, Audit]:
    """Derive the public dataset and the audit of what was hidden or rounded.

    Args:
        dataset: the submission (or consolidated) dataset, raw values.
        rules: disclosure settings with additive groups; default ``dsd/disclosure.yaml``
            and ``dsd/rules.yaml``.
        layout: the dataflow's layout (key columns, measure); without it every
            column that is not the measure or a known attribute is a key column.
        previous_public: the previous public release of the same flow; cells
            suppressed there stay suppressed while still below the threshold.
        sensitive: series the provider marked sensitive: a frame of key values
            (any subset of key columns); zeros in matching rows count as small.
    """
    rules = rules if rules is not None else load_disclosure_rules()
    data = dataset.data
    measure = layout.primary_measure if layout is not None else "OBS_VALUE"
    if measure not in data.columns:
        raise DatasetError(
            "Cannot protect the dataset",
            f"it has no {measure} column",
            location=Location(source=dataset.source, component=measure),
            code="missing-measure",
        )
    keys = _key_columns(dataset, layout, rules, measure)
    flow_id = (layout.flow_id if layout is not None else None) or dataset.structure_id
    previous = previous_public.data if isinstance(previous_public, Dataset) else previous_public
    n = len(data)

    facts = classify(
        data,
        key_columns=keys,
        measure=measure,
        rules=rules,
        flow_id=flow_id,
        sensitive=match_rows(data, sensitive),
        previous=previous,
    )
    hidden = facts.confidential | facts.primary | facts.revision
    membership = build_membership(data, keys, groups_for(keys, rules.groups), facts.valued)
    eligible = facts.valued & ~facts.as_reported
    result = secondary_suppression(membership, hidden, eligible, facts.value)
    hidden = hidden | result.secondary
    rounded = facts.rounding & facts.valued & ~hidden
    public_value = np.where(hidden, np.nan, facts.value)
    public_value[rounded] = round_to_base(facts.value[rounded], rules.rounding_base)

    conf_code = np.select(
        [facts.confidential, facts.primary | facts.revision, result.secondary],
        [rules.confidential_conf_status, rules.primary_conf_status, rules.secondary_conf_status],
        default="F",
    ).astype(object)
    out = data.copy()
    out[measure] = public_value
    obs = _with_flag(data.get("OBS_STATUS"), n, hidden, np.full(n, "Q", dtype=object))
    obs[~hidden & facts.valued & _missing(obs)] = "A"
    conf = _with_flag(data.get("CONF_STATUS"), n, hidden, conf_code)
    conf[~hidden & _missing(conf)] = "F"
    out["OBS_STATUS"] = pd.Categorical(obs)
    out["CONF_STATUS"] = pd.Categorical(conf)
    for column in rules.clear_on_suppressed:
        if column in out.columns:
            values = out[column].astype(object).to_numpy(copy=True)
            values[hidden] = None
            out[column] = (
                pd.Categorical(values)
                if isinstance(data[column].dtype, pd.CategoricalDtype)
                else values
            )

    public_id = rules.public_flow(flow_id)
    public = replace(
        dataset.with_data(out),
        structure_urn=_public_urn(dataset.structure_urn, flow_id, public_id),
    )
    changed = hidden | rounded
    reasons = _reasons(facts, result.secondary, rounded)
    cells = data.loc[changed, keys].reset_index(drop=True)
    cells[AUDIT_COLUMNS[0]] = pd.Categorical(reasons[changed], categories=[r.value for r in Reason])
    cells[AUDIT_COLUMNS[1]] = facts.value[changed]
    cells[AUDIT_COLUMNS[2]] = public_value[changed]
    cells[AUDIT_COLUMNS[3]] = obs[changed]
    cells[AUDIT_COLUMNS[4]] = conf[changed]
    residual = data.loc[np.isin(np.arange(n), result.residual), keys].reset_index(drop=True)
    audit = Audit(
        cells=cells,
        residual=residual,
        annotation=rules.annotation_text(flow_id),
        flow_id=flow_id,
        public_flow_id=public_id,
        rounds=result.rounds,
        key_columns=keys,
    )
    return public, audit
