"""Migration m009 (issue 17), frozen: views that cannot answer wrong in silence.

FROZEN once shipped, like `warehouse.m005_research`: its SQL is written out here, literally
(`tests/test_research_views.py` checks its fingerprint); change the schema with a new migration.

- **Typed views.** Every computed column of every view is a `CAST(... AS type)`, so it has
  SQLite's affinity of that type: Datasette's facets and `?column=1` filters send text, and
  `target_missed = '1'` now matches the rows whose flag is 1 (before, an untyped integer never
  equalled the text '1' and a facet counting 69 rows showed none). `VIEW_COLUMN_TYPES` lists
  every view column's type, read from the SQL below.
- **Targets kept apart.** `performance_detail` gains `previous_year_target_change_pct` (the same
  value as `priority_target_change_pct` and the old `target_change_pct`, which stay) with the
  leaflet and page that set it and whether that leaflet's edition was modelled without a real
  copy; `target_met_by_arithmetic` (the result against the documented target, by the measure's
  direction), `mark_agrees_with_target` (1, 0, or NULL when not judgeable) and
  `target_judged_by`. `target_missed` is now 1 only where the mark or the arithmetic says so and
  the two do not disagree; a disagreement is NULL, listed in `target_disagreements`.
- **Real or synthetic.** `documents` records the PDF's own producer, creator, title, subject
  and dates, and `synthetic` (1 when the project's fixture generators made it: they sign the
  PDF's Creator "policing-summaries fixtures"). `editions` says which editions were modelled
  without a real copy; `real_texts` which leaflets' text is real (Barnet 2009/10);
  `codebook_notes` holds what the methods note says of them. The views carry `synthetic`,
  `edition_real_copy` and `data_origin` on every row.
- **Coverage.** `quarantine_placements`: a quarantined document whose borough and year can be
  read from its reason, PDF title or file name (`warehouse.placement`); `coverage` places it
  there as quarantined with its reason, and `coverage_unplaced` lists only the rest.
- **Provenance to the figure.** `figure_cells`: where each figure stands on its page (box,
  text as printed, how its sign was known, how it was read), from `Extraction.cells`.
- **Levels.** `performance_detail` derives the previous and current year's counts from a
  change in offences and its percentage where the leaflet does not print them, with the
  interval the percentage's rounding to one decimal allows (`level_basis` says which).
- **Search scope.** `section_scopes` marks each kind of section borough or London-wide;
  `sections_detail.scope` (a kind not listed is London-wide when the same text is printed in
  another borough's leaflet).
"""

from __future__ import annotations

import re

from sqlite_utils import Database

__all__ = ["CODEBOOK_NOTES", "EDITIONS", "STATEMENTS", "VIEWS", "VIEW_COLUMN_TYPES", "apply"]

_DOCUMENT_COLUMNS = (
    "ALTER TABLE [documents] ADD COLUMN [pdf_producer] TEXT",
    "ALTER TABLE [documents] ADD COLUMN [pdf_creator] TEXT",
    "ALTER TABLE [documents] ADD COLUMN [pdf_title] TEXT",
    "ALTER TABLE [documents] ADD COLUMN [pdf_subject] TEXT",
    "ALTER TABLE [documents] ADD COLUMN [pdf_created] TEXT",
    "ALTER TABLE [documents] ADD COLUMN [pdf_modified] TEXT",
    "ALTER TABLE [documents] ADD COLUMN [synthetic] INTEGER",
)

_FIGURE_CELLS = """
CREATE TABLE [figure_cells] (
    [document_id] TEXT NOT NULL REFERENCES [documents]([document_id]) ON DELETE CASCADE,
    [table_name] TEXT NOT NULL
        CHECK ([table_name] IN ('performance', 'priorities', 'force_results', 'ward_priorities')),
    [row_number] INTEGER NOT NULL,
    [field] TEXT NOT NULL,
    [page] INTEGER NOT NULL,
    [x0] REAL NOT NULL,
    [top] REAL NOT NULL,
    [x1] REAL NOT NULL,
    [bottom] REAL NOT NULL,
    [text] TEXT NOT NULL,
    [sign_source] TEXT,
    [read_by] TEXT NOT NULL,
    [confidence] REAL,
    PRIMARY KEY ([document_id], [table_name], [row_number], [field])
) STRICT
"""

_QUARANTINE_PLACEMENTS = """
CREATE TABLE [quarantine_placements] (
    [document_id] TEXT PRIMARY KEY NOT NULL
        REFERENCES [documents]([document_id]) ON DELETE CASCADE,
    [area] TEXT NOT NULL,
    [area_code] TEXT NOT NULL,
    [period] TEXT NOT NULL,
    [read_from] TEXT NOT NULL
) STRICT
"""

