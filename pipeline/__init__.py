"""The pipeline's stages, with no Prefect in them: every command runs through these.

::

    paths ──► plan ──────────► extract ─────────────► load ──────────► report
              find, hash once,  re-read, check         one transaction   record the run,
              skip what the     unchanged, parse in    per document;     one summary
              warehouse settled the guard's child      quarantine with
              (pipeline.plan)   (pipeline.extract,     a reason         (pipeline.report)
                                 .guard, .parse)       (pipeline.load)

    manifest ─► plan_backfill ─► fetch / copy into ─► acquire ─► plan ► extract ► load ─► finish
                (pipeline.       the raw store         record      (as above)            origins,
                 backfill)       (.fetch, .rawstore)   fetches                            verdicts

`flows` wraps the stages in Prefect tasks (retries on I/O, logging, a run history) and only
orchestrates; `lps extract`, `evaluate` and `reprocess` call them directly. Every parse goes
through `pipeline.guard` with the limits of `pipeline.settings.Settings`. Modules:

- `settings`: every limit and tolerance, read once from `LPS_*` variables.
- `sources`: finding files, and a document's identity (sha256), computed in one place.
- `plan`: what an ingest must do, decided before anything is written or started.
- `parse`, `guard`, `extract`: one document's records or quarantine reason, in a child process
  with time and memory limits; batches and several children at once.
- `figure_check`: after extraction, in the same child, every figure confirmed by the rendered
  page (`pdfpage.render_check`).
- `load`, `report`: writing to the warehouse, counting, recording the run, the summary.
- `manifest`, `safety`, `fetch`, `rawstore`, `backfill`: the backfill's own stages.
- `reprocess`, `evaluate`, `debug`: re-extraction, scoring against truth files, pictures.
- `deep_verify`: `lps verify --deep`, every loaded document compared with its PDF again.
- `timing`: where a command's wall time goes, from process start to exit.

Nothing is imported here, so importing one stage does not import the others.
"""
