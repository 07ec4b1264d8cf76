"""Synthetic messages of the forms real agencies publish, for the readers' tests.

Each builder writes one class of input the way an agency's service writes
it (names and layout follow published replies: Eurostat's explicit-measure
cross-sections and its DataSet in the structure's namespace, footers such
as Eurostat's 413, several data sets, OECD's SDMX-JSON 1.0), small and
parametrised, so the tests cover the class rather than one file.
"""

# ruff: noqa: E501 (XML fixtures read best one element a line)
from __future__ import annotations

from pathlib import Path

MSG = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"
SS = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific"
GEN = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/generic"
COM = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common"
FOOTER = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message/footer"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
STR = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure"

#: The demography cross-section's measures (Eurostat codes) and countries.
MEASURES = ("TFRNSI", "AGEMOTH", "JAN")
GEOS = ("BE", "DE", "FR", "LU")
DSD_URN = "urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=ESTAT:DEMO_XS(1.0)"


def _concept(ident: str) -> str:
    return (
        f'<str:Concept id="{ident}" urn="urn:sdmx:org.sdmx.infomodel.conceptscheme.Concept='
        f'ESTAT:CS_DEMO(1.0).{ident}"><com:Name xml:lang="en">{ident}</com:Name></str:Concept>'
    )


def _identity(ident: str, scheme: str = "CS_DEMO") -> str:
    return (
        f'<str:ConceptIdentity><Ref id="{ident}" maintainableParentID="{scheme}" '
        'maintainableParentVersion="1.0" agencyID="ESTAT" package="conceptscheme" '
        'class="Concept"/></str:ConceptIdentity>'
    )


def _enumeration(ident: str, package: str = "codelist", cls: str = "Codelist") -> str:
    return (
        f'<str:LocalRepresentation><str:Enumeration><Ref id="{ident}" version="1.0" '
        f'agencyID="ESTAT" package="{package}" class="{cls}"/></str:Enumeration>'
        "</str:LocalRepresentation>"
    )