_EDITIONS = """
CREATE TABLE [editions] (
    [template] TEXT PRIMARY KEY NOT NULL,
    [edition] TEXT NOT NULL,
    [periods] TEXT NOT NULL,
    [real_copy] INTEGER NOT NULL CHECK ([real_copy] IN (0, 1)),
    [basis] TEXT NOT NULL
) STRICT
"""

_REAL_TEXTS = """
CREATE TABLE [real_texts] (
    [area_code] TEXT NOT NULL,
    [period] TEXT NOT NULL,
    [template] TEXT NOT NULL,
    [area] TEXT NOT NULL,
    [what] TEXT NOT NULL,
    [licence] TEXT NOT NULL,
    [url] TEXT,
    PRIMARY KEY ([area_code], [period], [template])
) STRICT
"""

_SECTION_SCOPES = """
CREATE TABLE [section_scopes] (
    [name] TEXT PRIMARY KEY NOT NULL,
    [scope] TEXT NOT NULL CHECK ([scope] IN ('borough', 'London-wide')),
    [note] TEXT NOT NULL
) STRICT
"""

_CODEBOOK_NOTES = """
CREATE TABLE [codebook_notes] (
    [topic] TEXT PRIMARY KEY NOT NULL,
    [title] TEXT NOT NULL,
    [note] TEXT NOT NULL
) STRICT
"""

#: The leaflet editions: which were seen in a real copy, and which were modelled without one.
EDITIONS: tuple[tuple[str, str, str, int, str], ...] = (
    ("mpa-2008", "2008", "2007/08", 0,
     "modelled without a real copy, on the Home Office guidance of the time"),
    ("mpa-2009", "2009", "2008/09", 0,
     "modelled without a real copy, on the Home Office guidance of the time"),
    ("mpa-2010", "2010", "2009/10", 1,
     "modelled on a real copy: the Barnet 2009/10 leaflet's text"),
    ("mpa-2011", "2011", "2010/11", 0,
     "modelled without a real copy, on the Home Office guidance of the time"),
)

_SCOPES: tuple[tuple[str, str, str], ...] = (
    ("commander_message", "borough", "the Borough Commander's own message"),
    ("local_initiatives", "borough", "the borough's local police initiatives"),
    ("looking_forward", "borough", "the borough's priorities for the year ahead"),
    ("targets", "borough", "the borough's targets for the year ahead"),
    ("chair_message", "London-wide", "the MPA Chair's message, the same in every leaflet"),
    ("mpa_work", "London-wide", "the MPA's work, the same in every leaflet"),
    ("met_forward", "London-wide", "the MPA's strategic mission, the same in every leaflet"),
    ("looking_back", "London-wide", "force-wide results, the same in every leaflet"),
    ("have_your_say", "London-wide", "consultation, the same in every leaflet"),
    ("cpegs", "London-wide", "community engagement groups, the same in every leaflet"),
    ("contacts", "London-wide", "MPA and Met contacts, the same in every leaflet"),
)

