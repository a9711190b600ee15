"""Every limit and tolerance of the pipeline in one validated object, read once per command.

`Settings.from_env()` reads the `LPS_*` environment variables (pydantic-settings) when a command
starts, and the object is passed down to the stages that need it: the byte cap to planning and
fetching, the parse time and memory to the guard, the batch size to the flows. A value that is
not a number, or out of range, is an error that names the variable (`BadSetting`), never a
silent fall back to the default.

| variable | default | what |
|---|---|---|
| `LPS_MAX_BYTES` | 50 MB | largest file read or downloaded as a leaflet |
| `LPS_MAX_PAGES` | 40 | most pages a leaflet may have (checked by the extractor) |
| `LPS_PARSE_SECONDS` | 60 | longest one document may take to parse |
| `LPS_PARSE_MEMORY_MB` | 2048 | address space of the parsing child; 0 for no cap |
| `LPS_MAX_BATCH` | 20 | most documents one extract task takes |
| `LPS_RAW` | `raw/` beside the warehouse | the raw store |
| `LPS_OCR` | 1 | read scanned pages by OCR (when the OCR extra is installed); 0 refuses them |
| `LPS_OCR_MIN_CONFIDENCE` | 0.8 | the OCR confidence (0-1) every word of a figure's line needs |
| `LPS_OCR_DPI` | 300 | resolution scanned pages are rendered at for OCR |
| `LPS_OCR_MIN_DPI` | 150 | scans coarser than this are refused without OCR |
| `LPS_OCR_PAGE_SECONDS` | 60 | time each page read by OCR adds to a document's parse time |
| `LPS_FOLLOW_LINKS` | false | read links that lead out of an ingested folder (`--follow-links`) |

The page cap reaches the extractor as an argument (`extract_document(data, max_pages)`, passed
by the guard's child); no stage reads the environment itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["BadSetting", "OcrOptions", "Settings"]

MB = 1024 * 1024


@dataclass(frozen=True)
class OcrOptions:
    """The OCR settings a parsing child needs (from `Settings`)."""

    enabled: bool = True
    min_confidence: float = 0.8
    dpi: int = 300
    page_seconds: float = 60.0
    min_dpi: int = 150


class BadSetting(ValueError):
    """An `LPS_*` environment variable that is not a valid value."""


class Settings(BaseSettings):
    """The pipeline's limits and tolerances (see the module docstring for each)."""

    model_config = SettingsConfigDict(
        env_prefix="LPS_", env_ignore_empty=True, frozen=True, extra="ignore"
    )

    max_bytes: int = Field(default=50 * MB, gt=0)
    max_pages: int = Field(default=40, gt=0)
    parse_seconds: float = Field(default=60.0, gt=0)
    parse_memory_mb: int = Field(default=2048, ge=0)
    max_batch: int = Field(default=20, gt=0)
    raw: Path | None = None
    ocr: bool = True
    ocr_min_confidence: float = Field(default=0.8, gt=0, le=1)
    ocr_dpi: int = Field(default=300, ge=100, le=600)
    ocr_min_dpi: int = Field(default=150, ge=50, le=600)
    ocr_page_seconds: float = Field(default=60.0, gt=0)
    #: Read files found in a folder that are links leading out of it (`pipeline.links`).
    follow_links: bool = False

    @classmethod
    def from_env(cls) -> Settings:
        """The settings in force: defaults overridden by `LPS_*` variables. Raises `BadSetting`
        naming the variable and its value when one is not valid."""
        try:
            return cls()
        except ValidationError as error:
            problems = "; ".join(
                f"LPS_{str(problem['loc'][0]).upper()}={problem.get('input')!r}: {problem['msg']}"
                for problem in error.errors()
            )
            raise BadSetting(f"invalid setting {problems}") from None

    def ocr_options(self) -> OcrOptions:
        """What the parsing child needs of the OCR settings."""
        return OcrOptions(enabled=self.ocr, min_confidence=self.ocr_min_confidence,
                          dpi=self.ocr_dpi, page_seconds=self.ocr_page_seconds,
                          min_dpi=self.ocr_min_dpi)

    def raw_dir(self, db_path: str | Path) -> Path:
        """The raw store: `LPS_RAW`, else `raw/` beside the warehouse file."""
        return self.raw if self.raw is not None else Path(db_path).resolve().parent / "raw"