def demography_structure(*, with_dataflow: bool = True, with_dsd: bool = True) -> bytes:
    """An SDMX-ML 2.1 structure message: a DSD with a MeasureDimension (measures as
    concepts, as SDMX 2.1 has them) and its dataflow DF_DEMO_XS."""
    codes = "".join(
        f'<str:Code id="{g}"><com:Name xml:lang="en">{g}</com:Name></str:Code>' for g in GEOS
    )
    measure_concepts = "".join(
        f'<str:Concept id="{m}"><com:Name xml:lang="en">{m}</com:Name></str:Concept>'
        for m in MEASURES
    )
    dsd = f"""
  <str:DataStructures>
   <str:DataStructure id="DEMO_XS" agencyID="ESTAT" version="1.0" urn="{DSD_URN}">
    <com:Name xml:lang="en">Demography</com:Name>
    <str:DataStructureComponents>
     <str:DimensionList id="DimensionDescriptor">
      <str:Dimension id="FREQ" position="1">{_identity("FREQ")}{_enumeration("CL_FREQ")}</str:Dimension>
      <str:Dimension id="GEO" position="2">{_identity("GEO")}{_enumeration("CL_GEO")}</str:Dimension>
      <str:MeasureDimension id="INDIC_DE" position="3">{_identity("INDIC_DE")}{_enumeration("CS_MEASURES", "conceptscheme", "ConceptScheme")}</str:MeasureDimension>
      <str:TimeDimension id="TIME_PERIOD" position="4">{_identity("TIME_PERIOD")}<str:LocalRepresentation><str:TextFormat textType="ObservationalTimePeriod"/></str:LocalRepresentation></str:TimeDimension>
     </str:DimensionList>
     <str:AttributeList id="AttributeDescriptor">
      <str:Attribute id="OBS_FLAG" assignmentStatus="Conditional">{_identity("OBS_FLAG")}<str:AttributeRelationship><str:PrimaryMeasure><Ref id="OBS_VALUE"/></str:PrimaryMeasure></str:AttributeRelationship></str:Attribute>
     </str:AttributeList>
     <str:MeasureList id="MeasureDescriptor">
      <str:PrimaryMeasure id="OBS_VALUE">{_identity("OBS_VALUE")}</str:PrimaryMeasure>
     </str:MeasureList>
    </str:DataStructureComponents>
   </str:DataStructure>
  </str:DataStructures>"""
    flow = """
  <str:Dataflows>
   <str:Dataflow id="DF_DEMO_XS" agencyID="ESTAT" version="1.0">
    <com:Name xml:lang="en">Demography, cross-sections</com:Name>
    <str:Structure><Ref id="DEMO_XS" version="1.0" agencyID="ESTAT" package="datastructure" class="DataStructure"/></str:Structure>
   </str:Dataflow>
  </str:Dataflows>"""
    concepts = "".join(
        _concept(c) for c in ("FREQ", "GEO", "INDIC_DE", "TIME_PERIOD", "OBS_VALUE", "OBS_FLAG")
    )
    body = f"""<?xml version="1.0" encoding="UTF-8"?>
<mes:Structure xmlns:mes="{MSG}" xmlns:str="{STR}" xmlns:com="{COM}">
 <mes:Header><mes:ID>DEMO</mes:ID><mes:Test>false</mes:Test><mes:Prepared>2024-01-01T00:00:00</mes:Prepared><mes:Sender id="ESTAT"/></mes:Header>
 <mes:Structures>
  <str:Codelists>
   <str:Codelist id="CL_FREQ" agencyID="ESTAT" version="1.0"><com:Name xml:lang="en">Frequency</com:Name><str:Code id="A"><com:Name xml:lang="en">Annual</com:Name></str:Code></str:Codelist>
   <str:Codelist id="CL_GEO" agencyID="ESTAT" version="1.0"><com:Name xml:lang="en">Geo</com:Name>{codes}</str:Codelist>
  </str:Codelists>
  <str:Concepts>
   <str:ConceptScheme id="CS_DEMO" agencyID="ESTAT" version="1.0"><com:Name xml:lang="en">Concepts</com:Name>{concepts}</str:ConceptScheme>
   <str:ConceptScheme id="CS_MEASURES" agencyID="ESTAT" version="1.0"><com:Name xml:lang="en">Measures</com:Name>{measure_concepts}</str:ConceptScheme>
  </str:Concepts>{flow if with_dataflow else ""}{dsd if with_dsd else ""}
 </mes:Structures>
</mes:Structure>
"""
    return body.encode()


def write_demography_structure(folder: Path, **kwargs) -> Path:
    path = folder / "demography-structure.xml"
    path.write_bytes(demography_structure(**kwargs))
    return path


def _header(
    dimension_at_observation: str,
    *,
    explicit: bool,
    structure_id: str = "ESTAT_DEMO_XS_1_0",
    prefix: str = "m",
) -> str:
    namespace = f"{DSD_URN}:ObsLevelDim:{dimension_at_observation}"
    flag = ' explicitMeasures="true"' if explicit else ""
    return (
        f"<{prefix}:Header><{prefix}:ID>DEMO</{prefix}:ID><{prefix}:Test>false</{prefix}:Test>"
        f"<{prefix}:Prepared>2024-01-01T00:00:00Z</{prefix}:Prepared>"
        f'<{prefix}:Sender id="ESTAT"/>'
        f'<{prefix}:Structure structureID="{structure_id}" namespace="{namespace}" '
        f'dimensionAtObservation="{dimension_at_observation}"{flag}>'
        f'<c:Structure><Ref agencyID="ESTAT" id="DEMO_XS" version="1.0"/></c:Structure>'
        f"</{prefix}:Structure></{prefix}:Header>"
    )


