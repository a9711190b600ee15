"""Why a document could not be read, in words a person can act on.

The page layer raises `UnreadableDocument` (not a PDF, damaged, hidden text); the editions in
`extractors` add their own kinds of `ExtractionError`. The flow turns any of them into a
quarantine record with `reason` set to `str(error)`.
"""

from __future__ import annotations

__all__ = ["ExtractionError", "UnreadableDocument"]


class ExtractionError(Exception):
    """A document that cannot be loaded. `str(error)` is the quarantine reason."""

    def __init__(
        self, message: str, *, page: int | None = None, template: str | None = None,
        text: str | None = None,
    ) -> None:
        self.message = message
        self.page = page
        self.template = template
        self.text = text
        super().__init__(message)

    def __str__(self) -> str:
        where = []
        if self.template:
            where.append(f"template {self.template}")
        if self.page:
            where.append(f"page {self.page}")
        context = f" [{', '.join(where)}]" if where else ""
        quoted = f' (text: "{self.text[:120]}")' if self.text else ""
        return f"{self.message}{quoted}{context}"


class UnreadableDocument(ExtractionError):
    """Not a PDF, empty, truncated, encrypted, or without a text layer."""
