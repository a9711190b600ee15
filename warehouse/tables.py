"""The warehouse's table names: one list that the migrations, the loader, the digests and the
checks all read, so none of them imports another to learn it."""

from __future__ import annotations

__all__ = ["CHILD_TABLES", "FIGURE_TABLES", "PROVENANCE_TABLES", "TABLES"]

#: Tables holding one document's extracted records, in load order.
CHILD_TABLES = (
    "performance",
    "priorities",
    "force_results",
    "sections",
    "review_items",
    "ward_priorities",
)

#: Child tables holding figures (the rest hold prose and notes): two documents whose rows in
#: these agree report the same figures.
FIGURE_TABLES = ("performance", "priorities", "force_results", "ward_priorities")

#: Tables of what is known about a document besides its records (migration m009): where each
#: figure stands on its page, and where a quarantined leaflet belongs. Replaced with the
#: document, and sealed with its provenance (`warehouse.digests.provenance_digest`).
PROVENANCE_TABLES = ("figure_cells", "quarantine_placements")

#: Every table the warehouse declares (the FTS index `sections_fts` aside).
TABLES = ("documents", *CHILD_TABLES, "document_sources", "runs")
