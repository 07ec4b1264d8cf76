"""Secondary suppression: hide cells until every sensitive cell has its protection.

For each sensitive cell (primary, confidential, revision), largest first
within its component, and for each direction, a witness is looked for (see
``witness``): first among the hidden cells at no cost, then the cheapest new
one. Hiding the witness's support protects the cell by the amount asked for;
hiding more later never undoes it, since the witness stays consistent with
everything published. When no witness reaches the full protection level, the
most the table allows is taken instead ("where the table allows it"); a cell
that can move in neither direction is a residual: the published values give
it away and ``protect`` refuses to publish.

Every witness found is worth more than the cell it was found for: its
multiples and its opposite (as far as counts and relations allow) are
witnesses too, and each cell it moves is recorded as protected that far.

Methods:
    ``optimal``: a linear program per sensitive cell and direction (HiGHS) when
        no hidden hypercube, nor a chain of them, protects it already; least
        information loss.
    ``hypercube``: the cheapest hypercube; when none carries the amount, the
        cheapest chain of hypercubes; a linear program only when neither
        fits. Fast on large tables.
    ``auto``: per component, ``optimal`` while its sensitive cells × cells
        stay within ``OPTIMAL_WORK`` (small sub-tables, where a linear program
        per cell is cheap), else ``hypercube``.

Each component is protected from what it holds alone, so a sub-table comes
out the same whether it is protected by itself (as the registry does for the
sub-tables a release touched) or inside a whole table. For the same reason
components may be protected in other processes (``executor``): each task gets
its components and their rows only, and the outcome is bit for bit the
sequential one. Threads would not help: the search holds the GIL.
"""

from __future__ import annotations

import copy
import os
import threading
from collections import OrderedDict
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from mosy_sdmx.disclosure.component import Component, shape_key, split_components
from mosy_sdmx.disclosure.equations import Equations
from mosy_sdmx.disclosure.lp import ComponentLP
from mosy_sdmx.disclosure.witness import CellState, HypercubeSearch, Witness

Method = Literal["auto", "optimal", "hypercube"]
METHODS = ("auto", "optimal", "hypercube")
#: ``auto`` solves a linear program per sensitive cell in a component while its
#: sensitive cells × cells stay within this (each solve then takes well under
#: a millisecond); beyond it, ``hypercube``.
OPTIMAL_WORK = 2000
#: A chain of hypercubes that hides more new cells than this is checked against the
#: linear program's witness, and the cheaper is taken: chains are greedy, and taking
#: them whatever they hide cost 0.6 to 2 points more of the cells on the benchmark tables.
CHAIN_HIDES = 1
#: Tie-break between cells of equal cost within a component: the earlier row.
_ORDER_COST = 1e-6
#: A multiple of a witness no count or relation limits (moving only unbounded cells).
_FAR = 1e12
#: With an executor, fewer sensitive cells than this are still protected in this
#: process: at about 0.2 ms of search per sensitive cell (one_provider), that is
#: 0.4 s, and halving it saves about what sending it costs (the tasks' round trips,
#: each worker's own working out of a shape's hypercubes, 0.2 s on one_provider;
#: a pool's start-up, a second or two, on its first use).
PARALLEL_MIN_SENSITIVE = 2000
#: Tasks per worker process: several, so that components of unequal work even out
#: across processes; few, so that each task's pickling stays small beside its work.
TASKS_PER_PROCESS = 8
#: Shapes whose hypercubes a worker process keeps from task to task, least recently
#: used dropped: later tasks reuse them as the sequential loop does (a shape's take
#: 0.2 s to work out on one_provider), and a long-lived pool does not grow with
#: every table it protects.
WORKER_SHAPES = 8
#: Per worker (thread-local, should an executor run tasks on threads).
_worker = threading.local()


@dataclass(frozen=True, slots=True)
class Protection:
    """Outcome per row: what was hidden and how far each sensitive cell can move."""

    secondary: np.ndarray  # bool: hidden by this stage
    moves_up: np.ndarray  # guaranteed upward movement of each sensitive cell (0 elsewhere)
    moves_down: np.ndarray
    residual: np.ndarray  # bool: hidden cells the published values give away
    method: str