def cross_section_rows(years: int = 2) -> list[dict[str, str]]:
    """The observations the cross-section builders write, as plain rows."""
    rows = []
    for y in range(years):
        for g, geo in enumerate(GEOS):
            for k, measure in enumerate(MEASURES):
                row = {
                    "FREQ": "A",
                    "GEO": geo,
                    "INDIC_DE": measure,
                    "TIME_PERIOD": str(2015 + y),
                    "OBS_VALUE": f"{y * 100 + g * 10 + k}.5",
                }
                if k == 2:
                    row["OBS_FLAG"] = "p"
                rows.append(row)
    return rows


def explicit_cross_section(
    years: int = 2,
    *,
    form: str = "xsi",
    dataset_prefix: str = "m",
    footer: str = "",
    type_prefix: str = "ns",
) -> bytes:
    """Eurostat's cross-sectional form: the measure dimension is at observation
    level and each observation names its measure by ``xsi:type`` (``form="xsi"``),
    by the unqualified ``type`` attribute (``form="type"``) or, for contrast, by
    the plain XML attribute (``form="attribute"``).

    ``dataset_prefix="ns"`` puts the DataSet in the structure's namespace, as
    Eurostat's replies do.
    """
    namespace = f"{DSD_URN}:ObsLevelDim:INDIC_DE"
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<m:StructureSpecificData xmlns:m="{MSG}" xmlns:ss="{SS}" xmlns:c="{COM}" '
        f'xmlns:xsi="{XSI}" xmlns:{type_prefix}="{namespace}" xmlns:footer="{FOOTER}">',
        _header("INDIC_DE", explicit=form != "attribute"),
        f'<{dataset_prefix}:DataSet ss:structureRef="ESTAT_DEMO_XS_1_0" '
        f'ss:dataScope="DataStructure" xsi:type="{type_prefix}:DataSetType">',
    ]
    series_key = None
    for row in cross_section_rows(years):
        key = (row["GEO"], row["TIME_PERIOD"])
        if key != series_key:
            if series_key is not None:
                lines.append("</Series>")
            lines.append(f'<Series FREQ="A" GEO="{row["GEO"]}" TIME_PERIOD="{row["TIME_PERIOD"]}">')
            series_key = key
        measure = row["INDIC_DE"]
        if form == "xsi":
            named = f'xsi:type="{type_prefix}:{measure}"'
        elif form == "type":
            named = f'type="{measure}"'
        else:
            named = f'INDIC_DE="{measure}"'
        flag = f' OBS_FLAG="{row["OBS_FLAG"]}"' if "OBS_FLAG" in row else ""
        lines.append(f'<Obs {named} OBS_VALUE="{row["OBS_VALUE"]}"{flag}/>')
    lines += ["</Series>", f"</{dataset_prefix}:DataSet>", footer, "</m:StructureSpecificData>"]
    return "\n".join(lines).encode()


