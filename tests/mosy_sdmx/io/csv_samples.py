"""THB SDMX-CSV 2.0 text for the CSV reader tests: a header, a row pattern, good rows."""

from __future__ import annotations

THB_HEADER = (
    "STRUCTURE,STRUCTURE_ID,ACTION,FREQ,REF_AREA,DATA_SOURCE,PERS_STAT,SEX,AGE,CITIZEN,EXPLOIT,"
    "TIME_PERIOD,OBS_VALUE,OBS_STATUS"
)
THB_ROW = "dataflow,MOSY:DF_THB_VICTIMS(1.0),I,A,AT,POL,PER_VICT,F,Y_GE18,AT,SEX,{year},{value},A"


def thb_csv(rows: list[str], header: str = THB_HEADER, newline: str = "\n") -> bytes:
    return (newline.join([header, *rows]) + newline).encode("utf-8")


def good_rows(n: int = 3) -> list[str]:
    return [THB_ROW.format(year=2015 + i, value=10 * i) for i in range(n)]
