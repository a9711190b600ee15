"""Migration m007 (issue 12, item 3), frozen: one truth per borough and year.

FROZEN once shipped, like `warehouse.m005_research`: its SQL is written out here, literally
(`tests/test_conflicts.py` checks its fingerprint); change the schema with a new migration.

Two loaded leaflets for the same borough, year and template (a *publication*) either give the
same figures, and are duplicates, or do not, and are a *conflict*. Until now both were loaded
and every view showed both: thirteen Barnet 2009/10 rows for robbery, 73, 173 and 99. Now:

- `documents.figures_sha256`: the digest of a loaded document's figures
  (`warehouse.digests.figures_digest`), computed here for the documents already loaded and by
  the loader for every document written after. Equal digests, equal figures.
- `document_standing` (view): each loaded document's standing in its publication:
  `current` (the one the views show), `duplicate` (the same figures as the one shown: not shown
  twice), `conflicted` (its figures differ from another's and nobody has chosen: none of them
  is shown), `chosen` or `set aside` (someone chose with `lps resolve`).
- `resolutions` and `resolution_documents`: each choice made with `lps resolve`, what it chose
  and set aside, when and why: the lineage of every figure the views show for a conflict. A
  choice stands while every loaded document of the publication carries figures it chose or set
  aside; a leaflet with figures it never saw reopens the conflict.
- `current_documents` (view): the loaded documents the views show, one per publication.
  Researchers' own SQL should read it where it read `documents WHERE status = 'loaded'`.
- `conflicts` (view): one row per publication in conflict, with its documents.
- The researchers' views again, with every column they had and `current_documents` as their
  filter: `performance_detail` (and so `targets_missed`, `targets_not_marked_achieved`,
  `performance_year_on_year`, which read it), `priorities_detail`, `ward_priorities_detail`,
  `sections_detail`; `coverage` says `conflict` for a borough and year whose documents
  disagree, and counts them in a new last column, `conflicted_documents`.

`status` keeps its meaning ('loaded': the document's rows are in the warehouse): a conflicted
document is loaded, and only its standing keeps it out of the views.
"""

from __future__ import annotations

from sqlite_utils import Database

__all__ = ["STATEMENTS", "VIEWS", "apply"]

_RESOLUTIONS = """
CREATE TABLE [resolutions] (
    [resolution_id] INTEGER PRIMARY KEY,
    [area] TEXT NOT NULL,
    [area_code] TEXT NOT NULL,
    [period] TEXT NOT NULL,
    [template] TEXT NOT NULL,
    [chosen_document_id] TEXT NOT NULL,
    [chosen_figures] TEXT NOT NULL,
    [method] TEXT NOT NULL,
    [note] TEXT,
    [resolved_at] TEXT NOT NULL
) STRICT
"""

_RESOLUTION_DOCUMENTS = """
CREATE TABLE [resolution_documents] (
    [resolution_id] INTEGER NOT NULL REFERENCES [resolutions]([resolution_id]),
    [document_id] TEXT NOT NULL,
    [figures_sha256] TEXT NOT NULL,
    [verdict] TEXT NOT NULL CHECK ([verdict] IN ('chosen', 'duplicate', 'set aside')),
    PRIMARY KEY ([resolution_id], [document_id])
) STRICT
"""

