"""Disclosure settings (``dsd/disclosure.yaml``) plus the additive groups they protect.

Thresholds, protection levels, the public flag and which codes count as
breakdowns are policy, not code: they live in YAML beside the DSDs so that a
statistician can change them and the public dataflow annotation (§3.6 rule 7)
can quote them. Settings that contradict each other, or the additive groups,
are refused when loaded, before anything is protected.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from mosy_sdmx.exceptions import Location, StructureError
from mosy_sdmx.structures.resources import builtin_dir
from mosy_sdmx.structures.rules import AdditiveGroup, parse_rules, read_settings_yaml

ANNOTATION_TYPE = "DISCLOSURE_CONTROL"
TITLE = "Broken disclosure rules"
METHODS = ("auto", "optimal", "hypercube")


@dataclass(frozen=True, slots=True)
class DisclosureRules:
    """Everything ``protect()`` needs to decide what may be published."""

    threshold: int = 5
    country_totals_as_reported: bool = True
    #: Attacker's interval around a sensitive cell: at least this far each way
    #: (None: the cell's own threshold), where the table allows it.
    protection_upper: int | None = None
    protection_lower: int | None = None
    method: str = "auto"
    #: dimension -> codes that are not a breakdown (totals).
    breakdowns: dict[str, frozenset[str]] = field(default_factory=dict)
    never_publish: frozenset[str] = frozenset({"C", "N", "D"})
    #: The one flag every hidden cell of a public flow carries, whatever the reason.
    flag_obs_status: str = "Q"
    flag_conf_status: str = "C"
    rounding_base: int = 5
    rounding_threshold: int = 10
    rounding_flows: frozenset[str] = frozenset()
    #: dimension whose non-group codes are country-level (rounded), and its group codes.
    country_level_dimension: str | None = None
    country_level_group_codes: frozenset[str] = frozenset()
    public_flows: dict[str, str] = field(default_factory=dict)
    clear_on_suppressed: tuple[str, ...] = ()
    attributes: frozenset[str] = frozenset()
    groups: tuple[AdditiveGroup, ...] = ()
    #: Relations hold only among observations agreeing on these (COUNT_RULE).
    same_attributes: tuple[str, ...] = ()

    def with_groups(
        self, groups: tuple[AdditiveGroup, ...] | list[AdditiveGroup]
    ) -> DisclosureRules:
        groups = tuple(groups)
        check_groups(groups, self.breakdowns, Location(source="additive groups"))
        return replace(self, groups=groups)

    def public_flow(self, flow_id: str | None) -> str | None:
        """The public dataflow id for a submission flow (unchanged when not mapped)."""
        if flow_id is None:
            return None
        return self.public_flows.get(flow_id, flow_id)

    def annotation_text(self, flow_id: str | None = None) -> str:
        """The rule applied, in words, for the public dataflow's annotation (§3.6 rule 7)."""
        dims = ", ".join(sorted(self.breakdowns))
        flag = f"OBS_STATUS {self.flag_obs_status}, CONF_STATUS {self.flag_conf_status}"
        parts = [
            "Disclosure control (MoSy THB model 3.6). Every value not published carries "
            f"the same flag ({flag}), whatever the reason: flagged confidential by the "
            f"submitter, a count from 1 to {self.threshold - 1} in a cell broken down by "
            f"{dims}, or hidden so that no such value can be narrowed down from totals "
            "and their breakdowns.",
        ]
        if self.country_totals_as_reported:
            parts.append("Country totals are published as reported.")
        rounded = flow_id is not None and flow_id in self.rounding_flows
        scope = "All values" if rounded else "Values by individual country of citizenship"
        if rounded or self.country_level_dimension:
            parts.append(
                f"{scope} below {self.rounding_threshold} are not published and the others "
                f"are rounded to the nearest multiple of {self.rounding_base}."
            )
        parts.append("A value not published stays so in revisions while it is below the threshold.")
        return " ".join(parts)

    def annotation(self, flow_id: str | None = None) -> dict[str, str]:
        """``{"type": ..., "text": ...}`` ready for an SDMX annotation."""
        return {"type": ANNOTATION_TYPE, "text": self.annotation_text(flow_id)}


def _codes(value: Any) -> frozenset[str]:
    return frozenset(str(v) for v in (value or []))


def _int(section: dict[str, Any], key: str, default: int, where: Location) -> int:
    value = section.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise StructureError(
            TITLE, f"{key} must be a positive integer, not {value!r}", location=where
        )
    return value


def _level(section: dict[str, Any], key: str, where: Location) -> int | None:
    value = section.get(key, "threshold")
    if value == "threshold" or value is None:
        return None
    return _int(section, key, 1, where)


def _section(doc: dict[str, Any], key: str, where: Location) -> dict[str, Any]:
    value = doc.get(key) or {}
    if not isinstance(value, dict):
        raise StructureError(TITLE, f"'{key}' must be a mapping", location=where)
    return value