#: What the methods note says beyond the codebook of measures, topic by topic.
CODEBOOK_NOTES: tuple[tuple[str, str, str], ...] = (
    ("synthetic",
     "Real or synthetic",
     "A document is synthetic (documents.synthetic = 1) when this project's fixture "
     "generators made its PDF: they write 'policing-summaries fixtures' as the PDF's Creator, "
     "and the extract stage records the PDF's producer, creator, title and dates "
     "(documents.pdf_*). 0: the PDF does not carry that signature; empty: the metadata was not "
     "read (loaded before migration m009, or unreadable). Every leaflet bundled with the "
     "project is synthetic except in one respect: the Barnet 2009/10 leaflet's text and "
     "figures are those of the real leaflet (real_texts), set in a generated PDF. "
     "data_origin says which on every row."),
    ("editions",
     "Editions modelled without a real copy",
     "The 2008, 2009 and 2011 editions (templates mpa-2008, mpa-2009, mpa-2011; years "
     "2007/08, 2008/09, 2010/11) were modelled on the Home Office guidance of the time "
     "without a real copy at hand: their layout, labels and targets are a model, not a "
     "transcription (editions.real_copy = 0; edition_real_copy on every row)."),
    ("licence",
     "Licence",
     "Only the text of the Barnet 2009/10 leaflet is real: Metropolitan Police Authority "
     "material, public sector information reused under the Open Government Licence v3.0. "
     "Everything else is synthetic, made by this project, and is released with its code "
     "under the MIT licence; it describes no real borough's policing."),
    ("targets",
     "Three targets, three names",
     "performance.target_change_pct (and performance_detail.printed_target_change_pct) is the "
     "target printed beside the result in the leaflet itself. "
     "performance_detail.previous_year_target_change_pct is the target for the year set in "
     "the previous year's leaflet's priorities; it is also kept under its older names "
     "priority_target_change_pct and, in performance_detail only, target_change_pct, so SQL "
     "written before keeps working: there target_change_pct is NOT the printed target. The "
     "printed mark is target_achieved."),
    ("target_missed",
     "Missed targets",
     "target_missed is 1 only where the printed mark or the arithmetic of a documented target "
     "(the result against the printed target, else against the previous-year target, by the "
     "measure's direction) says the target was missed, and the two do not disagree; "
     "target_judged_by names the source of the judgement. Where the mark and the arithmetic "
     "disagree (mark_agrees_with_target = 0), target_missed is empty: see "
     "target_disagreements."),
    ("levels",
     "Levels derived from changes",
     "Where a leaflet prints a change in offences (change_count) and its percentage "
     "(change_pct, one decimal) but not the counts, the previous year's count is "
     "change_count / change_pct x 100 and this year's is that plus change_count "
     "(level_basis 'derived'). The percentage's rounding to one decimal leaves an interval: "
     "level_previous_min to level_previous_max (and level_current_min to _max). The 2008 "
     "edition prints the counts (level_basis 'printed'). A change of 0% gives no level."),
    ("comparability",
     "Comparability breaks",
     "Measures change between editions: the 2010 edition splits motor vehicle crime into "
     "theft from and theft of vehicles; the 2011 edition reports serious acquisitive crime, "
     "a composite (see measures.composition); rates (public confidence, sanction detections) "
     "are printed by the 2009 and 2011 editions only. A change is always on the previous "
     "financial year as that edition counted it."),
    ("wide_empty",
     "Empty cells in the wide tables",
     "An empty cell of wide/<measure>.csv means the warehouse holds no figure for that "
     "borough and year: no loaded leaflet, a leaflet whose edition does not print the "
     "measure, or two leaflets that disagree. coverage says which leaflets are loaded."),
    ("search_scope",
     "Search scope",
     "sections_detail.scope is borough for the sections a borough writes (the commander's "
     "message, local initiatives, priorities) and London-wide for the text every leaflet "
     "prints alike (section_scopes); search_leaflets can leave the London-wide text out."),
)

_REAL_TEXT = (
    "E09000003", "2009/10", "mpa-2010", "Barnet",
    "the text and figures of the real Local Policing Summary for Barnet, 2009/10, as "
    "transcribed from its PDF; the PDF in this project is generated from that text",
    "Open Government Licence v3.0 (Metropolitan Police Authority material)", None,
)

_DOCUMENT_STANDING = """
WITH loaded AS (
    SELECT
        d.document_id, d.area, d.area_code, d.period, d.template, d.ingested_at,
        d.figures_sha256,
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
    CAST(CASE
        WHEN resolution_id IS NOT NULL AND figures = chosen_figures AND copy = 1 THEN 'chosen'
        WHEN resolution_id IS NOT NULL AND figures = chosen_figures THEN 'duplicate'
        WHEN resolution_id IS NOT NULL THEN 'set aside'
        WHEN versions = 1 AND copy = 1 THEN 'current'
        WHEN versions = 1 THEN 'duplicate'
        ELSE 'conflicted'
    END AS TEXT) AS standing,
    CAST(CASE WHEN copy > 1 THEN first_with_figures END AS TEXT) AS same_figures_as,
    CAST(documents AS INTEGER) AS publication_documents,
    CAST(versions AS INTEGER) AS publication_versions,
    CAST(resolution_id AS INTEGER) AS resolution_id,
    ingested_at
FROM ranked
"""

_ORIGIN = """CAST(CASE
        WHEN rt.area_code IS NOT NULL THEN 'real text (transcribed), generated PDF'
        WHEN d.synthetic = 1 THEN 'synthetic sample'
        WHEN d.synthetic = 0 THEN 'as read from its PDF'
        ELSE 'not known'
    END AS TEXT)"""

_REAL_TEXT_JOIN = """LEFT JOIN real_texts AS rt
    ON rt.area_code = d.area_code AND rt.period = d.period AND rt.template = d.template"""

_CURRENT_DOCUMENTS = f"""
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
    s.standing,
    d.synthetic,
    CAST(e.real_copy AS INTEGER) AS edition_real_copy,
    {_ORIGIN} AS data_origin,
    d.pdf_producer,
    d.pdf_creator,
    d.pdf_created
FROM documents AS d
JOIN document_standing AS s ON s.document_id = d.document_id
LEFT JOIN editions AS e ON e.template = d.template
{_REAL_TEXT_JOIN}
WHERE s.standing IN ('current', 'chosen')
"""

