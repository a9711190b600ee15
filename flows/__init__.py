"""Prefect flows and tasks: a thin orchestration layer over `pipeline`.

- `flows.ingest`: `ingest_flow` and its tasks (plan, extract in batches, load, finish).
- `flows.backfill`: `backfill_flow` (plan, fetch, copy, record, then `ingest_flow`, finish).
- `flows.launch`: how `lps` starts a run: planned first, with no Prefect when nothing is new.
- `flows.runtime`: which Prefect API a run uses, and leaving it once the run is recorded.
- `flows.server`: the long-lived local server (`lps server`) and the temporary one, as
  processes.
- `flows.supervise`: a run in a thread the main thread watches (signals, the server's health).
- `flows.dask_check`: a Dask cluster checked before a run uses it.
- `flows.checkout`: the deployment's pull step into the checkout a worker names.

Nothing is imported here, so `flows.launch` and `flows.server` load without importing Prefect.
"""
