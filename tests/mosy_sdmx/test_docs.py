"""README stays true: every ``mosy`` command and option is documented there, and
its Python examples run as written.

Like datasette's tests/test_docs.py: a new command or option that README does
not mention fails here, and so does an example that stopped working.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from paths import SPECIMENS
from readme import code_blocks, commands, readme_text
from real_messages import several_datasets_ss

from mosy_sdmx.cli import _register, app
from mosy_sdmx.structures import builtin_structures

HERE = Path(__file__).parent
_register()
MOSY_COMMANDS = list(commands(app, "mosy"))


def _mentions(text: str, option: str) -> bool:
    return re.search(re.escape(option) + r"(?![\w-])", text) is not None


def test_every_command_of_the_app_is_found() -> None:
    paths = {c.path for c in MOSY_COMMANDS}
    assert {"mosy convert", "mosy validate", "mosy structures export"} <= paths


@pytest.mark.parametrize("command", MOSY_COMMANDS, ids=lambda c: c.path)
def test_every_command_and_option_is_in_readme(command) -> None:
    text = readme_text()
    assert command.path in text
    assert [o for o in command.options if not _mentions(text, o)] == []


def test_readme_documents_no_option_the_cli_lacks() -> None:
    known = {o for c in MOSY_COMMANDS for o in c.options}
    lines = [line for line in readme_text().splitlines() if re.match(r"\s*(\| `)?mosy ", line)]
    documented = {o for line in lines for o in re.findall(r"(?<![\w-])--[a-z][\w-]*", line)}
    assert documented - known == set()


@pytest.fixture
def tour_files(tmp_path, monkeypatch) -> Path:
    """The files README's tour opens, made from real-shaped data, in a working folder."""
    monkeypatch.syspath_prepend(str(HERE / "disclosure"))
    monkeypatch.syspath_prepend(str(HERE / "indicators"))
    from indicator_frames import dataset, obs
    from thb_tables import victims_dataset

    import mosy_sdmx as ms

    victims = victims_dataset(np.random.default_rng(7))
    ms.write_data(victims, tmp_path / "victims.xml", "sdmx-ml-2.1-ss")
    (tmp_path / "broken.csv").write_text("not,an\nSDMX,file\n", encoding="utf-8")
    (tmp_path / "reply.xml").write_bytes(several_datasets_ss())
    shutil.copy(SPECIMENS / "ECB_EXR" / "flat.json", tmp_path / "ecb.json")
    monkeypatch.chdir(tmp_path)
    offenders = [
        obs("PT", 2023, n, PERS_STAT=stage)
        for n, stage in ((40, "PER_SUSP"), (20, "PER_PRSC"), (5, "PER_CNV"))
    ]
    return dataset(offenders, flow="DF_THB_OFFENDERS_PUB")


def test_the_python_examples_run_as_written(tour_files) -> None:
    blocks = code_blocks("python")
    assert len(blocks) >= 3
    names: dict = {"offenders_public": tour_files}
    for block in blocks:
        exec(compile(block, "README.md", "exec"), names)
    # What the examples claim, checked on what they made.
    assert names["report"].valid
    assert len(names["ms"].read_data("victims.csv").data) == len(names["dataset"].data)
    assert Path("ecb.xml").stat().st_size > 0 and Path("structures.xml").stat().st_size > 0
    assert names["public"].structure_urn == builtin_structures().dataflow("DF_THB_VICTIMS_PUB").urn