_CONFLICTS = """
SELECT
    area,
    area_code,
    period,
    template,
    CAST(count(*) AS INTEGER) AS documents,
    CAST(max(publication_versions) AS INTEGER) AS versions,
    CAST(group_concat(document_id, ' ') AS TEXT) AS document_ids
FROM (
    SELECT * FROM document_standing
    WHERE standing = 'conflicted'
    ORDER BY ingested_at, document_id
)
GROUP BY area_code, period, template
ORDER BY period, area, template
"""

_PERFORMANCE_DETAIL = f"""
WITH targets AS (
    -- The target for a year set in the previous year's leaflet (its priorities' period is the
    -- year the target is for). Two current leaflets disagreeing on it give NULL, not either one.
    SELECT
        pr.area,
        pr.period,
        pr.measure,
        CASE WHEN count(DISTINCT pr.target_change_pct) = 1
             THEN max(pr.target_change_pct) END AS priority_target_change_pct,
        CASE WHEN count(DISTINCT pr.target_change_pct) = 1
             THEN min(pr.document_id) END AS target_document_id,
        max(coalesce(e.real_copy, 1) = 0) AS target_modelled
    FROM priorities AS pr
    JOIN documents AS pd ON pd.document_id = pr.document_id AND pd.status = 'loaded'
    LEFT JOIN editions AS e ON e.template = pd.template
    WHERE pr.measure IS NOT NULL
      AND pr.target_change_pct IS NOT NULL
      AND pr.document_id IN (SELECT document_id FROM current_documents)
    GROUP BY pr.area, pr.period, pr.measure
),
base AS (
    SELECT
        p.*,
        d.area_code,
        d.commander,
        d.publisher,
        d.template,
        d.needs_review,
        d.extractor_version,
        d.source,
        d.synthetic,
        e.real_copy AS edition_real_copy,
        {_ORIGIN} AS data_origin,
        m.direction,
        t.priority_target_change_pct,
        t.target_document_id,
        (SELECT min(pr.page) FROM priorities AS pr
         WHERE pr.document_id = t.target_document_id AND pr.area = p.area
           AND pr.period = p.period AND pr.measure = p.measure) AS target_page,
        t.target_modelled,
        CASE
            WHEN p.target_change_pct IS NOT NULL AND p.change_pct IS NOT NULL
                THEN 'printed target'
            WHEN p.target_value_pct IS NOT NULL AND p.value_pct IS NOT NULL
                THEN 'printed target'
            WHEN p.target_change_pct IS NULL AND p.target_value_pct IS NULL
                 AND t.priority_target_change_pct IS NOT NULL AND p.change_pct IS NOT NULL
                THEN 'previous-year target'
        END AS arithmetic_of
    FROM performance AS p
    JOIN documents AS d ON d.document_id = p.document_id
    LEFT JOIN measures AS m ON m.measure = p.measure
    LEFT JOIN editions AS e ON e.template = d.template
    {_REAL_TEXT_JOIN}
    LEFT JOIN targets AS t ON t.area = p.area AND t.period = p.period AND t.measure = p.measure
    WHERE d.status = 'loaded'
      AND d.document_id IN (SELECT document_id FROM current_documents)
),
judged AS (
    SELECT
        *,
        CASE
            WHEN coalesce(target_change_pct, target_value_pct, priority_target_change_pct)
                 IS NULL THEN 0
            ELSE 1
        END AS documented,
        CASE arithmetic_of
            WHEN 'printed target' THEN CASE
                WHEN target_change_pct IS NOT NULL AND change_pct IS NOT NULL THEN
                    CASE WHEN direction = 'higher is better' THEN change_pct >= target_change_pct
                         ELSE change_pct <= target_change_pct END
                ELSE
                    CASE WHEN direction = 'lower is better' THEN value_pct <= target_value_pct
                         ELSE value_pct >= target_value_pct END
                END
            WHEN 'previous-year target' THEN
                CASE WHEN direction = 'higher is better'
                     THEN change_pct >= priority_target_change_pct
                     ELSE change_pct <= priority_target_change_pct END
        END AS met,
        abs(change_count) * 100.0 / abs(change_pct) AS level_estimate,
        abs(change_count) * 100.0 / (abs(change_pct) + 0.05) AS level_low,
        CASE WHEN abs(change_pct) > 0.05
             THEN abs(change_count) * 100.0 / (abs(change_pct) - 0.05) END AS level_high
    FROM base
),
levels AS (
    SELECT
        *,
        CASE
            WHEN count_previous IS NOT NULL AND count_current IS NOT NULL THEN 'printed'
            WHEN change_count IS NOT NULL AND change_count != 0
                 AND change_pct IS NOT NULL AND change_pct != 0 THEN 'derived'
        END AS level_basis,
        max(CAST(level_low AS INTEGER) + (level_low > CAST(level_low AS INTEGER)),
            CASE WHEN change_count < 0 THEN -change_count ELSE 0 END) AS previous_min,
        CAST(level_high AS INTEGER) AS previous_max
    FROM judged
)
SELECT
    area,
    area_code,
    period,
    measure,
    label,
    change_count,
    change_pct,
    count_previous,
    count_current,
    value_pct,
    target_achieved,
    target_change_pct AS printed_target_change_pct,
    target_value_pct AS printed_target_value_pct,
    CAST(priority_target_change_pct AS REAL) AS priority_target_change_pct,
    CAST(CASE
        WHEN target_change_pct IS NULL OR priority_target_change_pct IS NULL THEN NULL
        WHEN round(target_change_pct, 1) = round(priority_target_change_pct, 1) THEN 0
        ELSE 1
    END AS INTEGER) AS targets_disagree,
    CAST(documented AS INTEGER) AS target_documented,
    CAST(CASE
        WHEN documented = 0 THEN NULL
        WHEN met IS NOT NULL AND target_achieved IS NOT NULL AND met != target_achieved
            THEN NULL
        WHEN met IS NOT NULL THEN 1 - met
        WHEN target_achieved IS NOT NULL THEN 1 - target_achieved
    END AS INTEGER) AS target_missed,
    CAST(priority_target_change_pct AS REAL) AS target_change_pct,
    commander,
    publisher,
    template,
    needs_review,
    extractor_version,
    document_id,
    row_number,
    source,
    page,
    CAST(source || '#page=' || page AS TEXT) AS source_page,
    CAST(priority_target_change_pct AS REAL) AS previous_year_target_change_pct,
    CAST(target_document_id AS TEXT) AS previous_year_target_document_id,
    CAST(target_page AS INTEGER) AS previous_year_target_page,
    CAST(target_modelled AS INTEGER) AS previous_year_target_modelled,
    CAST(met AS INTEGER) AS target_met_by_arithmetic,
    CAST(CASE
        WHEN met IS NULL OR target_achieved IS NULL THEN NULL
        WHEN met = target_achieved THEN 1
        ELSE 0
    END AS INTEGER) AS mark_agrees_with_target,
    CAST(CASE
        WHEN documented = 0 THEN 'no documented target'
        WHEN met IS NOT NULL AND target_achieved IS NOT NULL AND met != target_achieved
            THEN 'not judged: the printed mark and the arithmetic of the ' || arithmetic_of
                 || ' disagree'
        WHEN met IS NOT NULL AND target_achieved IS NOT NULL
            THEN 'the printed mark and the arithmetic of the ' || arithmetic_of
        WHEN met IS NOT NULL THEN 'the arithmetic of the ' || arithmetic_of
        WHEN target_achieved IS NOT NULL THEN 'the printed mark'
        ELSE 'not judged: no mark, and no figure to compare with the target'
    END || CASE
        WHEN documented = 1 AND target_change_pct IS NULL AND target_value_pct IS NULL
             AND target_modelled = 1
            THEN ' (the previous-year target is from an edition modelled without a real copy)'
        ELSE ''
    END AS TEXT) AS target_judged_by,
    CAST(CASE level_basis WHEN 'printed' THEN count_previous
                          WHEN 'derived' THEN round(level_estimate) END AS INTEGER)
        AS level_previous,
    CAST(CASE level_basis WHEN 'printed' THEN count_previous
                          WHEN 'derived' THEN previous_min END AS INTEGER) AS level_previous_min,
    CAST(CASE level_basis WHEN 'printed' THEN count_previous
                          WHEN 'derived' THEN previous_max END AS INTEGER) AS level_previous_max,
    CAST(CASE level_basis WHEN 'printed' THEN count_current
                          WHEN 'derived' THEN round(level_estimate) + change_count END AS INTEGER)
        AS level_current,
    CAST(CASE level_basis WHEN 'printed' THEN count_current
                          WHEN 'derived' THEN previous_min + change_count END AS INTEGER)
        AS level_current_min,
    CAST(CASE level_basis WHEN 'printed' THEN count_current
                          WHEN 'derived' THEN previous_max + change_count END AS INTEGER)
        AS level_current_max,
    CAST(level_basis AS TEXT) AS level_basis,
    synthetic,
    CAST(edition_real_copy AS INTEGER) AS edition_real_copy,
    data_origin
FROM levels
"""

