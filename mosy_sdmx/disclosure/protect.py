"""protect(): turn a submission dataset into its public, disclosure-controlled form.

The steps, one function each, in the order ``protect`` runs them:

1. ``_plan``: rules, method, structures, key columns, the public flow;
2. ``_restrict``: fit the data to the public dataflow's codes (``restrict``);
3. ``_classify``: the per-cell facts: submitter flags (§3.6 rule 1), small
   counts (2), revisions (6), rounding scope (4), what the previous release
   published;
4. ``_relations``: the attacker's relations, refusing a table whose totals do
   not add up (the protection model would be wrong about what the public can
   derive);
5. ``_suppress``: secondary suppression until every sensitive cell has its
   protection interval against the attacker of docs/disclosure.md
   (``secondary``);
6. ``_public_frame``: round what remains published in rounding scope, set the
   one public flag;
7. ``_audit``, and ``_refuse_incomplete``: a ``ProtectionError`` instead of a
   public dataset when a hidden cell stays derivable.

Everything is columnar except the per-sensitive-cell witness search.
"""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from sdmx.urn import URN

from mosy_sdmx.dataset import Dataset
from mosy_sdmx.disclosure.audit import (
    AUDIT_COLUMNS,
    RISK_DERIVABLE,
    RISK_PUBLISHED,
    Audit,
    Reason,
)
from mosy_sdmx.disclosure.cells import CellFacts, classify, match_rows
from mosy_sdmx.disclosure.equations import Equations, build_equations
from mosy_sdmx.disclosure.public import public_frame
from mosy_sdmx.disclosure.restrict import Restricted, restrict_to_public
from mosy_sdmx.disclosure.rounding import round_to_base, rounding_interval
from mosy_sdmx.disclosure.rules import DisclosureRules, load_disclosure_rules
from mosy_sdmx.disclosure.secondary import METHODS, Method, Protection, protect_sensitive
from mosy_sdmx.disclosure.witness import CellState
from mosy_sdmx.exceptions import (
    DatasetError,
    Location,
    ProtectionError,
    StructureNotFoundError,
)
from mosy_sdmx.structures.layout import ComponentLayout
from mosy_sdmx.structures.resolver import StructureArg, resolve
from mosy_sdmx.structures.rules import groups_for
from mosy_sdmx.structures.structure_set import StructureSet

_SHOWN_ERRORS = 5


@dataclass(frozen=True, slots=True)
class _Plan:
    """What a protection run works with, settled before any cell is looked at."""

    rules: DisclosureRules
    method: str
    structures: StructureSet | None
    layout: ComponentLayout | None
    measure: str
    keys: list[str]
    flow_id: str | None
    public_id: str | None


def _resolve(
    structure: StructureArg, flow: str | None, dataset: Dataset
) -> tuple[StructureSet | None, ComponentLayout | None]:
    """(StructureSet, layout of the submission flow) by the library's one rule.

    A bare frame (no structure given, none named by the dataset) is protected
    without structures: key columns are the non-attribute columns and nothing
    is fitted to a public flow.
    """
    if structure is None and flow is None and dataset.structure_id is None:
        return None, None
    try:
        return resolve(structure, flow, data_flow=dataset.structure_id)
    except StructureNotFoundError:
        if structure is not None or flow is not None:
            raise
        return None, None  # a dataflow the built-in structures do not know


def _key_columns(
    data: pd.DataFrame, layout: ComponentLayout | None, rules: DisclosureRules, measure: str
) -> list[str]:
    if layout is not None:
        return [c for c in layout.key_columns() if c in data.columns]
    skip = set(rules.attributes) | {measure}
    return [c for c in data.columns if c not in skip]


def public_urn(urn: str | None, flow_id: str | None, public_id: str | None) -> str | None:
    """The submission flow's reference, pointed at its public flow."""
    if not urn or not flow_id or not public_id or public_id == flow_id:
        return urn
    try:
        parsed = URN(urn)
    except ValueError:
        return public_id if urn == flow_id else urn
    if parsed.id == flow_id:
        parsed.id = public_id
    return str(parsed)


