"""Prefect flows: a thin orchestration layer over `extractors` and `warehouse`.

`flows.ingest.ingest_flow(paths, db_path, workers)` is the entry point, and
`flows.runtime.local_prefect_api` runs it against one quiet Prefect API when no server is
configured. Nothing is imported here, so the library modules (`flows.sources`,
`flows.extraction`, `flows.summary`) load without importing Prefect.
"""
