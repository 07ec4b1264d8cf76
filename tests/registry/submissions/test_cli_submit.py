"""``mosy submit`` against a real registry over HTTP: receipts, reports, exit codes."""

from __future__ import annotations

import json

import pytest
from registry_servers import ThreadServer
from submission_data import FLOW
from typer.testing import CliRunner

from mosy_sdmx.cli import _register, app

runner = CliRunner()


@pytest.fixture
def server(desk):
    _register()
    with ThreadServer(desk.settings) as running:
        yield running


def _submit(server, *args, token=None, env=None):
    argv = ["submit", *map(str, args), "--registry", server.url, "--quiet"]
    if token is not None:
        argv += ["--token", token]
    return runner.invoke(app, argv, env=env or {})


def test_accepted_rejected_and_refused_exit_0_1_2(server, desk) -> None:
    good = desk.victims_file()
    accepted = _submit(server, good, "--flow", FLOW, token=desk.secrets["at"])
    assert accepted.exit_code == 0, accepted.output
    assert "ACCEPTED" in accepted.output and "sha256:" in accepted.output

    # the token from MOSY_TOKEN; JSON receipt; the same file again changes nothing
    again = _submit(server, good, "--format", "json", env={"MOSY_TOKEN": desk.secrets["at"]})
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["status"] == "duplicate"

    bad = desk.victims_file(REF_AREA="BG")
    rejected = _submit(server, bad, "--flow", FLOW, token=desk.secrets["at"])
    assert rejected.exit_code == 1, rejected.output
    assert "INVALID" in rejected.output and "ref-area" in rejected.output

    wrong = _submit(server, good, token="mosy_not-a-token")
    assert wrong.exit_code == 2 and "Unknown token" in wrong.output
    assert "mosy_not-a-token" not in wrong.output
    reader = _submit(server, good, token=desk.secrets["at-reader"])
    assert reader.exit_code == 2 and "403" in reader.output
    garbage = desk.folder / "garbage.csv"
    garbage.write_bytes(b"\x00\x01\x02 nothing here")
    unreadable = _submit(server, garbage, "--flow", FLOW, token=desk.secrets["at"])
    assert unreadable.exit_code == 2, unreadable.output
    nowhere = runner.invoke(
        app,
        ["submit", str(good), "--registry", "http://127.0.0.1:9", "--token", "x", "--quiet"],
    )
    assert nowhere.exit_code == 2 and "cannot reach" in nowhere.output
    no_token = _submit(server, good)
    assert no_token.exit_code == 2 and "MOSY_TOKEN" in no_token.output