def _restrict(data: pd.DataFrame, plan: _Plan) -> Restricted:
    """The data fitted to the public dataflow's codes (``restrict``)."""
    allowed: dict[str, frozenset[str]] = {}
    if plan.structures is not None and plan.public_id is not None:
        try:
            allowed = plan.structures.allowed_codes(plan.public_id)
        except StructureNotFoundError:
            allowed = {}
    rules = plan.rules
    groups = tuple(groups_for(plan.keys, rules.groups))
    return restrict_to_public(data, allowed, plan.keys, plan.measure, groups, rules.never_publish)


def _check_additive(equations: Equations, value: np.ndarray, data: pd.DataFrame, keys) -> None:
    """Refuse totals that do not add up: the public could not trust the protection."""
    broken = equations.violated(value)
    if len(broken) == 0:
        return
    examples = []
    for e in broken[:_SHOWN_ERRORS]:
        total = equations.row[(equations.eq == e) & equations.is_total][0]
        key = ".".join(str(data[c].iloc[total]) for c in keys)
        examples.append(f"{key} along {equations.dimension[e]}")
    raise DatasetError(
        "Totals do not add up",
        f"{len(broken)} relation(s) of rules.yaml fail, e.g. at {'; '.join(examples)}; "
        "validate the data and correct it before protecting it",
        context={"relations": len(broken), "examples": examples},
        code="total-not-sum-of-parts",
    )


def _cell_state(facts: CellFacts, rules: DisclosureRules) -> CellState:
    """What the witness search may move: hidden cells freely, rounded ones within rounding."""
    value = np.nan_to_num(facts.value, nan=0.0)
    hidden = facts.sensitive & facts.valued & ~facts.known
    hideable = facts.valued & ~facts.as_reported & ~facts.known & ~hidden
    slack_down = np.zeros(len(value))
    slack_up = np.zeros(len(value))
    rounded = facts.rounding & facts.valued & ~hidden
    if rounded.any():
        lower, upper = rounding_interval(
            round_to_base(value[rounded], rules.rounding_base),
            rules.rounding_base,
            rules.rounding_threshold,
        )
        slack_down[rounded] = np.maximum(value[rounded] - lower, 0)
        slack_up[rounded] = np.maximum(upper - value[rounded], 0)
    # Fewer cells first, smaller ones among equals (``secondary`` breaks ties by row).
    cost = 1.0 + 0.1 * np.log1p(value)
    return CellState(value, hidden, hideable, slack_down, slack_up, cost)


def _protection_levels(facts: CellFacts, rules: DisclosureRules) -> tuple[np.ndarray, np.ndarray]:
    """Movement asked for each sensitive cell: up by the level, down to 0 at most."""
    value = np.nan_to_num(facts.value, nan=0.0)
    up = facts.threshold.astype(float) if rules.protection_upper is None else None
    down = facts.threshold.astype(float) if rules.protection_lower is None else None
    up = np.full(len(value), float(rules.protection_upper)) if up is None else up
    down = np.full(len(value), float(rules.protection_lower)) if down is None else down
    sensitive = facts.sensitive & facts.valued & ~facts.known
    return np.where(sensitive, up, 0.0), np.where(sensitive, np.minimum(down, value), 0.0)


def _suppress(
    facts: CellFacts,
    equations: Equations,
    data: pd.DataFrame,
    rules,
    method,
    executor: Executor | None = None,
) -> tuple[np.ndarray, Protection]:
    state = _cell_state(facts, rules)
    up, down = _protection_levels(facts, rules)
    sensitive = facts.sensitive & facts.valued & ~facts.known
    result = protect_sensitive(equations, data, state, sensitive, up, down, method, executor)
    hidden = state.hidden | facts.sensitive
    return hidden, result


def _method(method: str | None, rules: DisclosureRules) -> str:
    method = method or rules.method
    if method not in METHODS:
        raise ValueError(f"unknown protection method {method!r}; use one of {', '.join(METHODS)}")
    return method


def _measure(dataset: Dataset, layout: ComponentLayout | None) -> str:
    measure = layout.primary_measure if layout is not None else "OBS_VALUE"
    if measure not in dataset.data.columns:
        raise DatasetError(
            "Cannot protect the dataset",
            f"it has no {measure} column",
            location=Location(source=dataset.source, component=measure),
            code="missing-measure",
        )
    return measure