def component_method(method: Method, comp: Component, n_sensitive: int) -> str:
    """The method for one component, from that component alone.

    The registry protects the sub-tables a release touched, the benchmark a
    whole table: a component must come out the same either way, so nothing
    outside it may decide how it is protected.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    if method == "auto":
        return "optimal" if n_sensitive * comp.n_cells <= OPTIMAL_WORK else "hypercube"
    return method


class _Protector:
    """Works through one component's sensitive cells, hiding what their witnesses need."""

    def __init__(self, comp: Component, state: CellState, method: str, shared: dict) -> None:
        self.comp = comp
        self.state = state
        self.method = method
        local_value = state.value[comp.rows]
        coef_value = comp.coef * local_value[comp.cell]
        self.activity = np.bincount(comp.eq, weights=coef_value, minlength=comp.n_eq)
        self.cubes = HypercubeSearch(comp, state, self.activity, shared.setdefault("cubes", {}))
        self._lp: ComponentLP | None = None
        # The furthest each cell moves, each way, in the witnesses found so far: a
        # later cell they move far enough is protected already, whoever they were for.
        self.reach_up = np.zeros(comp.n_cells)
        self.reach_down = np.zeros(comp.n_cells)
        # The relations a witness's multiples may break (equalities hold for every multiple).
        self.inequalities = np.flatnonzero(comp.lower != comp.upper)

    @property
    def lp(self) -> ComponentLP:
        if self._lp is None:
            self._lp = ComponentLP(self.comp, self.state, self.activity)
        return self._lp

    def _known(self, cell: int, amount: float, upwards: bool) -> bool:
        return bool((self.reach_up if upwards else self.reach_down)[cell] >= amount)

    def _hide(self, witness: Witness) -> None:
        cells, delta = witness.cells, witness.delta
        rows = self.comp.rows[cells]
        state = self.state
        within = (delta >= -state.slack_down[rows]) & (delta <= state.slack_up[rows])
        state.hidden[rows[~within | state.hidden[rows]]] = True
        self._credit(witness)

    def _fresh(self, witness: Witness) -> int:
        """How many cells the witness would hide that are published now."""
        return int((~self.state.hidden[self.comp.rows[witness.cells]]).sum())

    def _credit(self, witness: Witness) -> None:
        """Record how far the witness's multiples ``k·y`` move each of its cells, both ways.

        Relations are linear: when ``y`` keeps every relation and count, so does
        ``k·y`` for every integer ``k`` up to where a count would go below zero,
        a published cell beyond its rounding, or an inequality out of bounds;
        ``-y`` likewise. One witness so protects its cells both ways, often by
        more than it was found for, and later cells need no search of their own.
        """
        comp, state = self.comp, self.state
        cells, delta = witness.cells, witness.delta
        rows = comp.rows[cells]
        hidden = state.hidden[rows]
        room_down = np.where(hidden, state.value[rows], state.slack_down[rows])
        room_up = np.where(hidden, np.inf, state.slack_up[rows])
        size = np.abs(delta)
        rising = delta > 0
        multiples = [
            (np.where(rising, room_up, room_down) / size).min(),
            (np.where(rising, room_down, room_up) / size).min(),
        ]
        if len(self.inequalities):
            eqs = self.inequalities
            change = comp.change(cells, delta)[eqs]
            moving = np.abs(change) > 1e-9
            change, step = change[moving], np.abs(change[moving])
            above = (comp.upper[eqs] - self.activity[eqs])[moving]
            below = (self.activity[eqs] - comp.lower[eqs])[moving]
            multiples[0] = min(
                multiples[0], (np.where(change > 0, above, below) / step).min(initial=np.inf)
            )
            multiples[1] = min(
                multiples[1], (np.where(change > 0, below, above) / step).min(initial=np.inf)
            )
        for multiple, sign in zip(multiples, (1.0, -1.0), strict=True):
            k = np.floor(min(multiple, _FAR) + 1e-9)
            if k >= 1:
                self.reach_up[cells] = np.maximum(self.reach_up[cells], sign * k * delta)
                self.reach_down[cells] = np.maximum(self.reach_down[cells], -sign * k * delta)

    def _direction(self, cell: int, amount: float, cube: Witness | None, upwards: bool) -> float:
        """Protect ``cell`` by ``amount`` one way; returns the movement secured."""
        if amount <= 0:
            return 0.0
        if self._known(cell, amount, upwards):
            return amount
        best = self._witness(cell, amount, cube, upwards)
        if best is not None:
            self._hide(best)
            return amount
        reach = self.lp.reach(cell, upwards)
        if reach <= 0:
            return 0.0
        found = self._lp_witness(cell, reach, upwards)
        if found is None:
            return 0.0
        self._hide(found)
        return reach

    def _witness(
        self, cell: int, amount: float, cube: Witness | None, upwards: bool
    ) -> Witness | None:
        """The witness to hide for one cell and direction (None: none moves it that far).

        A hypercube of hidden cells first, then a chain of them; beyond that the
        method decides: ``hypercube`` takes the cheapest hypercube, else the
        cheapest chain, comparing a chain that hides several new cells with the
        linear program's witness; ``optimal`` takes the linear program's
        witness unless the hypercube costs no more.
        """
        if cube is not None and cube.cost == 0:
            return cube
        if self.method == "hypercube":
            if cube is not None:
                return cube
            chain = self.cubes.combine(cell, amount, upwards, pay=True)
            if chain is not None and self._fresh(chain) <= CHAIN_HIDES:
                return chain
            found = self._lp_witness(cell, amount, upwards)
            if chain is None or (found is not None and found.cost < chain.cost):
                return found
            return chain
        chain = self.cubes.combine(cell, amount, upwards)
        if chain is not None:
            return chain
        found = self._lp_witness(cell, amount, upwards)
        if found is not None and (cube is None or found.cost <= cube.cost):
            return found
        return cube

    def _lp_witness(self, cell: int, amount: float, upwards: bool) -> Witness | None:
        return self.lp.witness(cell, *((amount, 0.0) if upwards else (0.0, amount)))

    def run(self, cells: np.ndarray, up: np.ndarray, down: np.ndarray):
        moved_up = np.zeros(len(cells))
        moved_down = np.zeros(len(cells))
        for i, cell in enumerate(cells.tolist()):
            need_up = up[i] if not self._known(cell, up[i], True) else 0.0
            need_down = down[i] if not self._known(cell, down[i], False) else 0.0
            if need_up == 0 and need_down == 0:
                moved_up[i], moved_down[i] = up[i], down[i]
                continue
            cube_up, cube_down = self.cubes.find(cell, need_up, need_down)
            moved_up[i] = self._direction(cell, up[i], cube_up, True)
            if down[i] > 0:
                if self.method == "hypercube" and cube_down is not None and cube_down.cost > 0:
                    # The upward witness may have hidden what a cheaper one needs now.
                    cube_down = self.cubes.find(cell, 0.0, down[i])[1]
                moved_down[i] = self._direction(cell, down[i], cube_down, False)
        return moved_up, moved_down