def explicit_flat(*, form: str = "xsi") -> bytes:
    """Flat (AllDimensions) data with explicit measures: the measure dimension's
    value is the observation's type; which dimension that is, only the DSD says."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<m:StructureSpecificData xmlns:m="{MSG}" xmlns:ss="{SS}" xmlns:c="{COM}" '
        f'xmlns:xsi="{XSI}" xmlns:ns="{DSD_URN}:ObsLevelDim:AllDimensions">',
        _header("AllDimensions", explicit=True),
        '<m:DataSet ss:structureRef="ESTAT_DEMO_XS_1_0" ss:dataScope="DataStructure">',
    ]
    for row in cross_section_rows(1):
        named = f'xsi:type="ns:{row["INDIC_DE"]}"' if form == "xsi" else f'type="{row["INDIC_DE"]}"'
        lines.append(
            f'<Obs FREQ="A" GEO="{row["GEO"]}" TIME_PERIOD="{row["TIME_PERIOD"]}" {named} '
            f'OBS_VALUE="{row["OBS_VALUE"]}"/>'
        )
    lines += ["</m:DataSet>", "</m:StructureSpecificData>"]
    return "\n".join(lines).encode()


def footer_xml(code: str = "413", severity: str | None = "Infomation", texts=None) -> str:
    """A footer as Eurostat writes it (its severity is spelt ``Infomation``, sic)."""
    texts = texts or [
        (
            None,
            "Due to the large query the response will be written to a file which "
            "will be located under URL: https://ec.europa.eu/eurostat/SDMX/1234.zip",
        ),
        ("fr", "Le fichier sera disponible sous l'URL indiquée."),
    ]
    severity_attr = f' severity="{severity}"' if severity else ""
    text_xml = "".join(
        f'<c:Text xml:lang="{lang}">{text}</c:Text>' if lang else f"<c:Text>{text}</c:Text>"
        for lang, text in texts
    )
    return (
        f'<footer:Footer><footer:Message code="{code}"{severity_attr}>{text_xml}'
        "</footer:Message></footer:Footer>"
    )


def footer_only_message(kind: str = "ss") -> bytes:
    """A reply with no data set, only a footer (Eurostat's 413 for large queries)."""
    root = "StructureSpecificData" if kind == "ss" else "GenericData"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<m:{root} xmlns:m="{MSG}" xmlns:c="{COM}" xmlns:footer="{FOOTER}">\n'
        "<m:Header><m:ID>DEMO</m:ID><m:Test>false</m:Test>"
        '<m:Prepared>2024-01-01T00:00:00Z</m:Prepared><m:Sender id="ESTAT"/></m:Header>\n'
        f"{footer_xml()}\n</m:{root}>\n"
    ).encode()


