"""SQL views researchers would otherwise write by hand, and the `areas` reference table they use.

The views live in the warehouse rather than in Datasette's configuration so that every client sees
them: Datasette, `sqlite3`, pandas and R all get the same `coverage` and `targets_missed`. They
hold no data of their own, so `create_views` drops and recreates them every time it runs: a
changed definition reaches old warehouses on their next migration, with nothing to backfill.

Only loaded documents count. A quarantined document has no child rows (its extractor does not
vouch for them), and `coverage` is the one place that shows it, so a gap is never mistaken for
a borough with nothing to report.
"""

from __future__ import annotations

from sqlite_utils import Database

from schemas.areas import london_boroughs

__all__ = ["VIEWS", "create_areas", "create_views"]

_PERFORMANCE_DETAIL = """
SELECT
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
WHERE d.status = 'loaded'
"""

_TARGETS_MISSED = """
SELECT
    area, area_code, period, measure, label, change_count, change_pct, target_change_pct,
    commander, document_id, source, page, source_page
FROM performance_detail
WHERE target_achieved = 0
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
ORDER BY periods.period, a.area
"""

_PERFORMANCE_YEAR_ON_YEAR = """
SELECT
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
ORDER BY area, measure, period
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
"""

#: The views in creation order (each may read the ones before it).
VIEWS: dict[str, str] = {
    "performance_detail": _PERFORMANCE_DETAIL,
    "targets_missed": _TARGETS_MISSED,
    "coverage": _COVERAGE,
    "performance_year_on_year": _PERFORMANCE_YEAR_ON_YEAR,
    "sections_detail": _SECTIONS_DETAIL,
}


def create_areas(db: Database) -> None:
    """Create or refresh `areas`: the 32 boroughs, so `coverage` can show what is missing.

    A borough with no leaflet has no row anywhere else; the matrix needs a list that does not
    depend on what was loaded.
    """
    areas = db.table("areas")
    if not areas.exists():
        areas.create(
            {"area_code": str, "area": str},
            pk="area_code",
            not_null=["area_code", "area"],
            strict=True,
        )
    areas.upsert_all(
        ({"area_code": area.code, "area": area.name} for area in london_boroughs()),
        pk="area_code",
    )


def create_views(db: Database) -> None:
    """Create `areas` and (re)create every view in `VIEWS`. Safe to run any number of times.

    One transaction (a savepoint when the caller already holds one, as a migration does), so a
    reader never sees the warehouse without its views. SQLite checks a view's references only
    when the view is read, so a broken definition would pass here unnoticed: each view is read
    once before committing, and a bad one rolls the whole change back.
    """
    from warehouse.archive import create_expectations

    with db.atomic():
        create_areas(db)
        create_expectations(db)  # `coverage` reads what manifests expected
        for name in VIEWS:
            db.execute(f"DROP VIEW IF EXISTS [{name}]")
        for name, sql in VIEWS.items():
            db.execute(f"CREATE VIEW [{name}] AS {sql.strip()}")
        for name in VIEWS:
            db.execute(f"SELECT * FROM [{name}] LIMIT 0").fetchall()
