"""THB codelists: integrity of the CSV sources and agreement with the shared domain lists."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml

from mosy_sdmx.structures import builtin_structures
from mosy_sdmx.structures.resources import builtin_dir

CODELISTS = builtin_dir("codelists")


def _shared(domain: Path, name: str) -> list[dict[str, str]]:
    with open(domain / "codelists" / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _codes(cl) -> dict[str, tuple[str, str | None]]:
    """id -> (English name, parent id)."""
    out = {}
    for code in cl:
        parent = code.parent.id if isinstance(code.parent, type(code)) else None
        out[code.id] = (str(code.name.localizations["en"]), parent)
    return out


@pytest.fixture(scope="module")
def thb():
    return builtin_structures()


@pytest.mark.parametrize("path", sorted(CODELISTS.glob("*.csv")), ids=lambda p: p.name)
def test_csv_ids_unique_and_parents_exist(path: Path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    ids = [r["id"] for r in rows]
    assert rows, "empty codelist"
    assert len(ids) == len(set(ids)), [i for i in ids if ids.count(i) > 1]
    assert all(r["name_en"] for r in rows)
    assert {r["parent"] for r in rows if r.get("parent")} <= set(ids)


def test_every_codelist_is_loaded_with_parents_inside(thb):
    index = yaml.safe_load((CODELISTS / "codelists.yaml").read_text(encoding="utf-8"))
    assert set(thb.codelists) == set(index["codelists"])
    for cl in thb.codelists.values():
        codes = _codes(cl)
        assert codes, cl.id
        assert {p for _, p in codes.values() if p} <= set(codes), cl.id


@pytest.mark.parametrize(
    ("codelist", "shared", "version"),
    [
        ("CL_FREQ", "SDMX_CL_FREQ.csv", "2.1"),
        ("CL_OBS_STATUS", "SDMX_CL_OBS_STATUS.csv", "2.2"),
        ("CL_CONF_STATUS", "SDMX_CL_CONF_STATUS.csv", "1.2"),
        ("CL_UNIT_MULT", "SDMX_CL_UNIT_MULT.csv", "1.1"),
        ("CL_DECIMALS", "SDMX_CL_DECIMALS.csv", "1.0"),
    ],
)
def test_sdmx_codelists_match_shared_and_keep_their_agency(thb, domain, codelist, shared, version):
    cl = thb.codelist(codelist)
    assert cl.maintainer.id == "SDMX"
    assert str(cl.version) == version
    expected = {r["id"]: (r["name_en"], r["parent"] or None) for r in _shared(domain, shared)}
    assert _codes(cl) == expected


@pytest.mark.parametrize(
    ("codelist", "shared"),
    [
        ("CL_GEO", "ESTAT_GEO_MOSY_SCOPE.csv"),
        ("CL_SEX_THB", "ESTAT_SEX.csv"),
        ("CL_UNIT_THB", "ESTAT_UNIT_THB.csv"),
    ],
)
def test_estat_copies_match_shared(thb, domain, codelist, shared):
    cl = thb.codelist(codelist)
    assert cl.maintainer.id == "MOSY" and str(cl.version) == "1.0.0"
    assert any(a.id == "SOURCE" and "ESTAT" in str(a.text) for a in cl.annotations)
    expected = {r["id"]: (r["name_en"], r["parent"] or None) for r in _shared(domain, shared)}
    assert _codes(cl) == expected


def test_age_extends_estat_with_children_split(thb, domain):
    codes = _codes(thb.codelist("CL_AGE_THB"))
    for r in _shared(domain, "ESTAT_AGE_THB.csv"):
        assert codes[r["id"]] == (r["name_en"], r["parent"] or None)
    assert codes["Y_LT12"][1] == codes["Y12-17"][1] == "Y_LT18"


def test_pers_stat_keeps_eurostat_ids_and_adds_victim_split(thb, domain):
    codes = _codes(thb.codelist("CL_THB_PERS_STAT"))
    assert {r["id"] for r in _shared(domain, "ESTAT_LEG_STAT.csv")} <= set(codes)
    assert codes["PER_VICT_ID"][1] == codes["PER_VICT_PR"][1] == "PER_VICT"


def test_geo_world_is_geo_countries_plus_iso_without_gr_gb_former(thb, domain):
    geo = set(_codes(thb.codelist("CL_GEO"))) - {"EU27_2020"}
    iso = {
        r["id"]
        for r in _shared(domain, "SDMX_CL_AREA_ALPHA2.csv")
        if r["id"] not in ("GR", "GB") and "[former" not in r["name_en"]
    }
    world = _codes(thb.codelist("CL_GEO_WORLD"))
    assert set(world) == geo | iso
    assert {"EL", "UK", "XK"} <= set(world) and not {"GR", "GB", "SU"} & set(world)
    assert all(parent is None for _, parent in world.values())


def test_citizen_is_groups_plus_world(thb, domain):
    citizen = _codes(thb.codelist("CL_CITIZEN"))
    groups = {
        r["id"]: (r["name_en"], r["parent"] or None)
        for r in _shared(domain, "ESTAT_CITIZEN_GROUPS.csv")
    }
    assert {k: citizen[k] for k in groups} == groups
    assert set(citizen) == set(groups) | set(_codes(thb.codelist("CL_GEO_WORLD")))


def test_model_codes_present(thb):
    exploit = _codes(thb.codelist("CL_THB_EXPLOIT"))
    assert exploit["_T"][1] is None
    assert {c for c, (_, p) in exploit.items() if p == "_T"} == set(exploit) - {"_T"}
    assert set(_codes(thb.codelist("CL_SEX_THB"))) == {"T", "M", "F", "UNK"}
    assert set(_codes(thb.codelist("CL_THB_SOURCE"))) >= {"NREM", "NGO", "IO", "OTH"}


def test_several_languages_where_known(thb):
    code = thb.codelist("CL_GEO").items["DE"]
    assert str(code.name.localizations["de"]) == "Deutschland"
    assert str(code.name.localizations["fr"]) == "Allemagne"


def test_rules_yaml_codes_exist_in_the_dimension_codelists(thb):
    rules = yaml.safe_load((builtin_dir("dsd") / "rules.yaml").read_text(encoding="utf-8"))
    for group in rules["additivity"]:
        dim = group["dimension"]
        codelists = {
            thb.layout(flow).components[dim].codelist
            for flow in thb.dataflows
            if dim in thb.layout(flow).components
        }
        assert codelists, f"no DSD has dimension {dim}"
        for cl_id in codelists:
            codes = set(_codes(thb.codelist(cl_id)))
            assert {group["total"], *group["parts"]} <= codes, (dim, cl_id)