def _public_frame(
    data: pd.DataFrame,
    facts: CellFacts,
    hidden: np.ndarray,
    rounded: np.ndarray,
    measure: str,
    rules: DisclosureRules,
) -> pd.DataFrame:
    public_value = np.where(hidden, np.nan, facts.value)
    public_value[rounded] = round_to_base(facts.value[rounded], rules.rounding_base)
    return public_frame(
        data,
        measure=measure,
        public_value=public_value,
        hidden=hidden,
        valued=facts.valued,
        rules=rules,
    )


def _audit_cells(
    data: pd.DataFrame,
    keys: list[str],
    facts: CellFacts,
    public: pd.DataFrame,
    measure: str,
    hidden: np.ndarray,
    rounded: np.ndarray,
    restricted: Restricted,
    result: Protection,
) -> pd.DataFrame:
    aggregated = restricted.aggregated & ~hidden
    dropped = restricted.dropped
    secondary = result.secondary & ~facts.sensitive
    reasons = np.select(
        [facts.confidential, facts.primary, facts.revision, secondary, rounded, aggregated],
        [
            Reason.CONFIDENTIAL,
            Reason.PRIMARY,
            Reason.REVISION,
            Reason.SECONDARY,
            Reason.ROUNDING,
            Reason.AGGREGATED,
        ],
        default="",
    )
    changed = hidden | rounded | aggregated
    value = facts.value
    sensitive = facts.sensitive & facts.valued
    low = np.where(sensitive, value - result.moves_down, np.nan)
    high = np.where(sensitive, value + result.moves_up, np.nan)
    cells = data.loc[changed, keys].reset_index(drop=True)
    columns = (
        reasons[changed],
        value[changed],
        public[measure].to_numpy()[changed],
        public["OBS_STATUS"].astype(object).to_numpy()[changed],
        public["CONF_STATUS"].astype(object).to_numpy()[changed],
        low[changed],
        high[changed],
    )
    for name, column in zip(AUDIT_COLUMNS, columns, strict=True):
        cells[name] = column
    if not dropped.empty:
        gone = dropped[keys].reset_index(drop=True)
        gone["REASON"] = Reason.DROPPED.value
        gone["RAW_VALUE"] = pd.to_numeric(dropped[measure], errors="coerce").to_numpy()
        cells = pd.concat([cells, gone], ignore_index=True)
    cells["REASON"] = pd.Categorical(cells["REASON"], categories=[r.value for r in Reason])
    return cells


def _residual(
    data: pd.DataFrame, keys: list[str], facts: CellFacts, result: Protection
) -> pd.DataFrame:
    published_before = facts.known & facts.sensitive
    at_risk = result.residual | published_before
    out = data.loc[at_risk, keys].reset_index(drop=True)
    out["RAW_VALUE"] = facts.value[at_risk]
    out["RISK"] = np.where(published_before[at_risk], RISK_PUBLISHED, RISK_DERIVABLE)
    return out


def _plan(
    dataset: Dataset,
    structure: StructureArg,
    flow: str | None,
    rules: DisclosureRules | None,
    method: str | None,
) -> _Plan:
    rules = rules if rules is not None else load_disclosure_rules()
    method = _method(method, rules)
    structures, layout = _resolve(structure, flow, dataset)
    measure = _measure(dataset, layout)
    keys = _key_columns(dataset.data, layout, rules, measure)
    flow_id = (layout.flow_id if layout is not None else None) or flow or dataset.structure_id
    return _Plan(
        rules, method, structures, layout, measure, keys, flow_id, rules.public_flow(flow_id)
    )


def _classify(
    data: pd.DataFrame,
    plan: _Plan,
    sensitive: pd.DataFrame | None,
    previous_public: Dataset | pd.DataFrame | None,
) -> CellFacts:
    return classify(
        data,
        key_columns=plan.keys,
        measure=plan.measure,
        rules=plan.rules,
        flow_id=plan.flow_id,
        sensitive=match_rows(data, sensitive),
        previous=previous_public.data if isinstance(previous_public, Dataset) else previous_public,
    )


def _relations(data: pd.DataFrame, facts: CellFacts, plan: _Plan) -> Equations:
    """The attacker's system of relations; refused when the totals do not add up."""
    rules = plan.rules
    equations = build_equations(
        data, plan.keys, groups_for(plan.keys, rules.groups), facts.valued, rules.same_attributes
    )
    _check_additive(equations, facts.value, data, plan.keys)
    return equations


