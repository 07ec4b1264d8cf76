"""SDMX-CSV 2.0 cells holding several values or texts in several languages.

The header's first column names a sub-field separator (``STRUCTURE[;]``); a
multi-valued component's header ends in ``[]`` (``ATTR_1[]``) and a
multilingual one's in its languages (``ATTR_2[en;fr]``). Cells then read::

    Value X;Value Y                      two values
    en:Any Value;fr:N'importe            one text in two languages
    "en:V1;fr:W1";"en:V2;de:W2"          two texts, each in its languages

(after the CSV layer's own quoting). A sub-value that holds the separator or
a double quote is itself quoted, with inner quotes doubled, as the field
guide does for nested values. These functions turn such cells into the
Dataset's cell values (tuples, ``LocalisedText``) and back.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from mosy_sdmx.dataset import LocalisedText, is_multi_value

_LANGUAGE = re.compile(r"^([A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*):(.*)$", re.DOTALL)


def split_subfields(text: str, separator: str) -> list[str]:
    """Split on ``separator`` outside double-quoted groups; groups are unquoted."""
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    i = 0
    while i < len(text):
        char = text[i]
        if quoted:
            if char == '"' and text[i + 1 : i + 2] == '"':
                current.append('"')
                i += 1
            elif char == '"':
                quoted = False
            else:
                current.append(char)
        elif char == '"' and not current:
            quoted = True
        elif text.startswith(separator, i):
            parts.append("".join(current))
            current = []
            i += len(separator) - 1
        else:
            current.append(char)
        i += 1
    parts.append("".join(current))
    return parts


def _localised(parts: list[str]) -> LocalisedText | None:
    pairs = []
    for part in parts:
        match = _LANGUAGE.match(part)
        if match is None:
            return None
        pairs.append((match.group(1), match.group(2)))
    return LocalisedText(pairs)


def parse_cell(text: Any, separator: str, multilingual: bool) -> Any:
    """One cell of a ``[]`` or ``[en;fr]`` column as a Dataset cell value."""
    if text is None or (isinstance(text, float) and pd.isna(text)) or text == "":
        return None
    text = str(text)
    if multilingual:
        if text.startswith('"'):  # several texts, each a quoted group
            texts = [
                _localised(split_subfields(g, separator)) for g in split_subfields(text, separator)
            ]
            if all(t is not None for t in texts):
                return texts[0] if len(texts) == 1 else tuple(texts)
        text_value = _localised(split_subfields(text, separator))
        if text_value is not None:
            return text_value
    parts = split_subfields(text, separator)
    return parts[0] if len(parts) == 1 else tuple(parts)


def parse_column(series: pd.Series, brackets: str, separator: str | None) -> pd.Series:
    """A ``[]``/``[en;fr]`` column's cells as values (an object column when any is multiple)."""
    separator = separator or ";"
    multilingual = brackets.strip() != ""
    values = [parse_cell(v, separator, multilingual) for v in series.astype(object)]
    if any(is_multi_value(v) for v in values):
        return pd.Series(values, index=series.index, dtype=object)
    return pd.Series(values, index=series.index, dtype=object).astype("category")


def _quoted(text: str, separator: str) -> str:
    if separator in text or '"' in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def _text(value: LocalisedText, separator: str) -> str:
    return separator.join(f"{lang}:{text}" for lang, text in value.items())


def format_cell(value: Any, separator: str) -> str | None:
    """A Dataset cell value as the text of a multi-valued or multilingual cell."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, LocalisedText):
        return _text(value, separator)
    if isinstance(value, tuple):
        if any(isinstance(v, LocalisedText) for v in value):
            return separator.join(
                '"' + _text(v, separator).replace('"', '""') + '"'
                if isinstance(v, LocalisedText)
                else _quoted(str(v), separator)
                for v in value
            )
        return separator.join(_quoted(str(v), separator) for v in value)
    return _quoted(str(value), separator)


def header_brackets(series: pd.Series) -> str | None:
    """``"[]"``, ``"[en;fr]"`` (the languages used) or None for a plain column."""
    if series.dtype != object:
        return None
    cells = [v for v in series if is_multi_value(v)]
    if not cells:
        return None
    languages: dict[str, None] = {}
    for cell in cells:
        for value in cell if isinstance(cell, tuple) else (cell,):
            if isinstance(value, LocalisedText):
                languages.update(dict.fromkeys(value))
    return "[" + ";".join(languages) + "]"
