"""Wide tables: one per measure, a row per borough (all 32) and a column per financial year.

Each cell is the measure's headline figure as the codebook names it (`measures.figure`): the
percentage change in offences on the previous year for a count measure, the rate itself for a
rate measure. A borough with no loaded leaflet for a year has an empty cell; so does a cell two
loaded leaflets disagree on (the long tables keep both rows).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

__all__ = ["WideTable", "wide_tables"]


@dataclass(frozen=True)
class WideTable:
    """One measure's borough x year table."""

    measure: str
    name: str
    unit: str
    figure: str  # 'change_pct' or 'value_pct'
    direction: str
    periods: tuple[str, ...]
    rows: tuple[tuple[str, str, tuple[float | None, ...]], ...]  # (area_code, area, values)

    @property
    def columns(self) -> list[str]:
        return ["area_code", "area", *self.periods]

    def describe_period(self, period: str) -> str:
        """What a year's column holds, in words."""
        if self.figure == "change_pct":
            start = int(period[:4]) - 1
            previous = f"{start}/{(start + 1) % 100:02d}"
            return (f"{self.name} in {period}: percentage change in recorded offences on "
                    f"{previous} (percent; negative = fewer offences; {self.direction}).")
        return f"{self.name} in {period} ({self.unit}; {self.direction})."


def wide_tables(conn: sqlite3.Connection) -> list[WideTable]:
    """A wide table for each codebook measure the warehouse has borough figures for."""
    tables = []
    measures = conn.execute(
        "SELECT measure, name, unit, figure, direction FROM measures ORDER BY rowid"
    ).fetchall()
    areas = conn.execute("SELECT area_code, area FROM areas ORDER BY area").fetchall()
    for measure, name, unit, figure, direction in measures:
        cells: dict[tuple[str, str], float | None] = {}
        for code, period, value in conn.execute(
            f"""SELECT area_code, period,
                       CASE WHEN count(DISTINCT [{figure}]) = 1 THEN max([{figure}]) END
                FROM performance_detail WHERE measure = ?
                GROUP BY area_code, period""",
            [measure],
        ):
            cells[(code, period)] = value
        if not cells:
            continue
        periods = tuple(sorted({period for _, period in cells}))
        rows = tuple(
            (code, area, tuple(cells.get((code, period)) for period in periods))
            for code, area in areas
        )
        tables.append(WideTable(measure, name, unit, figure, direction, periods, rows))
    return tables
