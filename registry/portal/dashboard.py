"""The dashboard: the common THB indicators across borders, as charts, tables and a map.

Every chart is drawn by the shipped ECharts from the same figures as the table
beside it; the tables and the map (an SVG the server writes) need no
JavaScript. Each chart's figures download as CSV and JSON. The figures come
from the public dataflows only, read and shaped once per release
(``dashboard_data``); a request only picks the source, the year and the
language of the names.
"""

from __future__ import annotations

import json
import math
from urllib.parse import urlencode

import numpy as np
from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from mosy_sdmx.exceptions import MosyError
from mosy_sdmx.indicators import IndicatorTable
from registry.app_state import state_cache
from registry.deps import EngineDep, StructuresDep
from registry.errors import ApiError
from registry.portal.dashboard_data import DashboardCache, PublicFigures, public_flows
from registry.portal.geo import europe_shapes
from registry.portal.identity import identify
from registry.portal.rendering import language, localised, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(identify)])

#: The charts in the order shown, and how each is drawn.
CHARTS = (
    ("victims", "line"),
    ("rates", "line"),
    ("exploitation", "stacked"),
    ("sex", "stacked"),
    ("age", "stacked"),
    ("citizenship", "stacked"),
    ("justice", "bars"),
)
#: Codelist of each dimension a table lays out (names shown beside the codes).
_CODELISTS = {
    "REF_AREA": "CL_GEO",
    "EXPLOIT": "CL_THB_EXPLOIT",
    "SEX": "CL_SEX_THB",
    "AGE": "CL_AGE_THB",
    "CITIZEN": "CL_CITIZEN",
    "PERS_STAT": "CL_THB_PERS_STAT",
    "DATA_SOURCE": "CL_THB_SOURCE",
}
#: Map classes (colours in portal.css, light to dark).
MAP_CLASSES = 5
WITHHELD_NOTE = "c: not published (confidential)"
MISSING_NOTE = ": not available"


def _cache(request: Request) -> DashboardCache:
    return state_cache(request, "dashboard_cache", DashboardCache)


def _figures(request: Request, view, engine) -> PublicFigures:
    with engine.connect() as conn:
        return _cache(request).figures(conn, view.structures, view.revision.number)


def _names(figures: PublicFigures, structures, lang: str) -> dict[str, dict[str, str]]:
    """Per dimension: code -> its name in ``lang`` (kept with the figures)."""

    def make() -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        for dim, codelist_id in _CODELISTS.items():
            try:
                codelist = structures.codelist(codelist_id)
            except (MosyError, KeyError):
                out[dim] = {}
                continue
            out[dim] = {
                code: localised(item.name, lang) or code for code, item in codelist.items.items()
            }
        return out

    return figures.remember(("names", lang), make)


def _choice(request: Request, figures: PublicFigures) -> tuple[str | None, str | None, list[str]]:
    """The source and year asked for (or the defaults), and what was wrong with them."""
    problems = []
    source = request.query_params.get("source") or None
    year = request.query_params.get("year") or None
    if source is not None and source not in figures.sources:
        problems.append(
            f"Data source {source!r} has no public data; choose one of "
            f"{', '.join(figures.sources) or 'none yet'}"
        )
        source = None
    if year is not None and year not in figures.years:
        problems.append(f"Year {year!r} has no public data; choose one of the years listed")
        year = None
    return source or (figures.sources[0] if figures.sources else None), year, problems


def _format(table: IndicatorTable, value: float | None) -> str:
    if value is None:
        return ""
    if table.measure == "SHARE":
        return f"{value * 100:.1f} %"
    if table.measure == "RATE":
        return f"{value:,.1f}"
    return f"{value:,.0f}"