_DOCUMENT_STANDING = """
WITH loaded AS (
    SELECT
        d.document_id, d.area, d.area_code, d.period, d.template, d.ingested_at,
        d.figures_sha256,
        -- A loaded document without a figures digest agrees with no other.
        coalesce(d.figures_sha256, 'none:' || d.document_id) AS figures
    FROM documents AS d
    WHERE d.status = 'loaded'
),
publications AS (
    SELECT area_code, period, template, count(*) AS documents,
           count(DISTINCT figures) AS versions
    FROM loaded
    GROUP BY area_code, period, template
),
latest AS (
    SELECT r.*
    FROM resolutions AS r
    WHERE r.resolution_id = (
        SELECT max(r2.resolution_id) FROM resolutions AS r2
        WHERE r2.area_code = r.area_code AND r2.period = r.period AND r2.template = r.template)
),
standing_resolution AS (
    -- The last choice stands while a loaded document carries the figures it chose and every
    -- loaded document carries figures it chose or set aside.
    SELECT l.resolution_id, l.area_code, l.period, l.template, l.chosen_document_id,
           l.chosen_figures
    FROM latest AS l
    WHERE EXISTS (
        SELECT 1 FROM loaded AS x
        WHERE x.area_code = l.area_code AND x.period = l.period AND x.template = l.template
          AND x.figures = l.chosen_figures)
      AND NOT EXISTS (
        SELECT 1 FROM loaded AS x
        WHERE x.area_code = l.area_code AND x.period = l.period AND x.template = l.template
          AND x.figures != l.chosen_figures
          AND x.figures NOT IN (
              SELECT rd.figures_sha256 FROM resolution_documents AS rd
              WHERE rd.resolution_id = l.resolution_id AND rd.verdict = 'set aside'))
),
ranked AS (
    SELECT
        x.*,
        p.documents,
        p.versions,
        s.resolution_id,
        s.chosen_figures,
        first_value(x.document_id) OVER same_figures AS first_with_figures,
        row_number() OVER same_figures AS copy
    FROM loaded AS x
    JOIN publications AS p
        ON p.area_code IS x.area_code AND p.period IS x.period AND p.template IS x.template
    LEFT JOIN standing_resolution AS s
        ON s.area_code IS x.area_code AND s.period IS x.period AND s.template IS x.template
    WINDOW same_figures AS (
        PARTITION BY x.area_code, x.period, x.template, x.figures
        ORDER BY x.document_id IS s.chosen_document_id DESC, x.ingested_at, x.document_id)
)
SELECT
    document_id,
    area,
    area_code,
    period,
    template,
    figures_sha256,
    CASE
        WHEN resolution_id IS NOT NULL AND figures = chosen_figures AND copy = 1 THEN 'chosen'
        WHEN resolution_id IS NOT NULL AND figures = chosen_figures THEN 'duplicate'
        WHEN resolution_id IS NOT NULL THEN 'set aside'
        WHEN versions = 1 AND copy = 1 THEN 'current'
        WHEN versions = 1 THEN 'duplicate'
        ELSE 'conflicted'
    END AS standing,
    CASE WHEN copy > 1 THEN first_with_figures END AS same_figures_as,
    documents AS publication_documents,
    versions AS publication_versions,
    resolution_id,
    ingested_at
FROM ranked
"""

_CURRENT_DOCUMENTS = """
SELECT
    d.document_id,
    d.source,
    d.publisher,
    d.area,
    d.area_code,
    d.period,
    d.template,
    d.page_count,
    d.commander,
    d.status,
    d.reason,
    d.needs_review,
    d.extractor_version,
    d.size_bytes,
    d.ingested_at,
    d.figures_sha256,
    s.standing
FROM documents AS d
JOIN document_standing AS s ON s.document_id = d.document_id
WHERE s.standing IN ('current', 'chosen')
"""

_CONFLICTS = """
SELECT
    area,
    area_code,
    period,
    template,
    count(*) AS documents,
    max(publication_versions) AS versions,
    group_concat(document_id, ' ') AS document_ids
FROM (
    SELECT * FROM document_standing
    WHERE standing = 'conflicted'
    ORDER BY ingested_at, document_id
)
GROUP BY area_code, period, template
ORDER BY period, area, template
"""