_TARGET_COLUMNS = """
    area, area_code, period, measure, label, change_count, change_pct, count_previous,
    count_current, value_pct, printed_target_change_pct, printed_target_value_pct,
    priority_target_change_pct, targets_disagree, target_change_pct"""

_NEW_TARGET_COLUMNS = """
    previous_year_target_change_pct, previous_year_target_document_id,
    previous_year_target_page, previous_year_target_modelled, target_achieved,
    target_met_by_arithmetic, mark_agrees_with_target, target_judged_by, synthetic,
    edition_real_copy, data_origin"""

_TARGETS_MISSED = f"""
SELECT{_TARGET_COLUMNS},
    commander, document_id, source, page, source_page,{_NEW_TARGET_COLUMNS}
FROM performance_detail
WHERE target_missed = 1
"""

_TARGETS_NOT_MARKED_ACHIEVED = f"""
SELECT{_TARGET_COLUMNS},
    target_documented, commander, document_id, source, page, source_page,{_NEW_TARGET_COLUMNS}
FROM performance_detail
WHERE target_achieved = 0
"""

_TARGET_DISAGREEMENTS = f"""
SELECT{_TARGET_COLUMNS},
    commander, document_id, row_number, source, page, source_page,{_NEW_TARGET_COLUMNS}
FROM performance_detail
WHERE mark_agrees_with_target = 0
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
    CAST(CAST(substr(period, 1, 4) AS INTEGER)
        - CAST(substr(previous_period, 1, 4) AS INTEGER) AS INTEGER) AS years_since_previous,
    CAST(round(change_pct - previous_change_pct, 1) AS REAL) AS change_pct_difference,
    CAST(round(value_pct - previous_value_pct, 1) AS REAL) AS value_pct_difference,
    document_id,
    source,
    page,
    source_page,
    level_previous,
    level_current,
    level_basis,
    synthetic,
    edition_real_copy,
    data_origin
FROM (
    SELECT
        *,
        CAST(lag(period) OVER by_year AS TEXT) AS previous_period,
        CAST(lag(change_count) OVER by_year AS INTEGER) AS previous_change_count,
        CAST(lag(change_pct) OVER by_year AS REAL) AS previous_change_pct,
        CAST(lag(value_pct) OVER by_year AS REAL) AS previous_value_pct
    FROM performance_detail
    WHERE measure IS NOT NULL
    WINDOW by_year AS (PARTITION BY area, measure ORDER BY period)
)
ORDER BY area, measure, period
"""

