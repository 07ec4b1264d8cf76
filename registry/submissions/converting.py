"""A submission's data in any format the library writes, read back from the stored file.

The stored original is read with the structures the registry holds and
written by the library's writer: the data exactly as the submission brought
it (its action included, where the format carries one).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from sqlalchemy import Engine

from mosy_sdmx.dataset import Action
from mosy_sdmx.formats import DataFormat
from mosy_sdmx.io import read_data, write_data
from mosy_sdmx.structures import StructureSet
from registry.submissions.records import Submission, write_file_to


def write_submission_data(
    engine: Engine, submission: Submission, structures: StructureSet, fmt: DataFormat, folder: Path
) -> Path:
    """A new file in ``folder`` with the submission's data in ``fmt`` (the caller removes it)."""
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as work:
        original = write_file_to(engine, submission.file_pk, Path(work) / submission.filename)
        dataset = read_data(original, structures, flow=submission.flow)
    if submission.action:
        dataset.action = Action.parse(submission.action)
    descriptor, name = tempfile.mkstemp(dir=folder, prefix="data-", suffix=fmt.suffix)
    os.close(descriptor)
    target = Path(name)
    try:
        write_data(dataset, target, fmt, structures, flow=submission.flow)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return target
