"""Pictures of what a template found on each page, for template authors (`lps debug`).

A thin layer over the extractor's own pieces: the template `registry.select_template` picks,
its `HEADINGS` through `sections.split_sections`, the tables it reads through
`regions.table_regions`, and the records `parse` returns, drawn with pdfplumber's
`page.to_image()`. Each word is filled in its role's colour, with a legend
(`pipeline.role_picture`); blue each section found (its name at the top left);
purple each table's outline and, thinner, its cells; green the line a figure was read from;
orange the word holding the figure; red a refusal (no template, an extraction error, a table
that cannot be read) or a review item, written at the top of page 1, and the refusal again at
the foot of the page it names.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from PIL import ImageDraw

from extractors.errors import ExtractionError
from extractors.layout import Leaflet, Line, Word
from extractors.page_roles import page_roles
from extractors.reader import open_pdf
from extractors.regions import TableRegion, table_regions
from extractors.registry import select_template
from extractors.sections import split_sections
from pipeline.role_picture import draw_refusal, draw_roles

__all__ = ["draw_pages", "figure_words"]

_RESOLUTION = 110
_TABLE = (140, 40, 180)
_DIGITS = re.compile(r"\d+(?:\.\d+)?")


def _box(items: Iterable[Word]) -> tuple[float, float, float, float]:
    words = list(items)
    return (min(w.x0 for w in words), min(w.top for w in words),
            max(w.x1 for w in words), max(w.bottom for w in words))


def _figures_of(record: Any) -> list[str]:
    texts = []
    for name in ("change_count", "change_pct", "count_previous", "count_current", "value_pct",
                 "target_change_pct", "target_value_pct"):
        value = getattr(record, name, None)
        if value is not None:
            number = abs(value)
            texts.append(f"{number:g}" if isinstance(number, float) else f"{number:,}")
    return texts


def figure_words(lines: Iterable[Line], record: Any) -> list[tuple[Line, Word]]:
    """Words on the record's page whose number is one of the record's figures (first match
    per figure, preferring lines that also carry a word of the record's label)."""
    label_words = set(str(getattr(record, "label", "")).lower().split())
    candidates = sorted(lines, key=lambda line: -len(label_words & {
        w.text.lower() for w in line.words}))
    found: list[tuple[Line, Word]] = []
    for figure in _figures_of(record):
        for line in candidates:
            match = next((w for w in line.words
                          if figure in _DIGITS.findall(w.text.replace(",", ""))
                          or figure in w.text), None)
            if match is not None:
                found.append((line, match))
                break
    return found


def draw_pages(data: bytes, out_dir: Path, pages: list[int] | None = None,
               stem: str = "page") -> list[Path]:
    """Write `<out_dir>/<stem>-<n>.png` for each page (all by default); returns the paths.

    Raises `IndexError` for a page the document does not have, before drawing anything."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with open_pdf(data) as pdf:
        leaflet = Leaflet(pdf)
        beyond = [n for n in pages or [] if not 1 <= n <= leaflet.page_count]
        if beyond:
            raise IndexError(f"no page {beyond[0]}: it has {leaflet.page_count}")
        notes: list[str] = []
        sections: list[Any] = []
        records: list[Any] = []
        tables: list[TableRegion] = []
        refused: ExtractionError | None = None
        try:
            template = select_template(leaflet)
            notes.append(f"template {template.NAME}")
            _, sections = split_sections(leaflet.lines(), getattr(template, "HEADINGS", {}),
                                         leaflet.settings)
            try:  # drawn even when parse refuses the document: it may show why
                tables = table_regions(template, sections, leaflet)
            except ValueError as error:  # GridError, TableError
                notes.append(f"REFUSED table: {error}")
            extraction = template.parse(leaflet)
            records = [*extraction.performance, *extraction.priorities,
                       *extraction.force_results]
            notes += [f"review: {r.item}: {r.detail}" for r in extraction.review]
        except (ExtractionError, ValueError) as error:
            notes.append(f"REFUSED: {error}")
            refused = error if isinstance(error, ExtractionError) else None
        for number in pages or range(1, leaflet.page_count + 1):
            lines = leaflet.page(number)
            image = pdf.pages[number - 1].to_image(resolution=_RESOLUTION)
            draw_roles(image, page_roles(leaflet, sections, tables, number), _RESOLUTION)
            if refused is not None and refused.page == number:
                draw_refusal(image, str(refused))
            labels = []
            for section in sections:
                own = [w for line in section.lines if line.page == number for w in line.words]
                if own:
                    box = _box(own)
                    image.draw_rect(box, stroke=(30, 90, 220), fill=None, stroke_width=2)
                    labels.append((box, section.name, (30, 90, 220)))
            for table in tables:
                outline = table.box(number)
                if outline is None:
                    continue
                image.draw_rects([(c.x0, c.top, c.x1, c.bottom) for c in table.cells
                                  if c.page == number], stroke=_TABLE, fill=None,
                                 stroke_width=1)
                image.draw_rect(outline, stroke=_TABLE, fill=None, stroke_width=3)
                labels.append((outline, f"table: {table.section}", _TABLE))
            for record in records:
                if getattr(record, "page", None) != number:
                    continue
                for line, word in figure_words(lines, record):
                    image.draw_rect(_box(line.words), stroke=(20, 160, 60), fill=None)
                    image.draw_rect(_box([word]), stroke=(240, 130, 0), fill=None,
                                    stroke_width=2)
            scale = _RESOLUTION / 72
            draw = ImageDraw.Draw(image.annotated)
            for box, text, colour in labels:
                draw.text((box[0] * scale, box[1] * scale - 11), text, fill=colour)
            if number == (pages or [1])[0]:
                chars = max(40, image.annotated.width // 6)  # PIL's default font: ~6 px a char
                rows = [(row, (200, 0, 0) if note.startswith(("REFUSED", "review")) else
                         (0, 0, 0)) for note in notes for row in textwrap.wrap(note, chars)]
                for index, (row, colour) in enumerate(rows):
                    draw.text((4, 4 + 12 * index), row, fill=colour)
            path = out_dir / f"{stem}-{number}.png"
            image.save(path)
            written.append(path)
    return written
