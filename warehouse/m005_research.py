"""Migration m005 (issue 10), frozen: the codebook, honest targets, stemmed search, releases.

FROZEN. This module is the migration as it shipped: its SQL is written out here, literally, and
calls none of the Python that builds today's schema, so a warehouse migrated next year gets
exactly what one migrated today got. Never edit it (`tests/test_research_views.py` checks its
fingerprint); change the schema with a new migration that drops and recreates what it must.

What it does, all in the migration's one transaction:

- `measures`, the codebook: one row per measure slug with its printed labels, unit, direction
  (lower or higher is better), the editions printing it, and how composites are made.
- `releases`: one row per `lps export` release (version, date, warehouse checksum).
- `sections_fts` rebuilt with the porter stemmer, so "gang" finds "gangs"; new stemmed indexes
  on `priorities` (label) and `ward_priorities` (ward, label). Same names, columns and triggers
  as sqlite-utils makes, so `sqlite-utils rebuild-fts` and the loader work unchanged.
- The views again, added to and never renamed: `performance_detail` keeps every column it had
  (its `target_change_pct` still means the target set in the previous leaflet's priorities) and
  gains the value columns of `performance` and two separately named targets, the printed one
  and the one from the priorities, with a flag where they disagree, `target_documented` and
  `target_missed`. `targets_missed` now lists only documented targets not met;
  `targets_not_marked_achieved` keeps the rows it used to list. New: `coverage_unplaced`,
  `priorities_detail`, `ward_priorities_detail` and `measure_labels`.
"""

from __future__ import annotations

from sqlite_utils import Database

__all__ = ["MEASURES", "STATEMENTS", "VIEWS", "apply"]

_COLUMNS = (
    "measure", "name", "kind", "unit", "figure", "direction", "composition", "editions",
    "periods", "printed_labels", "description",
)

