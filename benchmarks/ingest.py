"""Benchmark `lps ingest` end to end, and the fixed cost of a run, against baselines measured
in the same run.

    make bench                     (N=150, figures to benchmarks/results/150.json)
    make bench N=500               (or: python -m benchmarks.ingest --n 500 --json out.json)

Builds N distinct leaflets (`benchmarks.corpus`) and measures, in one run:

(a) the naive floor: this process opens each PDF with pdfplumber and calls `extract_words()`
    and `extract_tables()` on every page, one document after another;
(e) the project's own extractor, run sequentially in this process with no Prefect, no guard and
    no warehouse (`extractors.extract_document` on each file's bytes);
(b) `lps ingest <corpus> --db <new warehouse> -v`: the real CLI in a subprocess, Prefect
    orchestrating, on a temporary server (no server configured: the unattended case); and (b')
    the same into another new warehouse while `lps server start`'s server is up;
(c) the same command again, when every document is settled;
(d) one new leaflet added to that warehouse, on a temporary server and, after
    `lps server start`, on the long-lived local server (the first run after its start, and
    the next one); against (x), a bare `lps extract` of
    the same leaflet, as the fixed cost of a run: `fixed_cost_temporary_server_over_extract`
    (issue 19 asks at most 4) and `fixed_cost_lps_server_over_extract` (at most 2), each with
    its run's breakdown;
(f) a first-ever run: one leaflet, a new warehouse and a new Prefect home (its database is
    migrated), on a temporary server; and `lps server start` on a new home;
(g) `lps backfill` of a manifest of 20 local files, then the same backfill again.

Ratios: b/a and b/e, each in wall time and in CPU time (of every process of the run); and b/a
and b'/a against the mean of (a) and (a) run again at the end, the steadier baseline on a
machine whose speed drifts. b/e is
the cost of orchestration: Prefect, the guard's children, the warehouse, against the extractor
alone. Each `-v` run's breakdown (imports, server start, flow run, waiting for the server,
stopping it) is kept. Timings on a shared machine depend on what else runs, so the load average
is recorded through each phase: on 2 cores, a load above 2 means other work competed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pdfplumber

from benchmarks.corpus import build_corpus, retitled
from benchmarks.measure import ROOT, PeakRss, load_now, run_measured

__all__ = ["floor_seconds", "main", "own_extractor_seconds"]

LPS = [sys.executable, "-m", "lps.cli"]


def floor_seconds(paths: list[Path]) -> tuple[float, float]:
    """(a): words and tables of every page, sequentially, in this process: wall and CPU."""
    started, cpu = time.perf_counter(), time.process_time()
    for path in paths:
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                page.extract_words()
                page.extract_tables()
                page.close()
    return time.perf_counter() - started, time.process_time() - cpu


def own_extractor_seconds(paths: list[Path]) -> tuple[float, float]:
    """(e): the project's extractor on each file, sequentially, in this process."""
    from extractors import extract_document

    started, cpu = time.perf_counter(), time.process_time()
    for path in paths:
        extract_document(path.read_bytes())
    return time.perf_counter() - started, time.process_time() - cpu


def _problems(output: str) -> list[str]:
    markers = ("Traceback", "database is locked", "| ERROR", "| WARNING")
    return [line for line in output.splitlines() if any(m in line for m in markers)]


def _kept(run: dict[str, Any]) -> dict[str, Any]:
    """What the JSON keeps of a run: no full output, only its problems and last lines."""
    if run["returncode"] != 0:
        raise SystemExit(f"command failed ({run['returncode']}):\n{run['stderr'][-3000:]}")
    kept = {k: v for k, v in run.items() if k not in ("stdout", "stderr")}
    kept["problem_lines"] = _problems(run["stdout"] + run["stderr"])
    kept["summary"] = run["stdout"].strip().splitlines()[:5]
    return kept


