"""Every tolerance the extraction engine uses, in one validated object read once.

As pdfplumber keeps its table-finding tolerances in `TableSettings`, the engine keeps its own
here: how close words must be to share a line, how wide a gap makes a column gutter, how far a
figure may sit from its row. Templates declare vocabulary and grammar, never numbers like these.
All distances are in PDF points unless the name says `_em` (multiples of the font size).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SETTINGS", "EngineSettings"]


@dataclass(frozen=True)
class EngineSettings:
    """Tolerances of the layout, section and table readers."""

    #: Characters this close (points) join into one word (pdfplumber's x_tolerance).
    word_x_tolerance: float = 1.5
    #: Characters whose tops are this close share a line when joined into words.
    word_y_tolerance: float = 2.0
    #: Words whose bottoms are this close (points) share a baseline.
    baseline_tolerance: float = 2.5
    #: A gap wider than this many font sizes splits a baseline into pieces (a space is ~0.3 em).
    piece_gap_em: float = 0.75
    #: A column gutter is at least this wide (points) ...
    gutter_min_width: float = 6.0
    #: ... crossed by fewer than this share of the page's pieces (full-width bands) ...
    gutter_max_crossing: float = 0.2
    #: ... or of a column's or strip's pieces, once the page has been cut ...
    gutter_max_crossing_inside: float = 0.1
    #: A line spans a gutter (a title band, a full-width table row) only when it reaches this
    #: far into the columns on both sides; a long URL overflowing into a gutter does not.
    gutter_span_margin: float = 20.0
    #: ... with at least this many pieces entirely on each side.
    gutter_min_side_pieces: int = 1
    #: Lines of one heading are at most this many font sizes apart.
    heading_leading_em: float = 0.8
    #: Within a table cell, stacked lines are at most this many font sizes apart.
    cell_leading_em: float = 0.9
    #: Words on one line closer than this many font sizes belong to one cell.
    cell_gap_em: float = 1.0
    #: ... and words of one figure cell ('427 offences or −12.5%'), closer than this.
    figure_gap_em: float = 2.0
    #: A figure or mark binds to a row when its vertical overlap with the row is at least this
    #: share of its height, and clearly more than its overlap with any other row.
    row_overlap_min: float = 0.3
    #: A drawn mark (badge, tick) is at most this many points tall or wide.
    mark_max_size: float = 40.0

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if value <= 0:
                raise ValueError(f"engine setting {name} must be positive, not {value}")


SETTINGS = EngineSettings()
