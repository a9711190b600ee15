"""Measuring a command: wall time, CPU time of its whole process tree, peak memory, and the
breakdown of its wall time that `lps ... -v` prints (`pipeline.timing`)."""

from __future__ import annotations

import os
import re
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import psutil

__all__ = ["MB", "PeakRss", "load_now", "parse_breakdown", "run_measured"]

MB = 1024 * 1024
ROOT = Path(__file__).resolve().parent.parent
_PHASE = re.compile(r"^  (\s*\S.*?)\s+(-?\d+\.\d+) s$")


class PeakRss:
    """Samples the resident set and CPU time of a process and its descendants until stopped."""

    def __init__(self, pid: int) -> None:
        self.root = psutil.Process(pid)
        self.peak = 0
        self.peak_process = ""  # the command line of the process that reached `peak`
        self.loads: list[float] = []
        self._stop = threading.Event()
        self._cpu: dict[int, float] = {}  # last CPU seconds seen, per process
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                tree = [self.root, *self.root.children(recursive=True)]
            except psutil.Error:
                tree = []
            for process in tree:
                try:
                    rss = process.memory_info().rss
                    if rss > self.peak:
                        self.peak, self.peak_process = rss, " ".join(process.cmdline())[:120]
                    times = process.cpu_times()
                    self._cpu[process.pid] = times.user + times.system
                except psutil.Error:
                    pass
            self.loads.append(os.getloadavg()[0])
            self._stop.wait(0.05)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak

    @property
    def cpu_seconds(self) -> float:
        """CPU seconds of every process seen in the tree (each as last sampled, so at most
        0.05 s of each process's last moments is missed)."""
        return sum(self._cpu.values())


def parse_breakdown(stderr: str) -> dict[str, float]:
    """The phases of a `-v` breakdown ("wall time:" then one `  name  1.23 s` line each)."""
    lines = stderr.splitlines()
    if "wall time:" not in lines:
        return {}
    start = len(lines) - 1 - lines[::-1].index("wall time:")
    phases = {}
    for line in lines[start + 1:]:
        found = _PHASE.match(line)
        if found is None:
            break
        phases[found.group(1).strip()] = float(found.group(2))
    return phases


def load_now() -> dict[str, float]:
    """The machine's load averages now: how contended the cores were (2 cores: 2.0 is full)."""
    one, five, fifteen = os.getloadavg()
    return {"1min": round(one, 2), "5min": round(five, 2), "15min": round(fifteen, 2)}


def run_measured(args: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run a command to its end: wall time, CPU seconds of its whole process tree, peak RSS of
    any one process, exit code, output, and its `-v` breakdown when it printed one."""
    started = time.perf_counter()
    process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    sampler = PeakRss(process.pid)
    stdout, stderr = process.communicate()
    seconds = time.perf_counter() - started
    peak = sampler.stop()
    loads = sampler.loads
    return {"seconds": round(seconds, 2), "cpu_seconds": round(sampler.cpu_seconds, 2),
            "peak_rss_mb": round(peak / MB, 1), "peak_process": sampler.peak_process,
            "returncode": process.returncode,
            "load_1min_mean": round(sum(loads) / len(loads), 2) if loads else None,
            "breakdown": parse_breakdown(stderr), "stdout": stdout, "stderr": stderr}
