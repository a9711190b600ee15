"""The OCR stage: pages that are pictures read from their pixels, and the gate before loading.

A scanned leaflet's pages are images; a scan someone ran through OCR also carries an invisible
text layer. Neither is read from the text layer. `PageOcr` is the extractor's `ImageReader`: it
renders each such page, reads it with the OCR engine (`pdfpage.ocr`) and hands the edition
readers the words it found (with the engine's confidence) and the ink no word explains (as
shapes, so an unread mark refuses its row as an unknown drawn shape does); the same readers and
the same checks of the leaflet against itself then run as for a born-digital leaflet.

An existing OCR layer is a claim about the image, not a reading of it: every figure-bearing word
the engine reads is compared with the layer's word at the same place, and the words are marked
'ocr checked against layer' only where they agree; any figure on which they differ, or that one
of them has and the other not, refuses the document.

`gate` is the last word before the warehouse: on every page read by OCR, each line that carries a
figure, a sign, a percentage or a mark must have every word read at a confidence of at least
`LPS_OCR_MIN_CONFIDENCE`, and no ink the engine left unread may stand beside a figure (a minus
sign it missed would flip the figure's sign). Anything else quarantines the document, naming the
lines, the words and the confidence that failed, and what would make the scan readable.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pdfplumber.utils.text import extract_words
from PIL import Image

from extractors.errors import UnreadableDocument
from extractors.layout import ImagePage, Line, Word, page_lines
from pdfpage.content import PageContent, Shape, drawn_text_page
from pdfpage.ocr_doubts import MARK_WORDS
from pdfpage.settings import SETTINGS
from pipeline.failures import TIMED_OUT
from pipeline.settings import OcrOptions
from schemas.records import FigureCell, Reading

if TYPE_CHECKING:  # the engine's module loads numpy: imported when a page needs OCR, so a
    # guarded child that reads born-digital leaflets stays small (`pdfpage.ocr`)
    from pdfpage.ocr import OcrEngine, OcrPage, OcrWord

__all__ = [
    "BETTER_SCAN",
    "PageOcr",
    "gate",
    "ocr_cells",
    "ocr_unavailable",
    "scan_refusal",
]

#: What makes a refused scan readable, said with every refusal of one.
BETTER_SCAN = ("a cleaner scan (300 dpi or more, straight, without speckle) or the original "
               "PDF would load")

#: A list bullet, judged by its shape (`pdfpage.ocr`), not by what the engine made of it.
_BULLET = "\u2022"
#: A word that carries a figure, a sign or a percentage.
_FIGURE = re.compile(r"[0-9%£+\u2212\u2013]|^-$|^[-\u2212\u2013]\d")
#: Words of the marks editions print beside a row ('Target achieved', 'Yes', 'No', a tick).
_MARK = re.compile(
    rf"(?i)^({'|'.join(sorted(MARK_WORDS))}|[\u2713\u2714\u2717\u2718\u00d7\u25cf\u25cb])$")


@dataclass
class _PageRead:
    number: int
    ocr: OcrPage
    words: list[Word]
    layer: bool
    disagreements: list[str] = field(default_factory=list)


def ocr_unavailable() -> str | None:
    """Why OCR cannot run here (and how to enable it), or None when it can."""
    from pdfpage.ocr import OcrUnavailable, ocr_engine

    try:
        ocr_engine()
    except OcrUnavailable as error:
        return str(error)
    return None


def scan_refusal(layer: bool, why: str) -> str:
    """The quarantine reason for a scan met where OCR cannot run (`why`, which says what to
    install), as the archivist reads it."""
    what = ("its text is an invisible OCR layer over page images, a claim that is loaded only "
            "where this project's own OCR of the images agrees" if layer
            else "a scan: its pages are images with no text layer")
    return f"{what}; {why.rstrip('.')}, or find the original PDF"


def _is_figure(text: str) -> bool:
    return bool(_FIGURE.search(text)) or bool(_MARK.match(text))


def _word(word: OcrWord, read_by: str, min_confidence: float) -> Word:
    """The page model's word for what OCR read; in doubt (`Word.doubt`) where the engine is
    less sure of it than the gate asks (`min_confidence`): a figure's line is refused by
    `gate` then, and a word that is no figure, a ward's name say, is refused by the reader
    that would load it as printed."""
    doubt = word.doubt
    if not doubt and word.confidence is not None and word.confidence < min_confidence:
        doubt = f"read at confidence {word.confidence:.2f}, under the {min_confidence:.2f} needed"
    return Word(text=word.text, x0=word.x0, x1=word.x1, top=word.top, bottom=word.bottom,
                size=word.size, bold=word.bold, read_by=read_by, confidence=word.confidence,
                doubt=doubt, ink=word.ink)


def _on_trimmed_page(box: tuple[float, float, float, float],
                     trim: tuple[float, float, float, float] | None) -> bool:
    """Whether what OCR found at `box` is on the trimmed page: with a trim box (a print-ready
    file), a word or ink whose centre lies outside it is a printers' mark (the slug's file
    name and date, a crop mark), cut off before any reader sees the page, as the text layer's
    own are (`pdfpage.content`); it is not read as the page's text, nor judged by the gate."""
    if trim is None:
        return True
    x0, top, x1, bottom = trim
    return x0 <= (box[0] + box[2]) / 2 <= x1 and top <= (box[1] + box[3]) / 2 <= bottom