def several_datasets_ss(actions=("Replace", "Delete"), obs_per_series: int = 2) -> bytes:
    """Several DataSet elements in one structure-specific message, each with its own
    action and dataset attribute, separated by their own series."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<m:StructureSpecificData xmlns:m="{MSG}" xmlns:ss="{SS}" xmlns:c="{COM}" '
        f'xmlns:xsi="{XSI}">',
        "<m:Header><m:ID>MULTI</m:ID><m:Test>false</m:Test>"
        '<m:Prepared>2024-01-01T00:00:00Z</m:Prepared><m:Sender id="ECB"/>'
        '<m:Structure structureID="S1" dimensionAtObservation="TIME_PERIOD">'
        '<c:Structure><Ref agencyID="ECB" id="ECB_EXR1" version="1.0"/></c:Structure>'
        "</m:Structure></m:Header>",
    ]
    for d, action in enumerate(actions):
        lines.append(
            f'<m:DataSet ss:structureRef="S1" ss:dataScope="DataStructure" '
            f'ss:action="{action}" COMMENT="set {d}">'
        )
        for s, currency in enumerate(("USD", "JPY")):
            lines.append(f'<Series FREQ="M" CURRENCY="{currency}" SET="{d}">')
            for k in range(obs_per_series):
                value = f' OBS_VALUE="{d * 100 + s * 10 + k}"' if action != "Delete" else ""
                lines.append(f'<Obs TIME_PERIOD="2020-{k + 1:02d}"{value}/>')
            lines.append("</Series>")
        lines.append("</m:DataSet>")
    lines.append("</m:StructureSpecificData>")
    return "\n".join(lines).encode()


def several_datasets_generic(actions=("Replace", "Delete")) -> bytes:
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<m:GenericData xmlns:m="{MSG}" xmlns:g="{GEN}" xmlns:c="{COM}">',
        "<m:Header><m:ID>MULTI</m:ID><m:Test>false</m:Test>"
        '<m:Prepared>2024-01-01T00:00:00Z</m:Prepared><m:Sender id="ECB"/>'
        '<m:Structure structureID="S1" dimensionAtObservation="TIME_PERIOD">'
        '<c:Structure><Ref agencyID="ECB" id="ECB_EXR1" version="1.0"/></c:Structure>'
        "</m:Structure></m:Header>",
    ]
    for d, action in enumerate(actions):
        lines.append(f'<m:DataSet structureRef="S1" action="{action}">')
        lines.append(f'<g:Attributes><g:Value id="COMMENT" value="set {d}"/></g:Attributes>')
        for currency in ("USD", "JPY"):
            lines.append(
                '<g:Series><g:SeriesKey><g:Value id="FREQ" value="M"/>'
                f'<g:Value id="CURRENCY" value="{currency}"/></g:SeriesKey>'
            )
            for k in range(2):
                lines.append(
                    f'<g:Obs><g:ObsDimension value="2020-{k + 1:02d}"/>'
                    f'<g:ObsValue value="{d * 100 + k}"/></g:Obs>'
                )
            lines.append("</g:Series>")
        lines.append("</m:DataSet>")
    lines.append("</m:GenericData>")
    return "\n".join(lines).encode()


MSG_30 = "http://www.sdmx.org/resources/sdmxml/schemas/v3_0/message"
SS_30 = "http://www.sdmx.org/resources/sdmxml/schemas/v3_0/data/structurespecific"
COM_30 = "http://www.sdmx.org/resources/sdmxml/schemas/v3_0/common"
FLOW_30 = "urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=ECB:EXR(1.0)"


def multi_valued_30(series: int = 2) -> bytes:
    """SDMX-ML 3.0 with several values and multilingual texts at every level
    (data set, through an ``Atts`` element without key; group; series;
    observation), the way the 3.0 samples write them; one value holds a ``;``
    that a joined string would split."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<message:StructureSpecificData xmlns:message="{MSG_30}" xmlns:ss="{SS_30}" '
        f'xmlns:common="{COM_30}" xmlns:xsi="{XSI}" '
        f'xmlns:ns1="{FLOW_30}:ObsLevelDim:TIME_PERIOD">',
        "<message:Header><message:ID>MV</message:ID><message:Test>false</message:Test>"
        "<message:Prepared>2024-01-01T00:00:00Z</message:Prepared>"
        '<message:Sender id="ECB"/>'
        f'<message:Structure structureID="S" namespace="{FLOW_30}:ObsLevelDim:TIME_PERIOD" '
        f'dimensionAtObservation="TIME_PERIOD"><common:StructureUsage>{FLOW_30}'
        "</common:StructureUsage></message:Structure></message:Header>",
        '<message:DataSet xsi:type="ns1:DataSetType" ss:structureRef="S" ss:action="Information">',
        '<Atts><Comp id="DS_NOTE" xsi:type="ns1:DS_NOTE_ATTRIBUTE"><Value>',
        '<common:Text xml:lang="en">Note</common:Text><common:Text xml:lang="de">Notiz</common:Text>',
        "</Value></Comp></Atts>",
        '<Group xsi:type="ns1:SiblingGroup" CURRENCY="USD">'
        '<Comp id="G_SRC"><Value>a;b</Value><Value>c</Value></Comp></Group>',
    ]
    for s in range(series):
        currency = "USD" if s == 0 else f"C{s:02d}"
        lines.append(f'<Series FREQ="A" CURRENCY="{currency}">')
        if s == 0:
            lines.append('<Comp id="SRC"><Value>4F0</Value><Value>4D0</Value></Comp>')
            lines += [
                '<Obs TIME_PERIOD="2017" OBS_VALUE="1.5">',
                '  <Comp id="OBS_STATUS"><Value>A</Value><Value>F</Value></Comp>',
                "</Obs>",
                '<Obs TIME_PERIOD="2018" OBS_VALUE="1.6"><Comp id="OBS_STATUS"><Value>A</Value>'
                "</Comp></Obs>",
                '<Obs TIME_PERIOD="2019" OBS_VALUE="1.7" OBS_STATUS="E"/>',
            ]
        else:
            lines.append(f'<Obs TIME_PERIOD="2017" OBS_VALUE="{s}"/>')
        lines.append("</Series>")
    lines += ["</message:DataSet>", "</message:StructureSpecificData>"]
    return "\n".join(lines).encode()