#: The codebook as it shipped, in the order a researcher would read it.
MEASURES: tuple[tuple[str | None, ...], ...] = (
    ("residential_burglary", "Residential burglary", "count", "offences", "change_pct",
     "lower is better", None, "2008, 2009, 2010", "2007/08, 2008/09, 2009/10",
     "Residential burglary",
     "Burglaries of people's homes (burglary dwelling) recorded by the police."),
    ("robbery", "Robbery", "count", "offences", "change_pct", "lower is better", None,
     "2008, 2009, 2010", "2007/08, 2008/09, 2009/10", "Robbery; Total robbery",
     "Robbery of personal property and of businesses recorded by the police (the 2010 "
     "edition prints 'Total robbery')."),
    ("theft_from_vehicles", "Theft from vehicles", "count", "offences", "change_pct",
     "lower is better", None, "2010", "2009/10", "Theft from vehicles",
     "Thefts of property from motor vehicles recorded by the police."),
    ("theft_of_vehicles", "Theft or taking of vehicles", "count", "offences", "change_pct",
     "lower is better", None, "2010", "2009/10",
     "Theft or taking of vehicles; Theft or taking of motor vehicles",
     "Thefts and unauthorised takings of motor vehicles recorded by the police."),
    ("motor_vehicle_crime", "Motor vehicle crime", "count", "offences", "change_pct",
     "lower is better", "theft_from_vehicles + theft_of_vehicles", "2008, 2009",
     "2007/08, 2008/09", "Motor vehicle crime",
     "Vehicle crime: thefts from and thefts or takings of motor vehicles, counted together."),
    ("serious_acquisitive_crime", "Serious acquisitive crime", "count", "offences",
     "change_pct", "lower is better",
     "residential_burglary + robbery + motor_vehicle_crime "
     "(motor_vehicle_crime = theft_from_vehicles + theft_of_vehicles)",
     "2011", "2010/11", "Serious acquisitive crime",
     "Residential burglary, robbery and vehicle crime counted together, as the leaflets "
     "define it."),
    ("serious_youth_violence", "Serious youth violence", "count", "offences", "change_pct",
     "lower is better", None, "2010, 2011", "2009/10, 2010/11", "Serious youth violence",
     "Most serious violence, robbery and knife or gun crime against victims aged 1 to 19."),
    ("knife_crime", "Knife crime", "count", "offences", "change_pct", "lower is better", None,
     "2008, 2009, 2010, 2011", "2007/08, 2008/09, 2009/10, 2010/11", "Knife crime",
     "Offences in which a knife or other sharp instrument was used or threatened."),
    ("gun_crime", "Gun crime", "count", "offences", "change_pct", "lower is better", None,
     "2008, 2009, 2010, 2011", "2007/08, 2008/09, 2009/10, 2010/11", "Gun crime",
     "Offences in which a firearm was used or threatened."),
    ("most_serious_violence", "Most serious violence", "count", "offences", "change_pct",
     "lower is better", None, "2008, 2009, 2010, 2011", "2007/08, 2008/09, 2009/10, 2010/11",
     "Most serious violence",
     "Violence causing or intending grievous bodily harm, and homicide (the 2010 edition "
     "prints it in some boroughs' leaflets only)."),
    ("total_notifiable_offences", "Total notifiable offences", "count", "offences",
     "change_pct", "lower is better", None, "2008", "2007/08", "Total notifiable offences",
     "Every notifiable offence recorded by the police in the borough."),
    ("sanction_detections", "Sanction detection rate", "rate", "%", "value_pct",
     "higher is better", None, "2009, 2011", "2008/09, 2010/11", "Sanction detection rate",
     "Offences detected with a sanction (charge, summons, caution, fixed penalty), as a "
     "percentage of offences recorded."),
    ("public_confidence", "Public confidence", "rate", "%", "value_pct", "higher is better",
     None, "2009, 2011", "2008/09, 2010/11", "Public confidence",
     "Percentage of residents surveyed who say they have confidence in their local police, "
     "as the leaflet reports it."),
    ("victim_satisfaction_gap", "Victim satisfaction gap", "rate", "percentage points",
     "value_pct", "lower is better", None, "2010 (force-wide results only)", "2009/10",
     "(in the force-wide results' sentences)",
     "Satisfaction of White victims minus that of Black and Minority Ethnic victims, in "
     "percentage points; force-wide only (force_results), never per borough."),
)

_MEASURES_TABLE = """
CREATE TABLE [measures] (
    [measure] TEXT PRIMARY KEY NOT NULL,
    [name] TEXT NOT NULL,
    [kind] TEXT NOT NULL CHECK ([kind] IN ('count', 'rate')),
    [unit] TEXT NOT NULL,
    [figure] TEXT NOT NULL CHECK ([figure] IN ('change_pct', 'value_pct')),
    [direction] TEXT NOT NULL CHECK ([direction] IN ('lower is better', 'higher is better')),
    [composition] TEXT,
    [editions] TEXT NOT NULL,
    [periods] TEXT NOT NULL,
    [printed_labels] TEXT NOT NULL,
    [description] TEXT NOT NULL
) STRICT
"""

_RELEASES_TABLE = """
CREATE TABLE [releases] (
    [version] TEXT PRIMARY KEY NOT NULL,
    [released_at] TEXT NOT NULL,
    [warehouse_sha256] TEXT NOT NULL,
    [documents_loaded] INTEGER NOT NULL,
    [documents_quarantined] INTEGER NOT NULL,
    [extractor_versions] TEXT NOT NULL,
    [lps_version] TEXT NOT NULL
) STRICT
"""


