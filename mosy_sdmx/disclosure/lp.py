"""The cheapest witness of any shape, by linear programming on one component (HiGHS).

Variables are the change of each cell, split as ``y⁺ - y⁻`` so that the cost
``Σ cost · (y⁺ + y⁻)`` counts movement; rows keep every relation of the
component within its bounds; column bounds say who may move (hidden or
hideable cells down to zero, published cells within their rounding interval
only). The target cell's column is fixed to the protection level asked for.
Cells hidden already cost almost nothing, so a witness among them is found
first and nothing new is hidden. This is the per-cell subproblem of the
classic cell suppression model (Fischetti and Salazar-González), solved one
sensitive cell at a time as τ-ARGUS's and sdcTable's heuristics do.

One HiGHS model per component is built once and solved again with new
bounds and costs, from scratch each time (see ``_solve``); the library's own
``_Highs`` core is used because the ``Highs`` wrapper prints a banner to
standard output.
"""

from __future__ import annotations

import numpy as np

from mosy_sdmx.disclosure.component import Component
from mosy_sdmx.disclosure.witness import HIDDEN_COST, CellState, Witness

try:  # the bare core: no banner on standard output, no callback threads
    from highspy._core import HighsLp, HighsModelStatus, HighsVarType, MatrixFormat
    from highspy._core import _Highs as _HighsCore
except ImportError:  # pragma: no cover - older highspy layouts
    from highspy import Highs as _HighsCore
    from highspy import HighsLp, HighsModelStatus, HighsVarType, MatrixFormat

INF = float("inf")
_TOL = 1e-6
#: Integer re-solves (rare: a fractional LP witness) stop at the first good
#: enough integer table, after a bounded number of branch-and-bound nodes (a
#: count, not a time: the same input gives the same output on a busy machine).
MIP_GAP = 0.5
MIP_NODES = 200
#: Safety nets only.
MIP_SECONDS = 60.0
LP_SECONDS = 60.0
_FEASIBLE = 2  # HiGHS kSolutionStatusFeasible