_KNOWN = """
known AS (
    -- A quarantined document has no area or period of its own: use what its manifest
    -- expected, else where its reason, PDF title or file name place it.
    SELECT
        d.document_id, d.status, d.reason,
        coalesce(d.area_code, q.area_code) AS area_code,
        coalesce(d.area, (SELECT max(e.expected_area) FROM document_expectations AS e
                          WHERE e.document_id = d.document_id), q.area) AS area,
        coalesce(d.period, (SELECT max(e.expected_period) FROM document_expectations AS e
                            WHERE e.document_id = d.document_id), q.period) AS period
    FROM documents AS d
    LEFT JOIN quarantine_placements AS q ON q.document_id = d.document_id
),
placed AS (
    -- A document is placed by its ONS code, or by its name when a quarantined one has no code.
    SELECT a.area_code, k.period, k.status, k.document_id, k.reason
    FROM known AS k
    JOIN areas AS a
        ON a.area_code = k.area_code OR (k.area_code IS NULL AND a.area = k.area)
    WHERE k.period IS NOT NULL
)"""

_COVERAGE = f"""
WITH periods AS (
    SELECT period FROM documents WHERE period IS NOT NULL
    UNION
    SELECT expected_period FROM document_expectations WHERE expected_period IS NOT NULL
    UNION
    SELECT period FROM quarantine_placements
),
{_KNOWN.strip()},
standing AS (
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
    CAST(CASE
        WHEN max(s.conflicted) > 0 THEN 'conflict'
        WHEN coalesce(max(s.shown), sum(placed.status = 'loaded')) > 0 THEN 'loaded'
        WHEN sum(placed.status = 'quarantined') > 0 THEN 'quarantined'
        ELSE 'missing'
    END AS TEXT) AS status,
    CAST(coalesce(sum(placed.status = 'loaded'), 0) AS INTEGER) AS loaded_documents,
    CAST(coalesce(sum(placed.status = 'quarantined'), 0) AS INTEGER) AS quarantined_documents,
    CAST(coalesce(
        max(s.shown_id),
        min(CASE WHEN placed.status = 'loaded' THEN placed.document_id END),
        min(placed.document_id)
    ) AS TEXT) AS document_id,
    CAST(coalesce(max(s.conflicted), 0) AS INTEGER) AS conflicted_documents,
    CAST(CASE
        WHEN coalesce(max(s.shown), sum(placed.status = 'loaded')) > 0 THEN NULL
        ELSE min(CASE WHEN placed.status = 'quarantined' THEN placed.reason END)
    END AS TEXT) AS quarantine_reason,
    CAST(CASE
        WHEN count(placed.document_id) = 0 THEN 'no leaflet for this borough and year was '
                                                || 'ingested'
        WHEN max(s.conflicted) > 0 THEN 'loaded leaflets disagree; none chosen'
        WHEN coalesce(max(s.shown), sum(placed.status = 'loaded')) > 0 THEN 'loaded'
        ELSE 'ingested and quarantined: see quarantine_reason'
    END AS TEXT) AS status_detail,
    CAST(max(d.synthetic) AS INTEGER) AS synthetic
FROM areas AS a
CROSS JOIN periods
LEFT JOIN placed ON placed.area_code = a.area_code AND placed.period = periods.period
LEFT JOIN standing AS s ON s.area_code = a.area_code AND s.period = periods.period
LEFT JOIN documents AS d ON d.document_id = placed.document_id
GROUP BY a.area_code, periods.period
ORDER BY periods.period, a.area
"""