def _fts(table: str, columns: tuple[str, ...]) -> list[str]:
    """A stemmed FTS5 index on `table` with the triggers sqlite-utils would create."""
    quoted = ", ".join(f'"{c}"' for c in columns)
    new = ", ".join(f'new."{c}"' for c in columns)
    old = ", ".join(f'old."{c}"' for c in columns)
    fts = f"{table}_fts"
    return [
        f'DROP TRIGGER IF EXISTS "{table}_ai"',
        f'DROP TRIGGER IF EXISTS "{table}_ad"',
        f'DROP TRIGGER IF EXISTS "{table}_au"',
        f'DROP TABLE IF EXISTS "{fts}"',
        f'CREATE VIRTUAL TABLE "{fts}" USING FTS5 ({quoted}, content="{table}", '
        "tokenize='porter unicode61')",
        f'CREATE TRIGGER "{table}_ai" AFTER INSERT ON "{table}" BEGIN\n'
        f'  INSERT INTO "{fts}" (rowid, {quoted}) VALUES (new.rowid, {new});\nEND',
        f'CREATE TRIGGER "{table}_ad" AFTER DELETE ON "{table}" BEGIN\n'
        f'  INSERT INTO "{fts}" ("{fts}", rowid, {quoted}) VALUES(\'delete\', old.rowid, {old});'
        "\nEND",
        f'CREATE TRIGGER "{table}_au" AFTER UPDATE ON "{table}" BEGIN\n'
        f'  INSERT INTO "{fts}" ("{fts}", rowid, {quoted}) VALUES(\'delete\', old.rowid, {old});\n'
        f'  INSERT INTO "{fts}" (rowid, {quoted}) VALUES (new.rowid, {new});\nEND',
        f"INSERT INTO \"{fts}\" (\"{fts}\") VALUES ('rebuild')",
    ]


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
    -- year the target is for). Two loaded leaflets disagreeing on it give NULL, not either one.
    SELECT
        pr.area,
        pr.period,
        pr.measure,
        CASE WHEN count(DISTINCT pr.target_change_pct) = 1
             THEN max(pr.target_change_pct) END AS priority_target_change_pct
    FROM priorities AS pr
    JOIN documents AS pd ON pd.document_id = pr.document_id AND pd.status = 'loaded'
    WHERE pr.measure IS NOT NULL
    GROUP BY pr.area, pr.period, pr.measure
) AS t ON t.area = p.area AND t.period = p.period AND t.measure = p.measure
WHERE d.status = 'loaded'
"""

_TARGET_COLUMNS = """
    area, area_code, period, measure, label, change_count, change_pct, count_previous,
    count_current, value_pct, printed_target_change_pct, printed_target_value_pct,
    priority_target_change_pct, targets_disagree, target_change_pct"""

_TARGETS_MISSED = f"""
SELECT{_TARGET_COLUMNS},
    commander, document_id, source, page, source_page
FROM performance_detail
WHERE target_missed = 1
"""

_TARGETS_NOT_MARKED_ACHIEVED = f"""
SELECT{_TARGET_COLUMNS},
    target_documented, commander, document_id, source, page, source_page
FROM performance_detail
WHERE target_achieved = 0
"""

_PERFORMANCE_YEAR_ON_YEAR = """
SELECT
    area,
    area_code,
    measure,
    period,
    change_count,
    change_pct,
    count_previous,
    count_current,
    value_pct,
    target_achieved,
    printed_target_change_pct,
    printed_target_value_pct,
    priority_target_change_pct,
    target_documented,
    previous_period,
    previous_change_count,
    previous_change_pct,
    previous_value_pct,
    CAST(substr(period, 1, 4) AS INTEGER)
        - CAST(substr(previous_period, 1, 4) AS INTEGER) AS years_since_previous,
    round(change_pct - previous_change_pct, 1) AS change_pct_difference,
    round(value_pct - previous_value_pct, 1) AS value_pct_difference,
    document_id,
    source,
    page,
    source_page