def _from_document(doc: dict[str, Any], source: str) -> DisclosureRules:
    where = Location(source=source)
    primary = _section(doc, "primary", where)
    protection = _section(doc, "protection", where)
    confidential = _section(doc, "confidential", where)
    flag = _section(doc, "flag", where)
    rounding = _section(doc, "rounding", where)
    country = rounding.get("country_level") or {}
    breakdowns = _section(doc, "breakdowns", where)
    method = str(protection.get("method", "auto"))
    if method not in METHODS:
        raise StructureError(
            TITLE, f"protection method must be one of {', '.join(METHODS)}", location=where
        )
    rules = DisclosureRules(
        threshold=_int(primary, "threshold", 5, where),
        country_totals_as_reported=bool(primary.get("country_totals_as_reported", True)),
        protection_upper=_level(protection, "upper", where),
        protection_lower=_level(protection, "lower", where),
        method=method,
        breakdowns={str(d): _codes(c) for d, c in breakdowns.items()},
        never_publish=_codes(confidential.get("never_publish", ["C", "N", "D"])),
        flag_obs_status=str(flag.get("obs_status", "Q")),
        flag_conf_status=str(flag.get("conf_status", "C")),
        rounding_base=_int(rounding, "base", 5, where),
        rounding_threshold=_int(rounding, "threshold", 10, where),
        rounding_flows=_codes(rounding.get("flows")),
        country_level_dimension=country.get("dimension"),
        country_level_group_codes=_codes(country.get("group_codes")),
        public_flows={str(k): str(v) for k, v in (doc.get("public_flows") or {}).items()},
        clear_on_suppressed=tuple(str(c) for c in doc.get("clear_on_suppressed") or ()),
        attributes=_codes(doc.get("attributes")),
    )
    check_settings(rules, where)
    return rules


def check_settings(rules: DisclosureRules, where: Location) -> None:
    """Refuse settings that contradict each other."""
    if "F" in rules.never_publish:
        raise StructureError(
            TITLE,
            "confidential.never_publish lists F, which means free for publication",
            location=where,
        )
    if rules.flag_conf_status == "F" or rules.flag_conf_status in ("", "None"):
        raise StructureError(
            TITLE, "flag.conf_status must be a confidentiality code, not F", location=where
        )
    if rules.flag_obs_status in ("A", "", "None"):
        raise StructureError(
            TITLE, "flag.obs_status must say the value is missing (e.g. Q), not A", location=where
        )


def _duplicates(items: Iterable[str]) -> set[str]:
    seen: set[str] = set()
    return {i for i in items if i in seen or seen.add(i)}


def check_groups(
    groups: tuple[AdditiveGroup, ...], breakdowns: dict[str, frozenset[str]], where: Location
) -> None:
    """Refuse additive groups that contradict each other or the breakdown codes."""
    totals: dict[tuple[str, str], frozenset[str]] = {}
    for g in groups:
        parts = frozenset(g.parts)
        if g.total in parts or _duplicates(g.parts):
            raise StructureError(
                TITLE,
                f"{g.dimension} {g.total}: a code is listed twice in its group",
                location=where,
            )
        other = totals.setdefault((g.dimension, g.total), parts)
        if other != parts:
            raise StructureError(
                TITLE,
                f"{g.dimension} {g.total} is the total of two different sets of parts "
                f"({', '.join(sorted(other))} and {', '.join(sorted(parts))})",
                location=where,
            )
        listed_total = breakdowns.get(g.dimension, frozenset()) & parts
        if listed_total:
            raise StructureError(
                TITLE,
                f"{g.dimension} {', '.join(sorted(listed_total))} is a part of {g.total} in the "
                "additive groups but listed among the non-breakdown (total) codes",
                location=where,
            )
    _refuse_cycles(totals, where)


def _refuse_cycles(totals: dict[tuple[str, str], frozenset[str]], where: Location) -> None:
    """A code may not (indirectly) be a part of itself."""
    children = {key: {(key[0], p) for p in parts} for key, parts in totals.items()}
    for start in children:
        stack, seen = list(children[start]), set()
        while stack:
            node = stack.pop()
            if node == start:
                raise StructureError(
                    TITLE,
                    f"{start[0]} {start[1]} is (indirectly) a part of itself in the groups",
                    location=where,
                )
            if node not in seen:
                seen.add(node)
                stack.extend(children.get(node, ()))


def load_disclosure_rules(
    path: str | Path | None = None, groups_path: str | Path | None = None
) -> DisclosureRules:
    """Settings from a disclosure YAML (default: built-in) with the additive groups.

    ``groups_path`` names a rules file with an ``additivity`` section; the
    built-in ``dsd/rules.yaml`` is used when it is None. The flag of hidden
    cells must be one of the rules file's missing-value statuses.
    """
    if path is None and groups_path is None:
        return _builtin_rules()
    path = Path(path) if path is not None else builtin_dir("dsd") / "disclosure.yaml"
    groups_path = (
        Path(groups_path) if groups_path is not None else builtin_dir("dsd") / "rules.yaml"
    )
    rules = _from_document(read_settings_yaml(path, TITLE), str(path))
    validation = parse_rules(read_settings_yaml(groups_path, "Broken rules file"), str(groups_path))
    missing = validation.missing_status_codes
    if missing and rules.flag_obs_status not in missing:
        raise StructureError(
            TITLE,
            f"flag.obs_status {rules.flag_obs_status} is not one of the missing-value statuses "
            f"of {groups_path.name} ({', '.join(sorted(missing))})",
            location=Location(source=str(path)),
        )
    check_groups(validation.additivity, rules.breakdowns, Location(source=str(groups_path)))
    return replace(
        rules, groups=validation.additivity, same_attributes=validation.additivity_same_attributes
    )


@lru_cache(maxsize=1)
def _builtin_rules() -> DisclosureRules:
    dsd = builtin_dir("dsd")
    return load_disclosure_rules(dsd / "disclosure.yaml", dsd / "rules.yaml")
