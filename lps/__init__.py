"""The `lps` command line: ingest, extract and explore Local Policing Summaries."""
