"""Imported by the guard's forkserver as it starts (and by nothing else): gives the forkserver a
process group of its own, which every extraction child it forks inherits.

A terminal's Ctrl-C is a SIGINT to every process of its foreground process group. Before this,
that was the run, its forkserver and every extraction child: each child died of its own
KeyboardInterrupt (tracebacks, and a child dying as it started failed its batch), racing the
run's own orderly stop. In a group of their own, the children hear only the run, which ends
them (`pipeline.guard.stop_children`) once it has decided what to keep. The forkserver still
ends with the run (it exits when the run's end of its pipe closes), and the children with it.
"""

from __future__ import annotations

import os

os.setpgid(0, 0)
