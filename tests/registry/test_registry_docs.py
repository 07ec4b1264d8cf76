"""README documents every ``mosy-registry`` command and option (test_docs.py does ``mosy``)."""

from __future__ import annotations

import re

import pytest
from readme import commands, readme_text

from registry.cli import app

REGISTRY_COMMANDS = list(commands(app, "mosy-registry"))


def test_every_command_of_the_registry_cli_is_found() -> None:
    paths = {c.path for c in REGISTRY_COMMANDS}
    assert {"mosy-registry serve", "mosy-registry token create", "mosy-registry data load"} <= paths


@pytest.mark.parametrize("command", REGISTRY_COMMANDS, ids=lambda c: c.path)
def test_every_command_and_option_is_in_readme(command) -> None:
    text = readme_text()
    assert command.path in text
    missing = [o for o in command.options if not re.search(re.escape(o) + r"(?![\w-])", text)]
    assert missing == []
