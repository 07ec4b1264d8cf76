"""Searching the THB structures by id and by name in any language."""

from __future__ import annotations

import pytest

from mosy_sdmx.structures import builtin_structures
from mosy_sdmx.structures.search import fold, search


@pytest.fixture(scope="module")
def thb():
    return builtin_structures()


def test_an_exact_code_comes_first(thb) -> None:
    matches = search(thb, "at")
    assert (matches[0].ref.id, matches[0].item) in {("CL_GEO", "AT"), ("CL_CITIZEN", "AT")}
    assert matches[0].rank == 0


def test_names_match_in_every_language_without_accents(thb) -> None:
    german = search(thb, "osterreich")  # "Österreich"
    assert any(m.item == "AT" and m.ref.id == "CL_GEO" for m in german)
    french = search(thb, "UNION EUROPEENNE")
    assert any(m.item == "EU27_2020" for m in french)


def test_artefacts_match_as_well_as_their_items(thb) -> None:
    matches = search(thb, "DF_THB_VICTIMS")
    assert matches[0].ref.type == "dataflow" and matches[0].item is None
    assert {m.ref.id for m in matches if m.item is None} >= {"DF_THB_VICTIMS", "DF_THB_VICTIMS_PUB"}


def test_word_starts_rank_above_inner_matches(thb) -> None:
    ranks = [m.rank for m in search(thb, "labour")]
    assert ranks == sorted(ranks)
    assert ranks and min(ranks) <= 2


def test_nothing_and_blank_find_nothing(thb) -> None:
    assert search(thb, "zzzz-no-such-thing") == []
    assert search(thb, "   ") == []


def test_the_limit_holds(thb) -> None:
    assert len(search(thb, "a", limit=5)) == 5


def test_fold_drops_case_and_accents() -> None:
    assert fold("Êtres Humains") == "etres humains"