def table_view(table: IndicatorTable, names: dict[str, dict[str, str]], kind: str, query: str):
    """A table's header, rows and chart, as plain strings and numbers for the template."""
    row_names = names.get(table.rows, {})
    column_names = names.get(table.columns, {})
    columns = [(code, column_names.get(code, code)) for code in table.column_codes()]
    rows = []
    withheld = missing = False
    for code, cells in table.grid():
        shown = []
        for cell in cells:
            if cell is None or cell.value is None:
                is_withheld = cell is not None and cell.withheld
                withheld |= is_withheld
                missing |= not is_withheld
                shown.append({"text": "c" if is_withheld else ":", "withheld": is_withheld})
            else:
                shown.append({"text": _format(table, cell.value), "value": cell.value})
        rows.append({"code": code, "name": row_names.get(code, code), "cells": shown})
    series = table.series()
    if kind == "line":
        chart = {
            "type": "line",
            "categories": [code for code, _ in columns],
            "series": [{"name": row_names.get(r, r), "data": v} for r, v in series.items()],
        }
    else:
        by_column = list(zip(*series.values(), strict=True)) if series else []
        scale = 100.0 if table.measure == "SHARE" else 1.0
        chart = {
            "type": kind,
            "categories": [row_names.get(r, r) for r in series],
            "series": [
                {
                    "name": name,
                    "data": [None if v is None else round(v * scale, 2) for v in by_column[i]],
                }
                for i, (_, name) in enumerate(columns)
            ],
        }
    chart["unit"] = "%" if table.measure == "SHARE" else table.unit
    return {
        "name": table.name,
        "title": table.title,
        "unit": table.unit,
        "year": table.year,
        "rows_label": "Country",
        "columns": columns,
        "rows": rows,
        "empty": table.empty,
        "chart": chart,
        "notes": [n for n, on in ((WITHHELD_NOTE, withheld), (MISSING_NOTE, missing)) if on],
        "csv": f"/dashboard/figures/{table.name}.csv?{query}",
        "json": f"/dashboard/figures/{table.name}.json?{query}",
    }


@router.get("/dashboard")
def dashboard(request: Request, view: StructuresDep, engine: EngineDep) -> Response:
    figures = _figures(request, view, engine)
    lang = language(request)
    source, year, problems = _choice(request, figures)
    names = _names(figures, view.structures, lang)
    context = _form_context(figures, names, source, year, problems)
    charts = []
    if source is not None:

        def make() -> list[dict]:
            tables = figures.tables(source, year)
            query = urlencode({"source": source, **({"year": year} if year else {})})
            return [
                table_view(tables[name], names, kind, query)
                for name, kind in CHARTS
                if name in tables
            ]

        charts = figures.remember(("dashboard", source, year, lang), make)
        shown_year = next((c["year"] for c in charts if c["year"]), None)
        context["shown_year"] = shown_year
    context["charts"] = charts
    context["chart_data"] = [{"id": c["name"], **c["chart"]} for c in charts]
    return render(request, "dashboard.html", context, status=400 if problems else 200)


def _form_context(figures, names, source, year, problems) -> dict:
    source_names = names.get("DATA_SOURCE", {})
    return {
        "sources": [(s, source_names.get(s, s)) for s in figures.sources],
        "years": figures.years,
        "source": source,
        "source_name": source_names.get(source, source) if source else None,
        "year": year,
        "shown_year": None,
        "problems": problems,
        "flows": list(figures.frames),
    }


@router.get("/dashboard/figures/{name}.{fmt}")
def chart_data(
    request: Request, name: str, fmt: str, view: StructuresDep, engine: EngineDep
) -> Response:
    """One chart's figures as CSV or JSON: codes, the value (empty where not published), flags."""
    if fmt not in ("csv", "json"):
        raise ApiError(404, "No such download", "a chart's figures download as .csv or .json")
    figures = _figures(request, view, engine)
    source, year, problems = _choice(request, figures)
    if problems:
        raise ApiError(400, "Invalid selection", "; ".join(problems))
    tables = figures.tables(source, year) if source is not None else {}
    if name not in dict(CHARTS):
        raise ApiError(404, "No such chart", f"the dashboard has no chart {name!r}")
    if name not in tables:
        raise ApiError(404, "No data for this chart", "no public data has been released for it")
    table = tables[name]
    frame = table.tidy()
    filename = f"mosy-{name}-{source}" + (f"-{table.year}" if table.year else "")
    headers = {"Content-Disposition": f'attachment; filename="{filename}.{fmt}"'}
    if fmt == "csv":
        body = frame.to_csv(index=False, float_format="%.10g")
        return Response(body, media_type="text/csv; charset=utf-8", headers=headers)
    records = [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]
    body = {
        "indicator": table.name,
        "title": table.title,
        "measure": table.measure,
        "unit": table.unit,
        "data_source": source,
        "year": table.year,
        "rows": table.rows,
        "columns": table.columns,
        "dataflows": [public_flows(view.structures)[f] for f in figures.frames],
        "cells": records,
    }
    return Response(json.dumps(body), media_type="application/json", headers=headers)


