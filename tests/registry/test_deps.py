"""Handlers get what they need as typed dependencies, never from ``app.state``.

``registry/app.py`` puts the settings, the engine and the structure cache on
``app.state``; ``registry/deps.py`` hands them out (``SettingsDep``,
``EngineDep``, ``StructureCacheDep``, ``BaseUrlDep``...) and
``registry/app_state.py`` keeps the per-app caches. Nothing else reads it, so
a handler's signature says everything it uses.
"""

from __future__ import annotations

import ast

import pytest
from fastapi.testclient import TestClient
from lxml import etree
from paths import ROOT

from registry.app import create_app
from registry.routers.feeds import ATOM
from registry.settings import load_settings

ALLOWED = {"registry/app.py", "registry/app_state.py", "registry/deps.py"}


def _reads_app_state(node: ast.AST) -> bool:
    """``<x>.app.state`` or ``app.state``."""
    if not (isinstance(node, ast.Attribute) and node.attr == "state"):
        return False
    owner = node.value
    return (isinstance(owner, ast.Attribute) and owner.attr == "app") or (
        isinstance(owner, ast.Name) and owner.id == "app"
    )


def test_only_the_wiring_modules_touch_app_state() -> None:
    offenders = []
    for path in sorted((ROOT / "registry").rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        if name in ALLOWED:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        offenders += [f"{name}:{n.lineno}" for n in ast.walk(tree) if _reads_app_state(n)]
    assert offenders == []


def test_the_checker_sees_both_spellings() -> None:
    tree = ast.parse("request.app.state.engine\napp.state.settings\nrequest.state.user\n")
    assert [n.lineno for n in ast.walk(tree) if _reads_app_state(n)] == [1, 2]


@pytest.mark.parametrize(
    ("public_url", "feed_id"),
    [
        (None, "http://testserver/feeds/releases"),
        ("https://thb.example.org/", "https://thb.example.org/feeds/releases"),
    ],
)
def test_links_use_the_public_url_when_one_is_set(base_settings, public_url, feed_id) -> None:
    environ = {} if public_url is None else {"MOSY_PUBLIC_URL": public_url}
    settings = load_settings(
        environ, data_dir=base_settings.data_dir, database_url=base_settings.database_url
    )
    with TestClient(create_app(settings)) as client:
        feed = client.get("/feeds/releases")
    assert feed.status_code == 200
    assert etree.fromstring(feed.content).findtext(f"{{{ATOM}}}id") == feed_id
