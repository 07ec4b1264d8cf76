"""SDMX data registrations and the SDMX-ML 3.0 message that answers a registration query.

A Registration (SDMX information model, registry package) says that data
for a provision agreement can be had from a data source, and when that
source last changed. Registries answer the SDMX REST 2.x ``/registration``
queries with a ``RegistryInterface`` message holding a
``QueryRegistrationResponse`` (``SDMXRegistryRegistration.xsd``); the
standard offers it in SDMX-ML only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from lxml import etree
from sdmx.urn import URN

from mosy_sdmx.namespaces import COMMON_30, MESSAGE_30, REGISTRY_30

MEDIA_TYPE = "application/vnd.sdmx.registry+xml;version=3.0.0"


def provision_agreement_urn(agency: str, id: str, version: str) -> str:
    return str(
        URN(package="registry", klass="ProvisionAgreement", agency=agency, id=id, version=version)
    )


@dataclass(frozen=True, slots=True)
class Registration:
    """A data source registered for a provision agreement."""

    id: str
    provision_agreement: str  # its URN
    data_source: str  # a URL of an SDMX data message (SimpleDataSource)
    last_updated: datetime
    valid_from: datetime | None = None


def _time(moment: datetime) -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def registration_response(
    registrations: Iterable[Registration],
    *,
    message_id: str = "MOSY-REGISTRATIONS",
    sender: str = "MOSY",
    receiver: str = "not_supplied",
    prepared: datetime | None = None,
) -> bytes:
    """The SDMX-ML 3.0 ``QueryRegistrationResponse`` listing ``registrations``."""
    m, r = f"{{{MESSAGE_30}}}", f"{{{REGISTRY_30}}}"
    root = etree.Element(
        f"{m}RegistryInterface", nsmap={"mes": MESSAGE_30, "reg": REGISTRY_30, "com": COMMON_30}
    )
    header = etree.SubElement(root, f"{m}Header")
    etree.SubElement(header, f"{m}ID").text = message_id
    etree.SubElement(header, f"{m}Test").text = "false"
    etree.SubElement(header, f"{m}Prepared").text = _time(prepared or datetime.now(UTC))
    etree.SubElement(header, f"{m}Sender", id=sender)
    etree.SubElement(header, f"{m}Receiver", id=receiver)
    response = etree.SubElement(root, f"{m}QueryRegistrationResponse")
    etree.SubElement(response, f"{r}StatusMessage", status="Success")
    for registration in registrations:
        result = etree.SubElement(response, f"{r}QueryResult", timeSeriesMatch="false")
        data = etree.SubElement(result, f"{r}DataResult")
        attrs = {"id": registration.id, "lastUpdated": _time(registration.last_updated)}
        if registration.valid_from is not None:
            attrs["validFrom"] = _time(registration.valid_from)
        element = etree.SubElement(data, f"{r}Registration", attrs)
        etree.SubElement(element, f"{r}ProvisionAgreement").text = registration.provision_agreement
        source = etree.SubElement(element, f"{r}Datasource")
        etree.SubElement(source, f"{r}SimpleDataSource").text = registration.data_source
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