def _ratio(part: float | None, whole: float | None) -> float | None:
    return round(part / whole, 3) if part is not None and whole else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ingest", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=150, help="documents in the corpus")
    parser.add_argument("--workers", type=int, default=None,
                        help="lps ingest --workers (default: lps's own, one per CPU)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--port", type=int, default=4391, help="port for `lps server start`")
    args = parser.parse_args(argv)
    figures: dict[str, Any] = {"n": args.n, "cpus": os.cpu_count(),
                               "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    load: dict[str, Any] = {"start": load_now()}
    with tempfile.TemporaryDirectory(prefix="lps-bench-") as folder:
        tmp = Path(folder)
        home = tmp / "prefect-home"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "LPS_"))}
        env |= {"PYTHONPATH": str(ROOT), "PREFECT_HOME": str(home)}
        paths = build_corpus(tmp / "corpus", args.n)
        extra = tmp / "extra" / "one-more.pdf"
        extra.parent.mkdir()
        extra.write_bytes(retitled(paths[0].read_bytes(), "one more leaflet"))
        workers = ["--workers", str(args.workers)] if args.workers else []
        db = tmp / "bench.db"

        # (f) first: a new Prefect home, a new warehouse, one leaflet
        first = _kept(run_measured([*LPS, "ingest", str(paths[0]), "--db",
                                    str(tmp / "first.db"), "-v"], env))
        load["after_f"] = load_now()

        sampler = PeakRss(os.getpid())
        a_wall, a_cpu = floor_seconds(paths)
        sampler.stop()
        figures["a_load_1min_mean"] = round(sum(sampler.loads) / max(1, len(sampler.loads)), 2)
        load["after_a"] = load_now()
        e_wall, e_cpu = own_extractor_seconds(paths)
        load["after_e"] = load_now()

        b = _kept(run_measured([*LPS, "ingest", str(tmp / "corpus"), "--db", str(db), "-v",
                                *workers], env))
        load["after_b"] = load_now()
        c = _kept(run_measured([*LPS, "ingest", str(tmp / "corpus"), "--db", str(db), "-v"],
                               env))
        bare = _kept(run_measured([*LPS, "extract", str(extra), "-v"], env))
        d_temporary = _kept(run_measured([*LPS, "ingest", str(tmp / "corpus"), str(extra),
                                          "--db", str(db), "-v"], env))
        server_home = tmp / "server-home"  # a new home: the server's first start migrates it
        server_env = {**env, "PREFECT_HOME": str(server_home)}
        server = _kept(run_measured([*LPS, "server", "start", "--port", str(args.port)],
                                    server_env))
        try:
            again = tmp / "extra" / "and-another.pdf"
            again.write_bytes(retitled(paths[1].read_bytes(), "and another leaflet"))
            d_server = _kept(run_measured([*LPS, "ingest", str(tmp / "corpus"), str(again),
                                           "--db", str(db), "-v"], server_env))
            # and the next one: the first run after `lps server start` meets a server still
            # starting its own services (Prefect's block registration among them)
            third = tmp / "extra" / "and-a-third.pdf"
            third.write_bytes(retitled(paths[2].read_bytes(), "and a third leaflet"))
            d_server_next = _kept(run_measured([*LPS, "ingest", str(tmp / "corpus"), str(third),
                                                "--db", str(db), "-v"], server_env))
            b_server = _kept(run_measured([*LPS, "ingest", str(tmp / "corpus"), "--db",
                                           str(tmp / "server.db"), "-v", *workers], server_env))
        finally:
            stopped = run_measured([*LPS, "server", "stop"], server_env)
        load["after_d"] = load_now()

        manifest = tmp / "manifest.json"
        manifest.write_text(json.dumps([{"path": str(p)} for p in paths[:20]]))
        backfill = [*LPS, "backfill", str(manifest), "--db", str(tmp / "backfill.db"), "--raw",
                    str(tmp / "raw"), "-v"]
        g_first = _kept(run_measured(backfill, env))
        g_again = _kept(run_measured(backfill, env))
        load["after_g"] = load_now()
        # (a) again, last: the machine's speed drifts by up to a tenth over minutes (the same
        # ingest's CPU time measured 35 to 43 s in one afternoon); the mean of the two floors,
        # one before (b) and one after (b'), is the steadier baseline
        a2_wall, a2_cpu = floor_seconds(paths)
        load["after_a_again"] = load_now()
        shutil.rmtree(tmp / "raw", ignore_errors=True)

    b_wall, b_cpu = b["seconds"], b["cpu_seconds"]
    a_mean = (a_wall + a2_wall) / 2
    figures |= {
        "load_average": load,
        "b_load_1min_mean": b["load_1min_mean"],
        "a_floor_seconds": round(a_wall, 2), "a_cpu_seconds": round(a_cpu, 2),
        "a_floor_again_seconds": round(a2_wall, 2), "a_floor_again_cpu_seconds": round(a2_cpu, 2),
        "e_own_extractor_seconds": round(e_wall, 2), "e_cpu_seconds": round(e_cpu, 2),
        "ratio_b_over_mean_a": _ratio(b_wall, a_mean),
        "ratio_b_lps_server_over_mean_a": _ratio(b_server["seconds"], a_mean),
        "b_ingest_seconds": b_wall, "b_cpu_seconds": b_cpu,
        "ratio_b_over_a": _ratio(b_wall, a_wall), "cpu_ratio_b_over_a": _ratio(b_cpu, a_cpu),
        "ratio_b_over_e": _ratio(b_wall, e_wall), "cpu_ratio_b_over_e": _ratio(b_cpu, e_cpu),
        "b_lps_server_seconds": b_server["seconds"],
        "b_lps_server_cpu_seconds": b_server["cpu_seconds"],
        "ratio_b_lps_server_over_a": _ratio(b_server["seconds"], a_wall),
        "cpu_ratio_b_lps_server_over_a": _ratio(b_server["cpu_seconds"], a_cpu),
        "ratio_b_lps_server_over_e": _ratio(b_server["seconds"], e_wall),
        "cpu_ratio_b_lps_server_over_e": _ratio(b_server["cpu_seconds"], e_cpu),
        "b_lps_server_load_1min_mean": b_server["load_1min_mean"],
        "a_docs_per_second": round(args.n / a_wall, 2),
        "e_docs_per_second": round(args.n / e_wall, 2),
        "b_docs_per_second": round(args.n / b_wall, 2),
        "c_rerun_seconds": c["seconds"],
        "d_one_new_temporary_server_seconds": d_temporary["seconds"],
        "d_one_new_lps_server_seconds": d_server["seconds"],
        "x_bare_extract_seconds": bare["seconds"],
        "fixed_cost_temporary_server_over_extract": _ratio(d_temporary["seconds"],
                                                           bare["seconds"]),
        "fixed_cost_lps_server_over_extract": _ratio(d_server["seconds"], bare["seconds"]),
        "d_one_new_lps_server_next_seconds": d_server_next["seconds"],
        "fixed_cost_lps_server_next_over_extract": _ratio(d_server_next["seconds"],
                                                          bare["seconds"]),
        "f_first_ever_seconds": first["seconds"],
        "f_lps_server_first_start_seconds": server["seconds"],
        "g_backfill_20_seconds": g_first["seconds"],
        "g_backfill_again_seconds": g_again["seconds"],
        "b_peak_rss_mb_any_process": b["peak_rss_mb"], "b_peak_rss_process": b["peak_process"],
        "runs": {"b_ingest": b, "b_ingest_lps_server": b_server, "c_rerun": c,
                 "d_one_new_temporary_server": d_temporary,
                 "d_one_new_lps_server": d_server,
                 "d_one_new_lps_server_next": d_server_next, "x_bare_extract": bare,
                 "f_first_ever": first,
                 "f_lps_server_start": server, "g_backfill": g_first, "g_backfill_again": g_again,
                 "server_stop_returncode": stopped["returncode"]},
    }
    for key, value in figures.items():
        if key != "runs":
            print(f"{key:38} {value}")
    for name, run in figures["runs"].items():
        if isinstance(run, dict) and run.get("breakdown"):
            print(f"{name}: " + ", ".join(f"{k} {v:.2f}s" for k, v in run["breakdown"].items()))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