def _shape(box: tuple[float, float, float, float]) -> Shape:
    """Unread ink as the edition readers meet a drawn path: a small one in a mark column is an
    unknown mark (the row is not read), a long thin one a rule (ignored)."""
    x0, top, x1, bottom = box
    return Shape(x0=x0, top=top, x1=x1, bottom=bottom, kind="curve", fill=False, stroke=True,
                 fill_color=None, stroke_color=(0.0, 0.0, 0.0), linewidth=1.0, points=())


def _blank(image: Image.Image) -> bool:
    """Whether a page image holds nothing to read: next to no ink (a blank page), or one flat
    tone all over (nothing stands out from it)."""
    from pdfpage.scan_image import INK_LEVEL

    grey = image.convert("L").reduce(4)
    used = [tone for tone, count in enumerate(grey.histogram()) if count]
    if used[-1] - used[0] < 40:
        return True
    dark = sum(grey.histogram()[:INK_LEVEL])
    return dark < 0.0002 * grey.width * grey.height


def _native_dpi(page: Any) -> float | None:
    """The resolution of the page's images as placed on it (the coarsest of those covering a
    tenth of the page or more), None when it has none."""
    area = float(page.width) * float(page.height)
    found = []
    for image in page.images:
        width, height = float(image["width"]), float(image["height"])
        pixels = image.get("srcsize") or (0, 0)
        if width * height >= 0.1 * area and width > 0 and pixels[0]:
            found.append(float(pixels[0]) / (width / 72))
    return min(found) if found else None


def _layer_words(page: Any) -> list[dict[str, Any]]:
    """The words of the page's text layer, invisible ones included (the OCR layer's claim)."""
    return [w for w in extract_words(page.chars, x_tolerance=1.5, y_tolerance=2)
            if w.get("upright", True)]


def _claimed(word: OcrWord, layer: Sequence[dict[str, Any]]) -> str:
    """What the layer says where the engine read `word`: the layer's words whose centres fall
    inside the word's box (grown by a point), left to right, in the engine's spelling (any
    minus glyph before a figure is one minus sign)."""
    from pdfpage.ocr import normalised

    inside = [w for w in layer
              if word.x0 - 1 <= (float(w["x0"]) + float(w["x1"])) / 2 <= word.x1 + 1
              and word.top - 1 <= (float(w["top"]) + float(w["bottom"])) / 2 <= word.bottom + 1]
    return " ".join(normalised(str(w["text"]))
                    for w in sorted(inside, key=lambda w: float(w["x0"])))


class PageOcr:
    """Reads picture pages with the OCR engine (an `extractors.layout.ImageReader`), keeping
    what it read for `gate` and the document's `Reading`. `progress` is told before each page
    (the guard gives each page read by OCR its own time)."""

    def __init__(self, options: OcrOptions,
                 progress: Callable[[int], None] | None = None) -> None:
        self.options = options
        self.progress = progress
        self.pages: list[_PageRead] = []
        #: The engine's own time limit for a page: a backstop for callers without the guard,
        #: which stops the child (and says so) well before it in an ingest.
        self.engine_seconds = 2 * options.page_seconds + 30
        self.skipped: list[int] = []  # blank or flat pages: nothing to read, no OCR run
        self.seconds: dict[int, float] = {}  # OCR time of each page read

    def __call__(self, page: Any, number: int, content: PageContent) -> ImagePage:
        from pdfpage.ocr import OcrUnavailable, read_image

        coarse = _native_dpi(page)
        if coarse is not None and coarse < self.options.min_dpi:
            raise UnreadableDocument(
                f"a scan of {coarse:.0f} dpi: too coarse for OCR to read figures surely (at "
                f"least {self.options.min_dpi} dpi is needed); {BETTER_SCAN}", page=number)
        if self.progress is not None:
            self.progress(number)
        dpi = self.options.dpi
        started = time.monotonic()
        try:
            image = page.to_image(resolution=dpi, antialias=True).original
            if _blank(image):
                self.skipped.append(number)
                return ImagePage(())
            read = read_image(image, dpi, timeout=self.engine_seconds,
                              drawn=drawn_text_page(content))
            self.seconds[number] = time.monotonic() - started
        except OcrUnavailable as error:
            raise UnreadableDocument(scan_refusal(bool(content.hidden), str(error)),
                                     page=number) from error
        except RuntimeError as error:  # pytesseract's timeout: a limit of the run, not a verdict
            raise UnreadableDocument(
                f"{TIMED_OUT}{self.engine_seconds:g} s to read page {number} by OCR: stopped; a "
                "smaller scan (300 dpi, greyscale) reads faster, or raise LPS_OCR_PAGE_SECONDS"
            ) from error
        layer = bool(content.hidden)
        claims = _layer_words(page) if layer else []
        words: list[Word] = []
        disagreements: list[str] = []
        trimmed = [w for w in read.words
                   if _on_trimmed_page((w.x0, w.top, w.x1, w.bottom), content.trim_box)]
        for word in trimmed:
            read_by = "ocr"
            if layer and word.text != _BULLET:  # a bullet is judged by its shape
                claim = _claimed(word, claims)
                if claim == word.text:
                    read_by = "ocr checked against layer"
                elif _is_figure(word.text) or _is_figure(claim):
                    said = f"'{claim}'" if claim else "nothing"
                    disagreements.append(
                        f"the OCR layer says {said} where the page image reads '{word.text}'")
            words.append(_word(word, read_by, self.options.min_confidence))
        if layer:
            read_boxes = [(w.x0, w.top, w.x1, w.bottom) for w in read.words]
            for claim_word in claims:
                cx = (float(claim_word["x0"]) + float(claim_word["x1"])) / 2
                cy = (float(claim_word["top"]) + float(claim_word["bottom"])) / 2
                if _is_figure(str(claim_word["text"])) and not any(
                        x0 - 1 <= cx <= x1 + 1 and top - 1 <= cy <= bottom + 1
                        for x0, top, x1, bottom in read_boxes):
                    disagreements.append(
                        f"the OCR layer says '{claim_word['text']}' where the page image shows "
                        "no word")
        self.pages.append(_PageRead(number, read, words, layer, disagreements))
        unread = [box for box in read.unread if _on_trimmed_page(box, content.trim_box)]
        return ImagePage(tuple(words), tuple(_shape(box) for box in unread))

    def reading(self) -> Reading:
        """How the document was read (after extraction)."""
        if not self.pages:
            return Reading()
        engine: OcrEngine = self.pages[0].ocr.engine
        layered = all(page.layer for page in self.pages)
        confidences = [w.confidence for page in self.pages for w in page.words
                       if w.confidence is not None and _is_figure(w.text)]
        return Reading(
            read_by="ocr checked against layer" if layered else "ocr",
            ocr_engine=engine.name, ocr_engine_version=engine.version,
            ocr_pages=[page.number for page in self.pages],
            min_confidence=min(confidences) if confidences else None)


