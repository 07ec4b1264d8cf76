"""Validation against the official SDMX-ML and SDMX-JSON schemas, for tests."""

from __future__ import annotations

from pathlib import Path

from paths import STANDARDS

_XSD_CACHE: dict[tuple[str, str | None], object] = {}


def sdmx_ml_schema(version: str, dataflow_xsd: Path | None = None):
    """Compiled official SDMX-ML schema ('2.1' or '3.0'), optionally combined
    with a dataflow-specific XSD (needed for structure-specific data)."""
    from lxml import etree

    key = (version, str(dataflow_xsd) if dataflow_xsd else None)
    if key not in _XSD_CACHE:
        message_xsd = STANDARDS / "sdmx-ml" / version / "schemas" / "SDMXMessage.xsd"
        parser = etree.XMLParser(no_network=True)
        if dataflow_xsd is None:
            _XSD_CACHE[key] = etree.XMLSchema(etree.parse(str(message_xsd), parser))
        else:
            target_ns = etree.parse(str(dataflow_xsd), parser).getroot().get("targetNamespace")
            msg_ns = "http://www.sdmx.org/resources/sdmxml/schemas/v{}/message".format(
                version.replace(".", "_")
            )
            wrapper = f"""<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:import namespace="{msg_ns}" schemaLocation="{message_xsd.as_uri()}"/>
  <xs:import namespace="{target_ns}" schemaLocation="{Path(dataflow_xsd).resolve().as_uri()}"/>
</xs:schema>"""
            _XSD_CACHE[key] = etree.XMLSchema(etree.fromstring(wrapper, parser))
    return _XSD_CACHE[key]


def assert_valid_xml(document, version: str, dataflow_xsd: Path | None = None) -> None:
    """Fail with the schema's own messages unless ``document`` (bytes, path or
    tree) validates against the official SDMX-ML schema."""
    from lxml import etree

    if isinstance(document, bytes):
        tree = etree.fromstring(document).getroottree()
    elif isinstance(document, (str, Path)):
        tree = etree.parse(str(document))
    else:
        tree = document
    schema = sdmx_ml_schema(version, dataflow_xsd)
    if not schema.validate(tree):
        errors = "\n".join(f"line {e.line}: {e.message}" for e in list(schema.error_log)[:20])
        raise AssertionError(f"not valid SDMX-ML {version}:\n{errors}")


def sdmx_json_validator(kind: str, version: str = "2.0.0"):
    """jsonschema validator for an official SDMX-JSON schema (kind: data or structure)."""
    import json

    from jsonschema import Draft7Validator, validators

    path = STANDARDS / "sdmx-json" / version / "schemas" / f"sdmx-json-{kind}-schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    cls = validators.validator_for(schema, default=Draft7Validator)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def assert_valid_json(message: dict, kind: str, version: str = "2.0.0") -> None:
    errors = sorted(
        sdmx_json_validator(kind, version).iter_errors(message), key=lambda e: list(e.path)
    )
    if errors:
        lines = "\n".join(f"{list(e.path)}: {e.message[:300]}" for e in errors[:10])
        raise AssertionError(f"not valid SDMX-JSON {version} {kind}:\n{lines}")