FROM (
    SELECT
        *,
        lag(period) OVER by_year AS previous_period,
        lag(change_count) OVER by_year AS previous_change_count,
        lag(change_pct) OVER by_year AS previous_change_pct,
        lag(value_pct) OVER by_year AS previous_value_pct
    FROM performance_detail
    WHERE measure IS NOT NULL
    WINDOW by_year AS (PARTITION BY area, measure ORDER BY period)
)
ORDER BY area, measure, period
"""

_COVERAGE_UNPLACED = """
WITH known AS (
    -- As in `coverage`: a quarantined document is placed by what its manifest expected.
    SELECT
        d.document_id, d.area_code,
        coalesce(d.area, (SELECT max(e.expected_area) FROM document_expectations AS e
                          WHERE e.document_id = d.document_id)) AS area,
        coalesce(d.period, (SELECT max(e.expected_period) FROM document_expectations AS e
                            WHERE e.document_id = d.document_id)) AS period
    FROM documents AS d
),
placed AS (
    SELECT k.document_id
    FROM known AS k
    JOIN areas AS a
        ON a.area_code = k.area_code OR (k.area_code IS NULL AND a.area = k.area)
    WHERE k.period IS NOT NULL
)
SELECT
    d.document_id,
    d.source,
    d.status,
    d.reason,
    CASE
        WHEN k.area IS NULL AND k.period IS NULL
            THEN 'neither its borough nor its year could be read from it, and no manifest '
                 || 'said what it should be'
        WHEN k.area IS NULL
            THEN 'its borough could not be read from it, and no manifest said which it should be'
        WHEN k.period IS NULL
            THEN 'its year could not be read from it, and no manifest said which it should be'
        ELSE 'its borough (' || k.area || ') is not one of the 32 London boroughs'
    END AS why_not_in_matrix,
    d.size_bytes,
    d.ingested_at
FROM documents AS d
JOIN known AS k ON k.document_id = d.document_id
WHERE d.status = 'quarantined'
  AND d.document_id NOT IN (SELECT document_id FROM placed)
ORDER BY d.source
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
"""

_MEASURE_LABELS = """
SELECT
    p.measure,
    p.label,
    d.template,
    d.period,
    count(*) AS rows
FROM performance AS p
JOIN documents AS d ON d.document_id = p.document_id
WHERE d.status = 'loaded'
GROUP BY p.measure, p.label, d.template, d.period
ORDER BY p.measure IS NULL, p.measure, d.period, p.label
"""

#: The views this migration (re)creates, in creation order.
VIEWS: dict[str, str] = {
    "performance_detail": _PERFORMANCE_DETAIL,
    "targets_missed": _TARGETS_MISSED,
    "targets_not_marked_achieved": _TARGETS_NOT_MARKED_ACHIEVED,
    "performance_year_on_year": _PERFORMANCE_YEAR_ON_YEAR,
    "coverage_unplaced": _COVERAGE_UNPLACED,
    "priorities_detail": _PRIORITIES_DETAIL,
    "ward_priorities_detail": _WARD_PRIORITIES_DETAIL,
    "measure_labels": _MEASURE_LABELS,
}

_placeholders = ", ".join("?" for _ in _COLUMNS)

#: Every statement, in order. `apply` runs them; nothing else is done.
STATEMENTS: tuple[str, ...] = (
    _MEASURES_TABLE.strip(),
    _RELEASES_TABLE.strip(),
    *_fts("sections", ("heading", "text")),
    *_fts("priorities", ("label",)),
    *_fts("ward_priorities", ("ward", "label")),
    *(f"DROP VIEW IF EXISTS [{name}]" for name in VIEWS),
    *(f"CREATE VIEW [{name}] AS {sql.strip()}" for name, sql in VIEWS.items()),
)

_INSERT_MEASURE = f"INSERT INTO [measures] ({', '.join(_COLUMNS)}) VALUES ({_placeholders})"


def apply(db: Database) -> None:
    """Run the migration's statements and fill the codebook; read every view once.

    SQLite checks a view's references only when it is read, so each is read here: a broken
    definition fails the migration (which rolls back) rather than a researcher's query.
    """
    for statement in STATEMENTS:
        db.execute(statement)
    for row in MEASURES:
        db.execute(_INSERT_MEASURE, row)
    for name in VIEWS:
        db.execute(f"SELECT * FROM [{name}] LIMIT 0").fetchall()
