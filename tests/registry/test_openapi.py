"""OpenAPI at /docs covers every endpoint, its parameters and its answers."""

from __future__ import annotations

from fastapi.routing import APIRoute

from registry.app import create_app


def test_every_route_is_documented_with_its_answers(client) -> None:
    spec = client.get("/openapi.json").json()
    app = client.app
    for route in app.routes:
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        for method in route.methods:
            operation = spec["paths"][route.path_format][method.lower()]
            assert operation["summary"], route.path
            path_params = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert path_params == set(route.param_convertors), route.path
            if route.path.startswith("/sdmx/"):
                assert {"400", "404"} & set(operation["responses"]) or "501" in operation[
                    "responses"
                ], route.path


def test_structure_routes_list_their_formats(client) -> None:
    spec = client.get("/openapi.json").json()
    ok = spec["paths"]["/sdmx/3.0/structure/{structureType}/{agencyID}/{resourceID}/{version}"][
        "get"
    ]["responses"]["200"]["content"]
    assert "application/vnd.sdmx.structure+json;version=2.0.0" in ok


def test_docs_page_is_served(client) -> None:
    response = client.get("/docs")
    assert response.status_code == 200 and "swagger" in response.text.lower()


def test_an_app_builds_without_touching_the_database(tmp_path) -> None:
    from registry.settings import load_settings

    app = create_app(load_settings({}, data_dir=tmp_path))
    assert app.openapi()["info"]["title"] == "MoSy SDMX registry"
    assert not (tmp_path / "registry.sqlite3").exists()