_COVERAGE_UNPLACED = f"""
WITH {_KNOWN.strip()}
SELECT
    d.document_id,
    d.source,
    d.status,
    d.reason,
    CAST(CASE
        WHEN k.area IS NULL AND k.period IS NULL
            THEN 'neither its borough nor its year could be read from its reason, its PDF '
                 || 'title or its file name, and no manifest said what it should be'
        WHEN k.area IS NULL
            THEN 'its borough could not be read from its reason, its PDF title or its file '
                 || 'name, and no manifest said which it should be'
        WHEN k.period IS NULL
            THEN 'its year could not be read from its reason, its PDF title or its file '
                 || 'name, and no manifest said which it should be'
        ELSE 'its borough (' || k.area || ') is not one of the 32 London boroughs'
    END AS TEXT) AS why_not_in_matrix,
    d.size_bytes,
    d.ingested_at,
    d.synthetic
FROM documents AS d
JOIN known AS k ON k.document_id = d.document_id
WHERE d.status = 'quarantined'
  AND d.document_id NOT IN (SELECT document_id FROM placed)
ORDER BY d.source
"""

_PRIORITIES_DETAIL = f"""
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
    CAST(d.source || '#page=' || pr.page AS TEXT) AS source_page,
    d.synthetic,
    CAST(e.real_copy AS INTEGER) AS edition_real_copy,
    {_ORIGIN} AS data_origin
FROM priorities AS pr
JOIN documents AS d ON d.document_id = pr.document_id
LEFT JOIN editions AS e ON e.template = d.template
{_REAL_TEXT_JOIN}
WHERE d.status = 'loaded'
  AND d.document_id IN (SELECT document_id FROM current_documents)
"""

_WARD_PRIORITIES_DETAIL = f"""
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
    CAST(d.source || '#page=' || w.page AS TEXT) AS source_page,
    d.synthetic,
    CAST(e.real_copy AS INTEGER) AS edition_real_copy,
    {_ORIGIN} AS data_origin
FROM ward_priorities AS w
JOIN documents AS d ON d.document_id = w.document_id
LEFT JOIN editions AS e ON e.template = d.template
{_REAL_TEXT_JOIN}
WHERE d.status = 'loaded'
  AND d.document_id IN (SELECT document_id FROM current_documents)
"""

_SECTIONS_DETAIL = f"""
SELECT
    CAST(s.rowid AS INTEGER) AS section_id,
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
    CAST(d.source || '#page=' || s.page AS TEXT) AS source_page,
    CAST(coalesce(sc.scope, CASE
        WHEN EXISTS (SELECT 1 FROM sections AS s2
                     JOIN documents AS d2 ON d2.document_id = s2.document_id
                     WHERE s2.name = s.name AND s2.text = s.text AND d2.area != d.area)
            THEN 'London-wide'
        ELSE 'borough'
    END) AS TEXT) AS scope,
    d.synthetic,
    CAST(e.real_copy AS INTEGER) AS edition_real_copy,
    {_ORIGIN} AS data_origin
FROM sections AS s
JOIN documents AS d ON d.document_id = s.document_id
LEFT JOIN section_scopes AS sc ON sc.name = s.name
LEFT JOIN editions AS e ON e.template = d.template
{_REAL_TEXT_JOIN}
WHERE d.status = 'loaded'
  AND d.document_id IN (SELECT document_id FROM current_documents)
"""

_MEASURE_LABELS = """
SELECT
    p.measure,
    p.label,
    d.template,
    d.period,
    CAST(count(*) AS INTEGER) AS rows
FROM performance AS p
JOIN documents AS d ON d.document_id = p.document_id
WHERE d.status = 'loaded'
GROUP BY p.measure, p.label, d.template, d.period
ORDER BY p.measure IS NULL, p.measure, d.period, p.label
"""