def _figure_lines(page: _PageRead) -> list[Line]:
    return [line for line in page_lines(page.words, page.number, SETTINGS)
            if any(_is_figure(word.text) for word in line.words)]


def _beside(box: tuple[float, float, float, float], word: Word) -> bool:
    """Whether unread ink at `box` stands on `word`'s line within a word space of it."""
    x0, top, x1, bottom = box
    middle = (top + bottom) / 2
    if not word.top <= middle <= word.bottom:
        return False
    reach = 0.6 * word.size
    return word.x0 - reach <= x1 and x0 <= word.x1 + reach


def gate(reader: PageOcr, threshold: float) -> str | None:
    """The quarantine reason when any figure read by OCR is not sure enough (see the module
    docstring), else None."""
    problems: list[str] = []
    for page in reader.pages:
        problems += [f"page {page.number}: {what}" for what in page.disagreements]
        for line in _figure_lines(page):
            weak = [w for w in line.words if w.confidence is not None
                    and w.confidence < threshold and w.text != _BULLET]
            if weak:
                words = ", ".join(f"'{w.text}' {w.confidence:.2f}" for w in weak)
                problems.append(f"page {page.number}, line '{line.text}': {words}")
        figures = [w for w in page.words if _FIGURE.search(w.text)]
        for box in page.ocr.unread:
            near = next((w for w in figures if _beside(box, w)), None)
            if near is not None:
                problems.append(
                    f"page {page.number}: ink beside '{near.text}' that OCR could not read "
                    "(a sign or a digit?)")
    if not problems:
        return None
    shown = "; ".join(problems[:4]) + (f"; and {len(problems) - 4} more" if len(problems) > 4
                                       else "")
    return (f"scanned leaflet not loaded: {len(problems)} problem(s) with figures read by OCR "
            f"(confidence needed: {threshold:.2f}): {shown}; {BETTER_SCAN}")



def ocr_cells(cells: Sequence[FigureCell], reader: PageOcr) -> list[FigureCell]:
    """The figure cells, those on pages read by OCR saying so: how their words were read
    ('ocr checked against layer' only when every word in the cell was) and the confidence of
    the least sure word whose centre lies in the cell's box."""
    pages = {page.number: page for page in reader.pages}
    result = []
    for cell in cells:
        page = pages.get(cell.page)
        if page is None:
            result.append(cell)
            continue
        inside = [w for w in page.words
                  if cell.x0 - 1 <= w.centre_x <= cell.x1 + 1
                  and cell.top - 1 <= w.middle <= cell.bottom + 1 and w.text != _BULLET]
        checked = bool(inside) and all(w.read_by == "ocr checked against layer" for w in inside)
        sure = [w.confidence for w in inside if w.confidence is not None]
        result.append(cell.model_copy(update={
            "read_by": "ocr checked against layer" if checked else "ocr",
            "confidence": min(sure) if sure else None}))
    return result