_PERFORMANCE_DETAIL = """
SELECT
    p.area,
    d.area_code,
    p.period,
    p.measure,
    p.label,
    p.change_count,
    p.change_pct,
    p.count_previous,
    p.count_current,
    p.value_pct,
    p.target_achieved,
    p.target_change_pct AS printed_target_change_pct,
    p.target_value_pct AS printed_target_value_pct,
    t.priority_target_change_pct,
    CASE
        WHEN p.target_change_pct IS NULL OR t.priority_target_change_pct IS NULL THEN NULL
        WHEN round(p.target_change_pct, 1) = round(t.priority_target_change_pct, 1) THEN 0
        ELSE 1
    END AS targets_disagree,
    CASE
        WHEN coalesce(p.target_change_pct, p.target_value_pct, t.priority_target_change_pct)
             IS NULL THEN 0
        ELSE 1
    END AS target_documented,
    CASE
        WHEN coalesce(p.target_change_pct, p.target_value_pct, t.priority_target_change_pct)
             IS NULL THEN NULL
        WHEN p.target_achieved = 0 THEN 1
        WHEN p.target_achieved = 1 THEN 0
    END AS target_missed,
    t.priority_target_change_pct AS target_change_pct,
    d.commander,
    d.publisher,
    d.template,
    d.needs_review,
    d.extractor_version,
    p.document_id,
    p.row_number,
    d.source,
    p.page,
    d.source || '#page=' || p.page AS source_page
FROM performance AS p
JOIN documents AS d ON d.document_id = p.document_id
LEFT JOIN (
    -- The target for a year set in the previous year's leaflet (its priorities' period is the
    -- year the target is for). Two current leaflets disagreeing on it give NULL, not either one.
    SELECT
        pr.area,
        pr.period,
        pr.measure,
        CASE WHEN count(DISTINCT pr.target_change_pct) = 1
             THEN max(pr.target_change_pct) END AS priority_target_change_pct
    FROM priorities AS pr
    JOIN documents AS pd ON pd.document_id = pr.document_id AND pd.status = 'loaded'
    WHERE pr.measure IS NOT NULL
      AND pr.document_id IN (SELECT document_id FROM current_documents)
    GROUP BY pr.area, pr.period, pr.measure
) AS t ON t.area = p.area AND t.period = p.period AND t.measure = p.measure
WHERE d.status = 'loaded'
  AND d.document_id IN (SELECT document_id FROM current_documents)
"""

_PRIORITIES_DETAIL = """
SELECT
    pr.area,
    d.area_code,
    pr.period,
    pr.measure,
    pr.label,
    pr.target_change_pct,
    d.period AS leaflet_period,
    d.commander,
    pr.document_id,
    pr.row_number,
    d.source,
    pr.page,
    d.source || '#page=' || pr.page AS source_page
FROM priorities AS pr
JOIN documents AS d ON d.document_id = pr.document_id
WHERE d.status = 'loaded'
  AND d.document_id IN (SELECT document_id FROM current_documents)
"""

_WARD_PRIORITIES_DETAIL = """
SELECT
    w.area,
    d.area_code,
    w.period,
    w.ward,
    w.rank,
    w.label,
    d.period AS leaflet_period,
    w.document_id,
    w.row_number,
    d.source,
    w.page,
    d.source || '#page=' || w.page AS source_page
FROM ward_priorities AS w
JOIN documents AS d ON d.document_id = w.document_id
WHERE d.status = 'loaded'
  AND d.document_id IN (SELECT document_id FROM current_documents)
"""

_SECTIONS_DETAIL = """
SELECT
    s.rowid AS section_id,
    d.area,
    d.area_code,
    d.period,
    d.commander,
    s.name,
    s.heading,
    s.text,
    s.document_id,
    d.source,
    s.page,
    d.source || '#page=' || s.page AS source_page
FROM sections AS s
JOIN documents AS d ON d.document_id = s.document_id
WHERE d.status = 'loaded'
  AND d.document_id IN (SELECT document_id FROM current_documents)
"""