class ComponentLP:
    """A persistent HiGHS model of one component's witness problem."""

    def __init__(self, comp: Component, state: CellState, activity: np.ndarray) -> None:
        self.comp = comp
        self.state = state
        self.activity = activity
        n = comp.n_cells
        self.n = n
        value = state.value[comp.rows]
        self.value = value
        h = _HighsCore()
        for option, setting in (
            ("output_flag", False),
            ("threads", 1),
            ("presolve", "off"),
            ("time_limit", LP_SECONDS),
        ):
            h.setOptionValue(option, setting)
        lp = HighsLp()
        lp.num_col_ = 2 * n
        lp.num_row_ = comp.n_eq
        order = comp.by_cell
        starts = comp.col_start
        index = comp.eq[order].astype(np.int32)
        coef = comp.coef[order]
        lp.a_matrix_.format_ = MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.concatenate([starts, starts[1:] + starts[-1]]).astype(np.int32)
        lp.a_matrix_.index_ = np.concatenate([index, index])
        lp.a_matrix_.value_ = np.concatenate([coef, -coef])
        lp.row_lower_ = comp.lower - activity
        lp.row_upper_ = comp.upper - activity
        lp.col_cost_ = np.zeros(2 * n)
        lp.col_lower_ = np.zeros(2 * n)
        lp.col_upper_ = np.zeros(2 * n)
        h.passModel(lp)
        self.h = h
        self.all_cols = np.arange(2 * n, dtype=np.int32)
        # What HiGHS holds now (see ``_solve``).
        self._lower, self._upper, self._costs = np.zeros(2 * n), np.zeros(2 * n), np.zeros(2 * n)

    def _bounds_and_costs(self, cell: int, up: float | None, down: float | None, maximise: bool):
        state, rows = self.state, self.comp.rows
        hidden = state.hidden[rows]
        movable = hidden | state.hideable[rows]
        upper_plus = np.where(movable, INF, state.slack_up[rows])
        upper_minus = np.where(movable, self.value, state.slack_down[rows])
        cost = np.where(hidden, HIDDEN_COST, np.where(movable, state.cost[rows], HIDDEN_COST))
        lower = np.zeros(2 * self.n)
        upper = np.concatenate([upper_plus, upper_minus])
        costs = np.concatenate([cost, cost])
        if maximise:
            costs[:] = 0.0
        if up is not None:
            lower[cell] = upper[cell] = up
            upper[self.n + cell] = 0.0
        if down is not None:
            lower[self.n + cell] = upper[self.n + cell] = down
            upper[cell] = 0.0
        return lower, upper, costs

    def _solve(
        self, lower, upper, costs, integral: bool = False, presolve: bool = False
    ) -> np.ndarray | None:
        h = self.h
        # Each solve starts from the all-slack basis (y = 0): the previous cell's
        # optimal basis is far from this one's, and starting from it took about
        # three times the simplex iterations, with the same witnesses.
        h.clearSolver()
        # Between two solves only a few columns change (the target cell, what
        # was hidden since): pass HiGHS those alone.
        moved = np.flatnonzero((lower != self._lower) | (upper != self._upper)).astype(np.int32)
        if len(moved):
            h.changeColsBounds(len(moved), moved, lower[moved], upper[moved])
        repriced = np.flatnonzero(costs != self._costs).astype(np.int32)
        if len(repriced):
            h.changeColsCost(len(repriced), repriced, costs[repriced])
        self._lower, self._upper, self._costs = lower, upper, costs
        if integral:
            # Any integer witness will do; its cost need not be proven least.
            kinds = np.full(2 * self.n, HighsVarType.kInteger)
            h.changeColsIntegrality(2 * self.n, self.all_cols, kinds)
            h.setOptionValue("mip_rel_gap", MIP_GAP)
            h.setOptionValue("mip_max_nodes", MIP_NODES)
            h.setOptionValue("time_limit", MIP_SECONDS)
        if presolve:
            h.setOptionValue("presolve", "on")
        h.run()
        status = h.getModelStatus()
        found = status == HighsModelStatus.kOptimal
        if integral:
            found = found or h.getInfo().primal_solution_status == _FEASIBLE
            h.changeColsIntegrality(
                2 * self.n, self.all_cols, np.full(2 * self.n, HighsVarType.kContinuous)
            )
            h.setOptionValue("time_limit", LP_SECONDS)
        if presolve:
            h.setOptionValue("presolve", "off")
        if not found:
            return None
        x = np.asarray(h.getSolution().col_value)
        return x[: self.n] - x[self.n :]

    def witness(self, cell: int, up: float = 0.0, down: float = 0.0) -> Witness | None:
        """Cheapest integer witness moving ``cell`` by +up (or -down); None if none exists."""
        lower, upper, costs = self._bounds_and_costs(cell, up or None, down or None, False)
        y = self._solve(lower, upper, costs)
        if y is None:
            return None
        if np.abs(y - np.round(y)).max() > _TOL:
            y = self._integral(y, lower, upper, costs)
            if y is None:
                return None
        y = np.round(y)
        moved = np.flatnonzero(y != 0)
        rows = self.comp.rows[moved]
        fresh = ~self.state.hidden[rows]
        return Witness(moved, y[moved], float(self.state.cost[rows[fresh]].sum()))

    def _integral(self, y, lower, upper, costs) -> np.ndarray | None:
        """An integer witness for a fractional one: on the cells it moves, then on those
        and the cells that cost nothing, then anywhere.

        The fractional solution's support is nearly always the support of an
        integer witness too (a 3-D table's fractional vertices are halves of a
        cycle of integer moves), and on those few cells the integer program
        is solved in a moment; the whole component's took up to seconds. Else
        an integer witness on the same support widened by the cells hidden
        already (or movable within their rounding) nearly always exists, and
        that program, on about half the columns, takes a fraction of the
        whole one's time while hiding no more than the fractional witness.
        Every program runs with presolve, which drops the columns fixed at
        zero: without it the narrow program on a 624-cell cube took 0.2 s of
        branching on columns that cannot move.
        """
        support = np.abs(y) > _TOL
        narrow = upper.copy()
        narrow[: self.n][~support] = 0.0
        narrow[self.n :][~support] = 0.0
        found = self._solve(lower, narrow, costs, integral=True, presolve=True)
        if found is not None:
            return found
        allowed = (costs[: self.n] <= HIDDEN_COST) | support
        unpaid = np.concatenate([~allowed, ~allowed]) & (lower <= 0)
        found = self._solve(
            lower, np.where(unpaid, 0.0, upper), costs, integral=True, presolve=True
        )
        if found is not None:
            return found
        return self._solve(lower, upper, costs, integral=True, presolve=True)

    def reach(self, cell: int, upwards: bool) -> float:
        """How far the cell can move at most (integer), hiding whatever may be hidden."""
        lower, upper, costs = self._bounds_and_costs(cell, None, None, True)
        column = cell if upwards else self.n + cell
        other = self.n + cell if upwards else cell
        upper[other] = 0.0
        costs[column] = -1.0
        if upwards:
            upper[column] = 10.0 * (self.value.sum() + 1.0)  # never unbounded
        y = self._solve(lower, upper, costs)
        if y is None:
            return 0.0
        best = float(np.floor(abs(y[cell]) + _TOL))
        if best > 0 and self.witness(cell, *((best, 0.0) if upwards else (0.0, best))) is None:
            # The real optimum may be fractional: settle for what an integer table reaches.
            y = self._solve(lower, upper, costs, integral=True)
            best = 0.0 if y is None else float(np.floor(abs(y[cell]) + _TOL))
        return best
