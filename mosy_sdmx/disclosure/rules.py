"""Disclosure settings (``dsd/disclosure.yaml``) plus the additive groups they protect.

Thresholds, the rounding base and which codes count as breakdowns are policy,
not code: they live in YAML beside the DSDs so that a statistician can change
them and the public dataflow annotation (§3.6 rule 7) can quote them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from mosy_sdmx.exceptions import Location, StructureError
from mosy_sdmx.structures.resources import builtin_dir
from mosy_sdmx.structures.rules import AdditiveGroup, load_additive_groups, read_settings_yaml

ANNOTATION_TYPE = "DISCLOSURE_CONTROL"


@dataclass(frozen=True, slots=True)
class DisclosureRules:
    """Everything ``protect()`` needs to decide what may be published."""

    threshold: int = 5
    country_totals_as_reported: bool = True
    #: dimension -> codes that are not a breakdown (totals).
    breakdowns: dict[str, frozenset[str]] = field(default_factory=dict)
    never_publish: frozenset[str] = frozenset({"C", "N", "D"})
    confidential_conf_status: str = "S"
    secondary_conf_status: str = "S"
    primary_conf_status: str = "A"
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

    def with_groups(
        self, groups: tuple[AdditiveGroup, ...] | list[AdditiveGroup]
    ) -> DisclosureRules:
        return replace(self, groups=tuple(groups))

    def public_flow(self, flow_id: str | None) -> str | None:
        """The public dataflow id for a submission flow (unchanged when not mapped)."""
        if flow_id is None:
            return None
        return self.public_flows.get(flow_id, flow_id)

    def annotation_text(self, flow_id: str | None = None) -> str:
        """The rule applied, in words, for the public dataflow's annotation (§3.6 rule 7)."""
        dims = ", ".join(sorted(self.breakdowns))
        parts = [
            "Disclosure control (MoSy THB model 3.6): values flagged confidential by the "
            "submitter are not published (OBS_STATUS Q).",
            f"Counts from 1 to {self.threshold - 1} in cells broken down by {dims} are "
            "suppressed (OBS_STATUS Q, CONF_STATUS "
            f"{self.primary_conf_status}).",
        ]
        if self.country_totals_as_reported:
            parts.append("Country totals are published as reported.")
        parts.append(
            "Further values are suppressed (CONF_STATUS "
            f"{self.secondary_conf_status}) so that no suppressed value can be derived "
            "by subtraction from totals and their breakdowns."
        )
        rounded = flow_id is not None and flow_id in self.rounding_flows
        scope = "All values" if rounded else "Values by individual country of citizenship"
        if rounded or self.country_level_dimension:
            parts.append(
                f"{scope} below {self.rounding_threshold} are suppressed and the others "
                f"rounded to the nearest multiple of {self.rounding_base}."
            )
        parts.append(
            "A suppressed value stays suppressed in revisions while it is below the threshold."
        )
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
            "Broken disclosure rules",
            f"{key} must be a positive integer, not {value!r}",
            location=where,
        )
    return value


def _from_document(doc: dict[str, Any], source: str) -> DisclosureRules:
    where = Location(source=source)
    if not isinstance(doc, dict):
        raise StructureError("Broken disclosure rules", "expected a mapping", location=where)
    primary = doc.get("primary") or {}
    confidential = doc.get("confidential") or {}
    secondary = doc.get("secondary") or {}
    rounding = doc.get("rounding") or {}
    country = rounding.get("country_level") or {}
    breakdowns = doc.get("breakdowns") or {}
    if not isinstance(breakdowns, dict):
        raise StructureError(
            "Broken disclosure rules",
            "'breakdowns' must map dimensions to codes",
            location=where,
        )
    return DisclosureRules(
        threshold=_int(primary, "threshold", 5, where),
        country_totals_as_reported=bool(primary.get("country_totals_as_reported", True)),
        breakdowns={str(d): _codes(c) for d, c in breakdowns.items()},
        never_publish=_codes(confidential.get("never_publish", ["C", "N", "D"])),
        confidential_conf_status=str(confidential.get("conf_status", "S")),
        secondary_conf_status=str(secondary.get("conf_status", "S")),
        rounding_base=_int(rounding, "base", 5, where),
        rounding_threshold=_int(rounding, "threshold", 10, where),
        rounding_flows=_codes(rounding.get("flows")),
        country_level_dimension=country.get("dimension"),
        country_level_group_codes=_codes(country.get("group_codes")),
        public_flows={str(k): str(v) for k, v in (doc.get("public_flows") or {}).items()},
        clear_on_suppressed=tuple(str(c) for c in doc.get("clear_on_suppressed") or ()),
        attributes=_codes(doc.get("attributes")),
    )


def load_disclosure_rules(
    path: str | Path | None = None, groups_path: str | Path | None = None
) -> DisclosureRules:
    """Settings from a disclosure YAML (default: built-in) with the additive groups.

    ``groups_path`` names a rules file with an ``additivity`` section; the
    built-in ``dsd/rules.yaml`` is used when it is None.
    """
    if path is None and groups_path is None:
        return _builtin_rules()
    path = Path(path) if path is not None else builtin_dir("dsd") / "disclosure.yaml"
    doc = read_settings_yaml(path, "Broken disclosure rules")
    rules = _from_document(doc, str(path))
    return rules.with_groups(load_additive_groups(groups_path))


@lru_cache(maxsize=1)
def _builtin_rules() -> DisclosureRules:
    dsd = builtin_dir("dsd")
    return load_disclosure_rules(dsd / "disclosure.yaml", dsd / "rules.yaml")
