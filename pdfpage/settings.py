"""Every tolerance the page model and the readers use, in one validated object.

As pdfplumber keeps its table-finding tolerances in `TableSettings`, the page model keeps its
own here: how close words must be to share a line, how wide a gap makes a column gutter, how far
a figure may sit from its row, where page furniture stands, what slant makes a stamp. Templates
declare vocabulary and grammar, never numbers like these. All distances are in PDF points unless
the name says `_em` (multiples of the font size) or `_share` (of the page's height).
`SETTINGS` is the default, chosen once where a document is opened (`extractors.layout.Leaflet`,
the OCR stage); from there the one object is passed into every call of the page model and the
readers (each takes `settings` as an argument, none reads a module global), so a caller with
other tolerances gets them everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SETTINGS", "PageSettings"]


@dataclass(frozen=True)
class PageSettings:
    """Tolerances of the page model (words, lines, roles) and of the section and table
    readers."""

    #: Characters this close (points) join into one word (pdfplumber's x_tolerance).
    word_x_tolerance: float = 1.5
    #: Characters whose tops are this close share a line when joined into words.
    word_y_tolerance: float = 2.0
    #: Words whose bottoms are this close (points) share a baseline.
    baseline_tolerance: float = 2.5
    #: A gap wider than this many font sizes splits a baseline into pieces (a space is ~0.3 em).
    piece_gap_em: float = 0.75
    #: ... unless the line is a justified heading: bold words of one size whose gaps (three or
    #: more) differ by at most this many font sizes (justification spreads a line's spaces
    #: evenly; a table's cells do not) ...
    justified_gap_spread_em: float = 0.05
    #: ... and are at most this many font sizes wide.
    justified_max_gap_em: float = 2.0
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
    #: Under a header row (the 2008, 2009 and 2011 editions), words this many points left of a
    #: header cell's first word still start in its column ...
    grid_column_tolerance: float = 3.0
    #: ... and lines further apart than this many font sizes start a new row (cell padding, a
    #: rule).
    grid_row_gap_em: float = 0.5
    #: A drawn mark (badge, tick) is at most this many points tall or wide.
    mark_max_size: float = 40.0

    #: The same character drawn again within this many points is one character (fake bold).
    overprint_tolerance: float = 1.0

    # Roles (pdfpage.roles, pdfpage.words)
    #: Text whose baseline turns more than this many degrees is a stamp, not a line's words.
    stamp_min_angle: float = 5.0
    #: Text painted with a fill opacity under this is see-through: a stamp or an overlay.
    see_through_alpha: float = 0.8
    #: Characters of a stamp within this many font sizes of the last one join its word.
    overlay_join_em: float = 1.5
    #: Page furniture (running headers and footers, page numbers) stands in the top or bottom
    #: band of this share of the page's height.
    furniture_band_share: float = 0.1
    #: ... set apart from the page's own text by a gap of at least this many font sizes.
    furniture_gap_em: float = 1.5
    #: Text repeated on several pages stands at the same place within this many points.
    furniture_place_tolerance: float = 6.0
    #: A lone page number differs from the page's own number by at most this much (a cover
    #: left unnumbered).
    page_number_offset: int = 2
    #: A heading set apart by size only is at least this many times the body's size.
    heading_size_ratio: float = 1.15
    #: A heading set apart by space only has at least this many of its font sizes above it.
    heading_space_em: float = 0.8

    # The render check (pdfpage.render_check, pdfpage.glyph_shapes): shapes are 16 x 16, 0-1
    #: Two instances of one character in one font are the same glyph within this distance.
    same_glyph: float = 0.25
    #: Two characters of one font closer than this share a glyph.
    shared_glyph: float = 0.06
    #: A glyph is plainly another reference character when it is this much nearer to it ...
    shape_plainly: float = 0.04
    #: ... and at least this near to it.
    shape_near: float = 0.2
    #: A glyph turned more than this (radians, about 3 degrees) from its line is drawn on a
    #: slant: a stamp's letter, not the figure's.
    slant_radians: float = 0.05
    #: Ink of text this many pixels outside every glyph box read is more than rounding.
    stray_pixels: int = 3
    #: How far beside a figure's box (a share of its height) a drawn glyph counts as part of it.
    figure_reach: float = 0.5
    #: Non-text marks of at least this many pixels in a figure's box are something drawn there.
    mark_pixels: int = 6
    #: Two glyphs overlapping by this share of the narrower one are drawn over each other.
    overstruck_share: float = 0.35
    #: A glyph is drawn when text inked this share of its glyph box (a "1" fills about a fifth).
    drawn_share: float = 0.06
    #: A mark (a path or picture) at least this many times as tall as a figure's line, whose
    #: part on the line is like no digit or sign, is a graphic crossing the line (a table rule,
    #: a cell's border, the edge of a fill, a stamp's letter), not a character of the figure.
    graphic_min_lines: float = 2.0
    #: Characters this many of a figure's line heights beside its box (or above and below it)
    #: are its neighbours: their ink reaching into the box is theirs, not the figure's.
    neighbour_lines: float = 1.5
    #: A see-through stamp's letters leave ink at most this strong (0-255, half of black on
    #: white); ink as strong as print is no stamp's to take from the digit under it.
    see_through_ink: int = 128

    # A sign with no Unicode (pdfpage.sign_glyphs): a glyph its font gives no text for, right
    # before a figure's digits, read as a minus only when PDFium draws it as one lone bar
    #: It stands at most this many font sizes before the digit (a minus is set close).
    sign_gap_em: float = 0.3
    #: ... or overlaps it by at most this many font sizes (a kerned pair).
    sign_overlap_em: float = 0.1
    #: Its ink is rendered at this many pixels a point (432 dpi: a 0.7-point bar is 4 pixels).
    sign_render_scale: float = 6.0
    #: Runs of ink smaller than this many pixels are specks of anti-aliasing, not strokes.
    sign_speck_pixels: int = 3
    #: A bar is at least this many times as wide as it is thick ...
    sign_bar_min_aspect: float = 2.0
    #: ... at most this share of the digits' height thick ...
    sign_bar_max_thickness: float = 0.25
    #: ... inks at least this share of its box (solid, not a hollow or slanted stroke) ...
    sign_bar_min_solid: float = 0.8
    #: ... and its middle stands between these shares of the digits' height above their foot
    #: (a minus or hyphen about 0.3 to 0.5; an underscore under 0, an overline near 1).
    sign_bar_low: float = 0.2
    sign_bar_high: float = 0.7
    #: Every instance of the glyph is drawn alike: shapes within this distance (0-1).
    sign_same_glyph: float = 0.15

    # OCR (pdfpage.ocr): a page image read a second time where the first reading is in doubt
    #: Two words of the engine whose boxes share this much of the area they cover together are
    #: one ink read twice (the engine's line finder put one stretch in two of its lines).
    ocr_doubled_overlap: float = 0.3
    #: A word inside another line's word (this share of its box) and at most this share of
    #: its height is a sliver of that ink read as a line of its own.
    ocr_sliver_inside: float = 0.8
    ocr_sliver_height: float = 0.5
    #: A stretch or word taller than this many font sizes spans two lines: not read again.
    ocr_line_height_em: float = 1.6
    #: A gap wider than this many font sizes cuts an engine's line at a column gutter (the
    #: engine joins two columns' lines that stand level, measured 3.3 apart and more; a space
    #: is about 0.3, and the askew boxes of a stretch read twice stand up to 1.7 apart).
    ocr_column_gap_em: float = 2.5
    #: A word without digits or signs read at a confidence under this is read again on its
    #: own (a bold header word on a grey band read 'Ee' at 0.90, 'Ward' when read alone).
    ocr_reread_below: float = 0.95
    #: Around a word or stretch read again, this many font sizes of the page are kept.
    ocr_reread_margin_em: float = 0.2
    #: Ink no word of the page's reading explains, of a word's height (these many font sizes,
    #: least and most), is read again on its own; its words are kept at this confidence or
    #: more. A page with more such blobs than `ocr_unread_max` is speckled, not short of words.
    #: A word read as dashes only in a box taller than this many font sizes is letters misread
    #: (a dash's box is a tenth of the size high): read again on its own.
    ocr_dash_height_em: float = 0.4
    ocr_unread_least_em: float = 0.45
    ocr_unread_most_em: float = 1.4
    ocr_unread_min_confidence: float = 0.9
    ocr_unread_max: int = 24
    #: Blobs of unread ink on one line at most this many font sizes apart are one word's glyphs
    #: (a digit's ink stands about 0.1 from the next, a word space about 0.4).
    ocr_unread_join_em: float = 0.2
    #: An apostrophe's form read from its ink (`pdfpage.ocr_apostrophe`): the strokes standing
    #: clear above a word's letters (their foot more than `clear` font sizes above the
    #: baseline, their top at most `top` above it, `spare` of a size either side of the word's
    #: box), at least `tall` times as high as wide (a dot is as wide as high) ...
    ocr_apostrophe_clear_em: float = 0.3
    ocr_apostrophe_top_em: float = 1.0
    ocr_apostrophe_spare_em: float = 0.15
    ocr_apostrophe_tall: float = 1.25
    #: ... are upright (') when the centres of their rows move at most this many pixels across
    #: a pixel down, leaning (’) when at least this many (measured: ' 0, ’ 0.3 at 300 dpi),
    #: and in between of no form that can be told.
    ocr_apostrophe_upright: float = 0.1
    ocr_apostrophe_leaning: float = 0.2
    #: A mark read as a letter (`pdfpage.ocr_marks`): its ink is cut this many font sizes
    #: either side of the engine's box (less than a word space, so the next word stays out) ...
    ocr_mark_spare_em: float = 0.15
    #: ... and it means what the key's mark it is like means when its ink is at most `near`
    #: from that mark's (0-1, `glyph_shapes.shape_distance`) and the key's other mark is at
    #: least `margin` further (`extractors.marks.keyed_mark`; measured on the 2010/11 scans at
    #: 300 dpi: 0.027 to 0.106 from the key's own mark, 0.188 to 0.255 from the other, the
    #: nearer at least 0.117 nearer).
    ocr_mark_near: float = 0.15
    ocr_mark_margin: float = 0.06
    #: A minus the line reading left out, taken from the figure's reading alone
    #: (`pdfpage.ocr_sign`): that reading's least sure glyph at this confidence or more, ...
    ocr_sign_min_confidence: float = 0.9
    #: ... its ink one lone bar (`sign_bar_*`) at most this many of the digits' heights before
    #: the first digit (a minus is set close: 0.17 measured; a dash used as a bullet stands a
    #: word space on, 0.55 and more) ...
    ocr_sign_gap: float = 0.35
    #: ... with clear paper this many of the digits' heights before it, and above and below
    #: the digits' rows (a bar reaching further is a rule or part of another mark).
    ocr_sign_clear: float = 0.3

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if value <= 0:
                raise ValueError(f"page setting {name} must be positive, not {value}")


SETTINGS = PageSettings()
