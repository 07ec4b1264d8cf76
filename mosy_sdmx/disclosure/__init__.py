"""Disclosure control before public download (THB-DATA-MODEL §3.6, docs/disclosure.md).

``protect(dataset)`` returns the public dataset (fitted to the public
dataflow's codes; small counts and every value that would narrow one down
removed, all flagged alike; rounding where required) and an ``Audit`` of every
cell changed with its reason. It raises ``ProtectionError`` rather than
publish a hidden value that the published ones still give away.
"""

from __future__ import annotations

from mosy_sdmx.disclosure.audit import Audit, Reason
from mosy_sdmx.disclosure.protect import protect
from mosy_sdmx.disclosure.rules import DisclosureRules, load_disclosure_rules
from mosy_sdmx.exceptions import ProtectionError

__all__ = [
    "Audit",
    "DisclosureRules",
    "ProtectionError",
    "Reason",
    "load_disclosure_rules",
    "protect",
]