def _public_dataset(dataset: Dataset, out: pd.DataFrame, plan: _Plan) -> Dataset:
    # The public flow has no data providers (no provision agreements): the
    # registry publishes it; the submitting provider stays in the audit's source.
    return replace(
        dataset.with_data(out),
        structure_urn=public_urn(dataset.structure_urn, plan.flow_id, plan.public_id),
        provider=None if plan.public_id != plan.flow_id else dataset.provider,
    )


def _audit(
    data: pd.DataFrame,
    facts: CellFacts,
    out: pd.DataFrame,
    hidden: np.ndarray,
    rounded: np.ndarray,
    restricted: Restricted,
    result: Protection,
    plan: _Plan,
) -> Audit:
    keys = plan.keys
    return Audit(
        cells=_audit_cells(
            data, keys, facts, out, plan.measure, hidden, rounded, restricted, result
        ),
        residual=_residual(data, keys, facts, result),
        annotation=plan.rules.annotation_text(plan.flow_id),
        flow_id=plan.flow_id,
        public_flow_id=plan.public_id,
        method=result.method,
        key_columns=keys,
    )


def _refuse_incomplete(audit: Audit) -> None:
    if not audit.complete:
        raise ProtectionError(
            "Disclosure control incomplete",
            f"{len(audit.residual)} hidden cell(s) could still be derived from what would be "
            "published; nothing was published (see the audit's residual cells)",
            audit=audit,
            context={"residual": len(audit.residual)},
        )


def protect(
    dataset: Dataset,
    structure: StructureArg = None,
    *,
    flow: str | None = None,
    rules: DisclosureRules | None = None,
    previous_public: Dataset | pd.DataFrame | None = None,
    sensitive: pd.DataFrame | None = None,
    method: Method | None = None,
    strict: bool = True,
    executor: Executor | None = None,
) -> tuple[Dataset, Audit]:
    """Derive the public dataset and the audit of what was hidden, rounded or reshaped.

    A pure function of its arguments: the same input gives the same output.

    Args:
        dataset: the submission (or consolidated) dataset, raw values.
        structure: a StructureSet, a ComponentLayout, a structure file or a
            dataflow id; None uses the built-in THB structures and the
            dataset's own dataflow. With a StructureSet the output is fitted to
            the public dataflow's codes.
        flow: the submission dataflow's id, when not the dataset's own.
        rules: disclosure settings with additive groups; default ``dsd/disclosure.yaml``
            and ``dsd/rules.yaml``.
        previous_public: the previous public release of the same flow; its
            hidden cells stay hidden while still small, and the values it
            published count as known to the attacker.
        sensitive: series the provider marked sensitive: a frame of key values
            (any subset of key columns); zeros in matching rows count as small.
        method: ``auto`` (default from the rules), ``optimal`` or ``hypercube``.
        strict: raise ``ProtectionError`` (with the audit) instead of returning
            when a hidden cell stays derivable.
        executor: a process pool (``spawn`` or ``forkserver``) to protect
            independent sub-tables in parallel; the output does not change.
            Small tables stay in this process (``secondary.PARALLEL_MIN_SENSITIVE``).
            A worker that dies raises ``BrokenProcessPool``.

    Raises:
        DatasetError: no measure column (missing-measure), or totals that do not add
            up (total-not-sum-of-parts).
        ProtectionError: with ``strict``, a hidden cell would stay derivable.
    """
    plan = _plan(dataset, structure, flow, rules, method)
    restricted = _restrict(dataset.data, plan)
    data = restricted.data
    facts = _classify(data, plan, sensitive, previous_public)
    equations = _relations(data, facts, plan)
    hidden, result = _suppress(facts, equations, data, plan.rules, plan.method, executor)
    rounded = facts.rounding & facts.valued & ~hidden
    out = _public_frame(data, facts, hidden, rounded, plan.measure, plan.rules)
    audit = _audit(data, facts, out, hidden, rounded, restricted, result, plan)
    if strict:
        _refuse_incomplete(audit)
    return _public_dataset(dataset, out, plan), audit