def _plain(value):
    if value is None:
        return None
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


@router.get("/dashboard/map")
def dashboard_map(request: Request, view: StructuresDep, engine: EngineDep) -> Response:
    """Victims per million inhabitants by country, one year, as a choropleth of Europe."""
    figures = _figures(request, view, engine)
    lang = language(request)
    source, year, problems = _choice(request, figures)
    names = _names(figures, view.structures, lang)
    context = _form_context(figures, names, source, year, problems)
    context.update(shapes=europe_shapes(), countries=[], by_code={}, classes=[], map_year=None)
    if source is not None:
        drawn = figures.remember(
            ("map", source, year, lang), lambda: _map(figures.tables(source, None), names, year)
        )
        context.update(drawn)
    return render(request, "dashboard_map.html", context, status=400 if problems else 200)


def _map(tables: dict[str, IndicatorTable], names, year: str | None) -> dict:
    rates, victims = tables.get("rates"), tables.get("victims")
    if rates is None or rates.empty:
        return {}
    cells = rates.cells
    published = cells[cells["RATE"].notna()]
    if year is None:
        years = sorted(str(y) for y in published["TIME_PERIOD"])
        year = years[-1] if years else None
    in_year = cells[cells["TIME_PERIOD"].astype(str) == str(year)]
    values = in_year["RATE"].to_numpy(dtype=float)
    known = values[~np.isnan(values)]
    breaks = _breaks(known)
    counts = {}
    if victims is not None and not victims.empty:
        v = victims.cells[victims.cells["TIME_PERIOD"].astype(str) == str(year)]
        counts = dict(zip(v["REF_AREA"], v["VICTIMS"], strict=True))
    country_names = names.get("REF_AREA", {})
    countries = []
    for area, rate, obs in zip(in_year["REF_AREA"], values, in_year["OBS_STATUS"], strict=True):
        count = counts.get(area)
        withheld = bool(np.isnan(rate) and obs == "Q")
        countries.append(
            {
                "code": area,
                "name": country_names.get(area, area),
                "rate": None if np.isnan(rate) else f"{rate:,.1f}",
                "victims": None if count is None or np.isnan(count) else f"{count:,.0f}",
                "withheld": withheld,
                "class": (
                    f"c{int(np.searchsorted(breaks, rate, side='right'))}"
                    if not np.isnan(rate)
                    else ("withheld" if withheld else "nodata")
                ),
            }
        )
    countries.sort(key=lambda c: c["name"])
    edges = [0.0, *breaks, float(known.max()) if len(known) else 0.0]
    classes = [
        {"class": f"c{i}", "label": f"{edges[i]:,.1f} to {edges[i + 1]:,.1f}"}
        for i in range(len(edges) - 1)
    ]
    by_code = {c["code"]: c for c in countries}
    return {"countries": countries, "by_code": by_code, "classes": classes, "map_year": year}


def _breaks(values: np.ndarray) -> list[float]:
    """Inner class limits: quantiles of the year's rates, so that each class holds countries."""
    if len(values) < 2:
        return []
    qs = np.quantile(values, np.linspace(0, 1, MAP_CLASSES + 1)[1:-1])
    return sorted({round(float(q), 1) for q in qs if values.min() < q < values.max()})