def oecd_json(*, slot_for_empty: bool = False, empty_at: str = "observation") -> bytes:
    """SDMX-JSON 1.0 in the early envelope OECD.Stat serves (top-level header,
    dataSets, structure), with an attribute listed with an empty 'values' array
    and left out of the arrays (``slot_for_empty`` keeps its place, as null)."""
    import json

    def pad(values: list) -> list:
        return [values[0], None, *values[1:]] if slot_for_empty else values

    observations = {
        "0:0:0": pad([11.96, None]),
        "1:0:1": pad([-2.13, 0]),
        "1:1:0": pad([0.84, 1]),
        "2:1:1": pad([1.35, 2]),
    }
    empty = {"id": "TIME_FORMAT", "name": "Time Format", "values": []}
    status = {
        "id": "OBS_STATUS",
        "name": "Observation Status",
        "values": [{"id": "x", "name": "x"}, {"id": "w", "name": "w"}, {"id": "y", "name": "y"}],
    }
    attributes = {"dataSet": [], "series": [], "observation": [empty, status]}
    if empty_at == "dataSet":
        attributes = {"dataSet": [empty], "series": [], "observation": [status]}
        observations = {k: [v[0], v[-1]] for k, v in observations.items()}
    message = {
        "header": {
            "id": "8816013c",
            "test": False,
            "prepared": "2021-06-19T14:06:41Z",
            "sender": {"id": "OECD", "name": "OECD"},
        },
        "dataSets": [{"action": "Information", "observations": observations}],
        "structure": {
            "links": [
                {"href": "https://stats.oecd.org/sdmx-json/dataflow/PART2/all", "rel": "dataflow"}
            ],
            "name": "Part 2",
            "dimensions": {
                "observation": [
                    {
                        "keyPosition": 0,
                        "id": "LOCATION",
                        "name": "Country",
                        "role": "REF_AREA",
                        "values": [
                            {"id": "AUS", "name": "Australia"},
                            {"id": "HUN", "name": "Hungary"},
                            {"id": "ITA", "name": "Italy"},
                        ],
                    },
                    {
                        "keyPosition": 1,
                        "id": "IND",
                        "name": "Indicator",
                        "values": [{"id": "5CLAT", "name": "a"}, {"id": "5CIWT", "name": "b"}],
                    },
                    {
                        "keyPosition": 2,
                        "id": "PER",
                        "name": "Period",
                        "values": [
                            {"id": "INI", "name": "Initial"},
                            {"id": "END", "name": "Final"},
                        ],
                    },
                ]
            },
            "attributes": attributes,
        },
    }
    if empty_at == "dataSet":
        message["dataSets"][0]["attributes"] = []
    return json.dumps(message).encode()


def several_datasets_json(attributes=("A", "B"), actions=("Replace", "Delete")) -> bytes:
    """SDMX-JSON 2.0 with several data sets over one structure, each with its own
    action and dataset-level attribute value."""
    import json

    values = sorted(set(attributes))
    datasets = []
    for k, (action, attr) in enumerate(zip(actions, attributes, strict=True)):
        datasets.append(
            {
                "structure": 0,
                "action": action,
                "attributes": [values.index(attr)],
                "series": {"0": {"observations": {"0": [k + 1.5], "1": [k + 2.5]}}},
            }
        )
    message = {
        "meta": {"id": "MULTI", "prepared": "2024-01-01T00:00:00Z", "sender": {"id": "ECB"}},
        "data": {
            "structures": [
                {
                    "links": [{"rel": "dataflow", "urn": FLOW_30}],
                    "dimensions": {
                        "series": [{"id": "CURRENCY", "keyPosition": 0, "values": [{"id": "USD"}]}],
                        "observation": [
                            {
                                "id": "TIME_PERIOD",
                                "keyPosition": 1,
                                "roles": ["TIME_PERIOD"],
                                "values": [{"value": "2020"}, {"value": "2021"}],
                            }
                        ],
                    },
                    "measures": {"observation": [{"id": "OBS_VALUE"}]},
                    "attributes": {
                        "dataSet": [{"id": "COMMENT", "values": [{"value": v} for v in values]}]
                    },
                }
            ],
            "dataSets": datasets,
        },
    }
    return json.dumps(message).encode()