_FIGURE_CELLS_DETAIL = """
SELECT
    c.document_id,
    c.table_name,
    c.row_number,
    c.field,
    d.area,
    d.period,
    c.page,
    c.x0,
    c.top,
    c.x1,
    c.bottom,
    c.text,
    c.sign_source,
    c.read_by,
    c.confidence,
    CAST('/-/pages/' || c.document_id || '/' || c.page || '.png' AS TEXT) AS page_image,
    d.synthetic
FROM figure_cells AS c
JOIN documents AS d ON d.document_id = c.document_id
"""

#: The views this migration (re)creates, in creation order (each may read those before it).
VIEWS: dict[str, str] = {
    "document_standing": _DOCUMENT_STANDING,
    "current_documents": _CURRENT_DOCUMENTS,
    "conflicts": _CONFLICTS,
    "performance_detail": _PERFORMANCE_DETAIL,
    "targets_missed": _TARGETS_MISSED,
    "targets_not_marked_achieved": _TARGETS_NOT_MARKED_ACHIEVED,
    "target_disagreements": _TARGET_DISAGREEMENTS,
    "performance_year_on_year": _PERFORMANCE_YEAR_ON_YEAR,
    "coverage": _COVERAGE,
    "coverage_unplaced": _COVERAGE_UNPLACED,
    "priorities_detail": _PRIORITIES_DETAIL,
    "ward_priorities_detail": _WARD_PRIORITIES_DETAIL,
    "sections_detail": _SECTIONS_DETAIL,
    "measure_labels": _MEASURE_LABELS,
    "figure_cells_detail": _FIGURE_CELLS_DETAIL,
}

_CAST = re.compile(r"AS (INTEGER|REAL|TEXT)\)\s+AS\s+(\w+)\b")
_TABLE_SCHEMA_TYPES = {"INTEGER": "integer", "REAL": "number", "TEXT": "string"}


def _computed_types() -> dict[str, str]:
    """The Table Schema type of every computed (CAST) column of the views above, by name."""
    types: dict[str, str] = {}
    for sql in VIEWS.values():
        for match in _CAST.finditer(sql):
            types[match.group(2)] = _TABLE_SCHEMA_TYPES[match.group(1)]
    return types


#: Types of the views' computed columns (SQLite's PRAGMA gives none for an expression).
VIEW_COLUMN_TYPES: dict[str, str] = _computed_types()

#: Every statement, in order. `apply` runs them, then places the quarantined documents.
STATEMENTS: tuple[str, ...] = (
    *_DOCUMENT_COLUMNS,
    _FIGURE_CELLS.strip(),
    "CREATE INDEX [idx_figure_cells_page] ON [figure_cells] ([document_id], [page])",
    _QUARANTINE_PLACEMENTS.strip(),
    _EDITIONS.strip(),
    _REAL_TEXTS.strip(),
    _SECTION_SCOPES.strip(),
    _CODEBOOK_NOTES.strip(),
    *(f"DROP VIEW IF EXISTS [{name}]" for name in VIEWS),
    *(f"CREATE VIEW [{name}] AS {sql.strip()}" for name, sql in VIEWS.items()),
)


def apply(db: Database) -> None:
    """Run the statements, fill the reference tables, place every quarantined document already
    there (from its reason and file name: its PDF's title was not recorded before), and read
    every view once so a broken one fails the migration."""
    from warehouse.placement import place_quarantined

    for statement in STATEMENTS:
        db.execute(statement)
    db.conn.executemany("INSERT INTO [editions] VALUES (?, ?, ?, ?, ?)", EDITIONS)
    db.execute("INSERT INTO [real_texts] VALUES (?, ?, ?, ?, ?, ?, ?)", _REAL_TEXT)
    db.conn.executemany("INSERT INTO [section_scopes] VALUES (?, ?, ?)", _SCOPES)
    db.conn.executemany("INSERT INTO [codebook_notes] VALUES (?, ?, ?)", CODEBOOK_NOTES)
    quarantined = db.execute(
        "SELECT document_id, reason, source FROM documents WHERE status = 'quarantined'"
    ).fetchall()
    for document_id, reason, source in quarantined:
        placement = place_quarantined(reason, None, source)
        if placement is not None:
            db.execute("INSERT INTO [quarantine_placements] VALUES (?, ?, ?, ?, ?)",
                       [document_id, placement.area, placement.area_code, placement.period,
                        placement.read_from])
    for name in VIEWS:
        db.execute(f"SELECT * FROM [{name}] LIMIT 0").fetchall()