def protect_component(
    comp: Component,
    state: CellState,
    sensitive: np.ndarray,
    protect_up: np.ndarray,
    protect_down: np.ndarray,
    method: Method,
    shared: dict,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """Protect one component's sensitive cells: (their rows, moves up, moves down, method).

    A function of the component alone (its values, what is hidden in it) and of
    ``shared``, which holds only what the component's shape decides: protecting
    a sub-table alone or inside a whole table gives the same cells.
    """
    local = np.flatnonzero(sensitive[comp.rows])
    rows = comp.rows[local]
    order = np.lexsort((rows, -state.value[rows]))  # largest first, then row order
    local, rows = local[order], rows[order]
    # Fewer cells first, smaller ones among equals, then the earlier row.
    state.cost[comp.rows] += _ORDER_COST * np.arange(comp.n_cells) / comp.n_cells
    how = component_method(method, comp, len(local))
    protector = _Protector(comp, state, how, shared)
    up, down = protector.run(local, protect_up[rows], protect_down[rows])
    return rows, up, down, how


def protect_sensitive(
    equations: Equations,
    data: pd.DataFrame,
    state: CellState,
    sensitive: np.ndarray,
    protect_up: np.ndarray,
    protect_down: np.ndarray,
    method: Method = "auto",
    executor: Executor | None = None,
) -> Protection:
    """Hide cells (in ``state.hidden``) until each sensitive cell has its protection.

    Args:
        equations: the relations among the rows.
        data: the observations (for the cells' coordinates).
        state: values, hidden and hideable cells, costs; ``hidden`` is extended.
        sensitive: bool per row, cells that need protection (hidden already).
        protect_up, protect_down: per row, the movement asked for each way.
        method: see the module docstring.
        executor: where components may be protected (a process pool: threads
            gain nothing); a table below ``PARALLEL_MIN_SENSITIVE`` sensitive
            cells stays in this process. The outcome is the same either way.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    n = len(sensitive)
    before = state.hidden.copy()
    moves_up = np.zeros(n)
    moves_down = np.zeros(n)
    linked = np.zeros(n, dtype=bool)
    used = set()
    comps = split_components(equations, data, sensitive)
    if executor is not None and _worth_sending(comps, sensitive):
        outcomes = _protect_elsewhere(
            executor, comps, state, sensitive, protect_up, protect_down, method
        )
    else:
        outcomes = _protect_here(comps, state, sensitive, protect_up, protect_down, method)
    for comp, (rows, up, down, how) in zip(comps, outcomes, strict=True):
        linked[comp.rows] = True
        used.add(how)
        moves_up[rows] = up
        moves_down[rows] = down
    # A sensitive cell in no relation is unconstrained: anything from 0 upwards.
    alone = sensitive & ~linked
    moves_up[alone] = protect_up[alone]
    moves_down[alone] = protect_down[alone]
    asked = sensitive & ((protect_up > 0) | (protect_down > 0))
    residual = asked & (moves_up == 0) & (moves_down == 0)
    fallback = "hypercube" if method == "auto" else method
    return Protection(
        state.hidden & ~before, moves_up, moves_down, residual, "+".join(sorted(used)) or fallback
    )


_Outcome = tuple[np.ndarray, np.ndarray, np.ndarray, str]


def _protect_here(
    comps: list[Component],
    state: CellState,
    sensitive: np.ndarray,
    protect_up: np.ndarray,
    protect_down: np.ndarray,
    method: str,
    shapes: OrderedDict[bytes, dict] | None = None,
) -> list[_Outcome]:
    """Each component in turn, in this process (``state`` changed in place).

    ``shapes``: what components of one shape share (see witness); given, it is
    kept to ``WORKER_SHAPES`` shapes.
    """
    limit = None if shapes is None else WORKER_SHAPES
    shapes = OrderedDict() if shapes is None else shapes
    outcomes = []
    for comp in comps:
        key = shape_key(comp)
        shared = shapes.setdefault(key, {})
        shapes.move_to_end(key)
        while limit is not None and len(shapes) > limit:
            shapes.popitem(last=False)
        outcomes.append(
            protect_component(comp, state, sensitive, protect_up, protect_down, method, shared)
        )
    return outcomes


def _worth_sending(comps: list[Component], sensitive: np.ndarray) -> bool:
    return len(comps) > 1 and int(sensitive.sum()) >= PARALLEL_MIN_SENSITIVE


@dataclass(frozen=True, slots=True)
class _Task:
    """Some components with only their own rows: what one worker process is sent."""

    comps: list[Component]  # ``rows`` renumbered into the arrays below
    state: CellState
    sensitive: np.ndarray
    protect_up: np.ndarray
    protect_down: np.ndarray
    method: str


def _run_task(task: _Task) -> tuple[list[_Outcome], np.ndarray, np.ndarray]:
    """A task's components protected in turn: their outcomes, then hidden and cost."""
    state = task.state
    if not hasattr(_worker, "shapes"):
        _worker.shapes = OrderedDict()
    outcomes = _protect_here(
        task.comps,
        state,
        task.sensitive,
        task.protect_up,
        task.protect_down,
        task.method,
        _worker.shapes,
    )
    return outcomes, state.hidden, state.cost


def _tasks(executor: Executor, comps: list[Component], sensitive: np.ndarray) -> list[list[int]]:
    """Components (indexes) per task: of equal work roughly, those of one shape together.

    Work is taken as the sensitive cells a component holds; components of one
    shape stay in one task as far as the split allows, so that the hypercubes of
    their shape are worked out once per task.
    """
    # A ProcessPoolExecutor's size (no public attribute); else the machine's.
    workers = getattr(executor, "_max_workers", None) or os.cpu_count() or 1
    first: dict[bytes, int] = {}
    group = [first.setdefault(shape_key(comp), len(first)) for comp in comps]
    order = sorted(range(len(comps)), key=lambda i: (group[i], i))
    work = np.array([int(sensitive[comp.rows].sum()) + 1 for comp in comps], dtype=float)
    target = work.sum() / (workers * TASKS_PER_PROCESS)
    tasks, current, load = [], [], 0.0
    for i in order:
        current.append(i)
        load += work[i]
        if load >= target:
            tasks.append(current)
            current, load = [], 0.0
    if current:
        tasks.append(current)
    return tasks


def _task(
    members: list[int],
    comps: list[Component],
    rows: np.ndarray,
    state: CellState,
    sensitive: np.ndarray,
    protect_up: np.ndarray,
    protect_down: np.ndarray,
    method: str,
) -> _Task:
    """The task of ``members``, whose rows, in order, are ``rows``."""
    local = []
    offset = 0
    for i in members:
        comp = copy.copy(comps[i])
        # Rows stay in the same order (a component's rows ascend), so ties break alike.
        comp.rows = np.arange(offset, offset + comp.n_cells)
        offset += comp.n_cells
        local.append(comp)
    part = CellState(
        state.value[rows],
        state.hidden[rows],
        state.hideable[rows],
        state.slack_down[rows],
        state.slack_up[rows],
        state.cost[rows],
    )
    return _Task(local, part, sensitive[rows], protect_up[rows], protect_down[rows], method)


def _protect_elsewhere(
    executor: Executor,
    comps: list[Component],
    state: CellState,
    sensitive: np.ndarray,
    protect_up: np.ndarray,
    protect_down: np.ndarray,
    method: str,
) -> list[_Outcome]:
    """``_protect_here``'s outcomes, the components protected by ``executor``'s workers.

    ``state`` is changed only once every task is back: a failed task (a worker
    process that died) leaves it as it was, and the error is raised.
    """
    tasks = _tasks(executor, comps, sensitive)
    rows = [np.concatenate([comps[i].rows for i in members]) for members in tasks]
    futures = [
        executor.submit(
            _run_task,
            _task(members, comps, task_rows, state, sensitive, protect_up, protect_down, method),
        )
        for members, task_rows in zip(tasks, rows, strict=True)
    ]
    try:
        results = [future.result() for future in futures]
    except BaseException:
        for future in futures:
            future.cancel()
        raise
    outcomes: list[_Outcome | None] = [None] * len(comps)
    for members, task_rows, (done, hidden, cost) in zip(tasks, rows, results, strict=True):
        state.hidden[task_rows] = hidden
        state.cost[task_rows] = cost
        for i, (local, up, down, how) in zip(members, done, strict=True):
            outcomes[i] = (task_rows[local], up, down, how)
    return [outcome for outcome in outcomes if outcome is not None]
