-- m004_archive, as shipped: where documents were fetched from, what they were expected to be,
-- how their extraction changed; and the views again (`coverage` places quarantined documents by
-- what was expected of them). Frozen: never edit; a change to the schema is a new migration.

CREATE TABLE "document_expectations" (
   "document_id" TEXT NOT NULL,
   "source" TEXT NOT NULL,
   "expected_area" TEXT,
   "expected_period" TEXT,
   "found_area" TEXT,
   "found_period" TEXT,
   "verdict" TEXT NOT NULL,
   "detail" TEXT,
   "checked_at" TEXT NOT NULL,
   PRIMARY KEY ("document_id", "source")
) STRICT;

CREATE TABLE "fetches" (
   "url" TEXT PRIMARY KEY NOT NULL,
   "status" TEXT NOT NULL,
   "document_id" TEXT,
   "size_bytes" INTEGER,
   "content_type" TEXT,
   "reason" TEXT,
   "transient" INTEGER,
   "attempts" INTEGER NOT NULL,
   "fetched_at" TEXT NOT NULL
) STRICT;

CREATE INDEX "idx_fetches_document_id"
    ON "fetches" ("document_id");

CREATE TABLE "extraction_history" (
   "id" INTEGER PRIMARY KEY,
   "document_id" TEXT NOT NULL,
   "previous_version" TEXT,
   "extractor_version" TEXT NOT NULL,
   "status" TEXT NOT NULL,
   "reason" TEXT,
   "rows_before" TEXT,
   "rows_after" TEXT,
   "rows_changed" INTEGER,
   "figures_changed" INTEGER,
   "replaced_at" TEXT NOT NULL
) STRICT;

CREATE INDEX "idx_extraction_history_document_id"
    ON "extraction_history" ("document_id");

DROP VIEW IF EXISTS [performance_detail];

DROP VIEW IF EXISTS [targets_missed];

DROP VIEW IF EXISTS [coverage];

DROP VIEW IF EXISTS [performance_year_on_year];

DROP VIEW IF EXISTS [sections_detail];

CREATE VIEW [performance_detail] AS SELECT
    p.area,
    d.area_code,
    p.period,
    p.measure,
    p.label,
    p.change_count,
    p.change_pct,
    p.target_achieved,
    (
        -- The target for this year was published in the previous year's leaflet. Two loaded
        -- leaflets disagreeing on it give NULL rather than an arbitrary one of the two.
        SELECT CASE WHEN count(DISTINCT pr.target_change_pct) = 1
                    THEN max(pr.target_change_pct) END
        FROM priorities AS pr
        JOIN documents AS pd ON pd.document_id = pr.document_id AND pd.status = 'loaded'
        WHERE pr.area = p.area AND pr.period = p.period AND pr.measure = p.measure
    ) AS target_change_pct,
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
WHERE d.status = 'loaded';

CREATE VIEW [targets_missed] AS SELECT
    area, area_code, period, measure, label, change_count, change_pct, target_change_pct,
    commander, document_id, source, page, source_page
FROM performance_detail
WHERE target_achieved = 0;

CREATE VIEW [coverage] AS WITH periods AS (
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
)
SELECT
    a.area,
    a.area_code,
    periods.period,
    CASE
        WHEN sum(placed.status = 'loaded') > 0 THEN 'loaded'
        WHEN sum(placed.status = 'quarantined') > 0 THEN 'quarantined'
        ELSE 'missing'
    END AS status,
    coalesce(sum(placed.status = 'loaded'), 0) AS loaded_documents,
    coalesce(sum(placed.status = 'quarantined'), 0) AS quarantined_documents,
    coalesce(
        min(CASE WHEN placed.status = 'loaded' THEN placed.document_id END),
        min(placed.document_id)
    ) AS document_id
FROM areas AS a
CROSS JOIN periods
LEFT JOIN placed ON placed.area_code = a.area_code AND placed.period = periods.period
GROUP BY a.area_code, periods.period
ORDER BY periods.period, a.area;

CREATE VIEW [performance_year_on_year] AS SELECT
    area,
    area_code,
    measure,
    period,
    change_count,
    change_pct,
    target_achieved,
    previous_period,
    previous_change_count,
    previous_change_pct,
    CAST(substr(period, 1, 4) AS INTEGER)
        - CAST(substr(previous_period, 1, 4) AS INTEGER) AS years_since_previous,
    round(change_pct - previous_change_pct, 1) AS change_pct_difference,
    document_id,
    source,
    page
FROM (
    SELECT
        *,
        lag(period) OVER by_year AS previous_period,
        lag(change_count) OVER by_year AS previous_change_count,
        lag(change_pct) OVER by_year AS previous_change_pct
    FROM performance_detail
    WHERE measure IS NOT NULL
    WINDOW by_year AS (PARTITION BY area, measure ORDER BY period)
)
ORDER BY area, measure, period;

CREATE VIEW [sections_detail] AS SELECT
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
WHERE d.status = 'loaded';