_COVERAGE = """
WITH periods AS (
    SELECT period FROM documents WHERE period IS NOT NULL
    UNION
    SELECT expected_period FROM document_expectations WHERE expected_period IS NOT NULL
),
known AS (
    -- A quarantined document has no area or period of its own: use what its manifest expected.
    SELECT
        d.document_id, d.status, d.area_code,
        coalesce(d.area, (SELECT max(e.expected_area) FROM document_expectations AS e
                          WHERE e.document_id = d.document_id)) AS area,
        coalesce(d.period, (SELECT max(e.expected_period) FROM document_expectations AS e
                            WHERE e.document_id = d.document_id)) AS period
    FROM documents AS d
),
placed AS (
    -- A document is placed by its ONS code, or by its name when a quarantined one has no code.
    SELECT a.area_code, d.period, d.status, d.document_id
    FROM known AS d
    JOIN areas AS a
        ON a.area_code = d.area_code OR (d.area_code IS NULL AND a.area = d.area)
    WHERE d.period IS NOT NULL
),
standing AS (
    -- Per borough and year: the documents the views show, and those in conflict.
    SELECT
        area_code,
        period,
        sum(standing IN ('current', 'chosen')) AS shown,
        sum(standing = 'conflicted') AS conflicted,
        min(CASE WHEN standing IN ('current', 'chosen') THEN document_id END) AS shown_id
    FROM document_standing
    GROUP BY area_code, period
)
SELECT
    a.area,
    a.area_code,
    periods.period,
    CASE
        WHEN max(s.conflicted) > 0 THEN 'conflict'
        WHEN coalesce(max(s.shown), sum(placed.status = 'loaded')) > 0 THEN 'loaded'
        WHEN sum(placed.status = 'quarantined') > 0 THEN 'quarantined'
        ELSE 'missing'
    END AS status,
    coalesce(sum(placed.status = 'loaded'), 0) AS loaded_documents,
    coalesce(sum(placed.status = 'quarantined'), 0) AS quarantined_documents,
    coalesce(
        max(s.shown_id),
        min(CASE WHEN placed.status = 'loaded' THEN placed.document_id END),
        min(placed.document_id)
    ) AS document_id,
    coalesce(max(s.conflicted), 0) AS conflicted_documents
FROM areas AS a
CROSS JOIN periods
LEFT JOIN placed ON placed.area_code = a.area_code AND placed.period = periods.period
LEFT JOIN standing AS s ON s.area_code = a.area_code AND s.period = periods.period
GROUP BY a.area_code, periods.period
ORDER BY periods.period, a.area
"""

#: The views this migration (re)creates, in creation order (each may read those before it).
VIEWS: dict[str, str] = {
    "document_standing": _DOCUMENT_STANDING,
    "current_documents": _CURRENT_DOCUMENTS,
    "conflicts": _CONFLICTS,
    "performance_detail": _PERFORMANCE_DETAIL,
    "priorities_detail": _PRIORITIES_DETAIL,
    "ward_priorities_detail": _WARD_PRIORITIES_DETAIL,
    "sections_detail": _SECTIONS_DETAIL,
    "coverage": _COVERAGE,
}

#: Every statement, in order: the column, the tables, the views. `apply` runs them, and
#: computes the figures digest of every document already loaded in between.
STATEMENTS: tuple[str, ...] = (
    "ALTER TABLE [documents] ADD COLUMN [figures_sha256] TEXT",
    _RESOLUTIONS.strip(),
    _RESOLUTION_DOCUMENTS.strip(),
    "CREATE INDEX [idx_resolutions_publication] ON [resolutions] "
    "([area_code], [period], [template])",
    "CREATE INDEX [idx_documents_publication] ON [documents] "
    "([area_code], [period], [template])",
    *(f"DROP VIEW IF EXISTS [{name}]" for name in VIEWS),
    *(f"CREATE VIEW [{name}] AS {sql.strip()}" for name, sql in VIEWS.items()),
)


def apply(db: Database) -> None:
    """Run the statements, give every loaded document its figures digest, read every view.

    The digests are computed by `warehouse.digests`, whose canonical form is part of the schema
    (see there): the loader computes the same for every document written after.
    """
    from warehouse.digests import figures_digest, stored_rows

    for statement in STATEMENTS:
        db.execute(statement)
    loaded = [row[0] for row in db.execute(
        "SELECT document_id FROM documents WHERE status = 'loaded' ORDER BY document_id")]
    for document_id in loaded:
        db.execute("UPDATE documents SET figures_sha256 = ? WHERE document_id = ?",
                   [figures_digest(stored_rows(db, document_id)), document_id])
    for name in VIEWS:
        db.execute(f"SELECT * FROM [{name}] LIMIT 0").fetchall()
