"""SDMX-ML 3.0 ``SubmitStructureResponse``: the result of a structure submission.

SDMX REST 2.x maintenance (``maintenance.md``, annex II) answers every
POST/PUT/DELETE of structures with this registry-interface message: per
artefact, the action (Append, Replace, Delete), a status (Success, Failure,
Warning) and a message text whose code is the HTTP status for that artefact.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from lxml import etree

from mosy_sdmx import namespaces as ns

NS_MES = ns.MESSAGE_30
NS_REG = ns.REGISTRY_30
NS_COM = ns.COMMON_30
XML_LANG = ns.q(ns.XML, "lang")


@dataclass(frozen=True, slots=True)
class SubmissionResult:
    """One artefact's outcome: its URN, the action, a status, an HTTP code, a text."""

    urn: str
    action: str  # Append, Replace, Delete or Information
    status: str  # Success, Failure or Warning
    code: int
    text: str


def write_submit_structure_response(
    results: Iterable[SubmissionResult], *, sender: str = "MOSY", receiver: str = "not_supplied"
) -> bytes:
    prepared = datetime.now(UTC).replace(microsecond=0)
    root = etree.Element(
        f"{{{NS_MES}}}SubmitStructureResponse",
        nsmap={"mes": NS_MES, "reg": NS_REG, "com": NS_COM},
    )
    header = etree.SubElement(root, f"{{{NS_MES}}}Header")
    etree.SubElement(header, f"{{{NS_MES}}}ID").text = f"MOSY_SUBMIT_{prepared:%Y%m%dT%H%M%S}"
    etree.SubElement(header, f"{{{NS_MES}}}Test").text = "false"
    etree.SubElement(header, f"{{{NS_MES}}}Prepared").text = prepared.isoformat()
    etree.SubElement(header, f"{{{NS_MES}}}Sender", id=sender)
    etree.SubElement(header, f"{{{NS_MES}}}Receiver", id=receiver)
    body = etree.SubElement(root, f"{{{NS_MES}}}SubmitStructureResponse")
    for result in results:
        entry = etree.SubElement(body, f"{{{NS_REG}}}SubmissionResult")
        submitted = etree.SubElement(entry, f"{{{NS_REG}}}SubmittedStructure", action=result.action)
        etree.SubElement(submitted, f"{{{NS_REG}}}MaintainableObject").text = result.urn
        status = etree.SubElement(entry, f"{{{NS_REG}}}StatusMessage", status=result.status)
        text_box = etree.SubElement(status, f"{{{NS_REG}}}MessageText", code=str(result.code))
        text = etree.SubElement(text_box, f"{{{NS_COM}}}Text")
        text.set(XML_LANG, "en")
        text.text = result.text
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
