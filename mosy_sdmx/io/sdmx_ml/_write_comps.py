"""SDMX-ML 3.0 ``<Comp>`` elements: several values, texts in several languages.

A column holding any tuple or LocalisedText cell (see ``mosy_sdmx.dataset``)
is written as ``Comp`` children instead of XML attributes, every value of it
(the dataflow-specific schema declares such a component as a Comp type, e.g.
``TITLE_ATTRIBUTE`` in the SDMX 3.0 samples, and not as an XML attribute)::

    <Comp id="OBS_STATUS" xsi:type="ns1:OBS_STATUS_ATTRIBUTE"><Value>A</Value>
      <Value>F</Value></Comp>
    <Comp id="TITLE" xsi:type="ns1:TITLE_ATTRIBUTE"><Value><common:Text
      xml:lang="en">Rate</common:Text><common:Text xml:lang="fr">Taux</common:Text>
      </Value></Comp>

Like the other fragments, each distinct cell is rendered once and picked per row.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from mosy_sdmx.dataset import Dataset, LocalisedText, is_multi_value
from mosy_sdmx.io.sdmx_ml._write_columns import Fragments, escape_attr, factorize, value_text

#: Escapes for element content (attribute escaping also covers it).
escape_text = escape_attr


def complex_columns(dataset: Dataset, names) -> list[str]:
    """Those of ``names`` whose column holds a multi-valued or multilingual cell."""
    data = dataset.data
    return [
        n
        for n in names
        if n in data.columns and data[n].dtype == object and any(map(is_multi_value, data[n]))
    ]


def comp_xml(component: str, value: Any, type_name: str, common_prefix: str) -> str:
    """One ``<Comp>`` element for a cell value (one value, a tuple, a LocalisedText)."""
    values = value if isinstance(value, tuple) else (value,)
    inner = "".join(_value(v, common_prefix) for v in values)
    return f'<Comp id="{component}" xsi:type="{type_name}">{inner}</Comp>'


def _value(value: Any, common_prefix: str) -> str:
    if isinstance(value, LocalisedText):
        texts = "".join(
            f'<{common_prefix}:Text xml:lang="{escape_attr(lang)}">{escape_text(text)}'
            f"</{common_prefix}:Text>"
            for lang, text in value.items()
        )
        return f"<Value>{texts}</Value>"
    return f"<Value>{escape_text(value_text(value))}</Value>"


def comp_fragments(
    column: pd.Series, component: str, type_name: str, common_prefix: str
) -> Fragments:
    """A column as per-row ``<Comp>`` fragments (empty where the cell is missing)."""
    codes, uniques = factorize(column)
    table = [comp_xml(component, v, type_name, common_prefix) for v in uniques]
    table.append("")
    return Fragments(codes, pa.array(table, type=pa.string()))


def obs_close(data: pd.DataFrame, columns: list[str]) -> tuple[Fragments, Fragments]:
    """How each ``<Obs`` ends: ``/>`` without Comp children, ``>`` ... ``</Obs>`` with."""
    has = np.zeros(len(data), dtype=bool)
    for name in columns:
        has |= data[name].notna().to_numpy()
    codes = has.astype(np.int64)
    opening = Fragments(codes, pa.array(["/>\n", ">", ""], type=pa.string()))
    closing = Fragments(codes, pa.array(["", "</Obs>\n", ""], type=pa.string()))
    return opening, closing
