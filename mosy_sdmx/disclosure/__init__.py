"""Disclosure control before public download (THB-DATA-MODEL §3.6).

``protect(dataset)`` returns the public dataset (suppressed values removed,
OBS_STATUS Q with CONF_STATUS A or S, rounding where required) and an
``Audit`` of every suppressed or rounded cell with its reason.
"""

from __future__ import annotations

from mosy_sdmx.disclosure.audit import Audit, Reason
from mosy_sdmx.disclosure.protect import protect
from mosy_sdmx.disclosure.rules import DisclosureRules, load_disclosure_rules

__all__ = ["Audit", "DisclosureRules", "Reason", "load_disclosure_rules", "protect"]
