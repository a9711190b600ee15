"""The deployment's pull step: move into the checkout a Prefect worker names in LPS_CHECKOUT.

A process worker runs each flow run of `prefect.yaml`'s deployment from a checkout of this
repository on its own machine (`docs/scaling.md`). With Prefect's own `set_working_directory`
and LPS_CHECKOUT missing from the worker's environment, the step moved into an empty path and
the run failed with a `FileNotFoundError` about a temporary folder, naming neither the setting
nor the fix. This step says which: LPS_CHECKOUT unset, or naming something that is no checkout.
It is imported from the worker's Python environment, where `make setup` installed the project.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["CheckoutMissing", "enter_checkout"]

#: How the fix is said, with the worker's command.
_FIX = ("start the worker with the checkout named, e.g. `LPS_CHECKOUT=/srv/lps/policing-summaries "
        "prefect worker start --pool lps-process`")


class CheckoutMissing(Exception):
    """The worker's environment names no usable checkout of this repository."""


def enter_checkout(directory: str | None = None) -> dict[str, str]:
    """Move into `directory` (the deployment passes `{{ $LPS_CHECKOUT }}`), else LPS_CHECKOUT,
    checking it is a checkout of this repository; the step's output is the directory."""
    target = directory or os.environ.get("LPS_CHECKOUT", "")
    if not target:
        raise CheckoutMissing(f"LPS_CHECKOUT is not set in this worker's environment: {_FIX}")
    if not (Path(target) / "flows" / "ingest.py").is_file():
        raise CheckoutMissing(
            f"LPS_CHECKOUT={target} is not a checkout of policing-summaries (it has no "
            f"flows/ingest.py): {_FIX}")
    os.chdir(target)
    return {"directory": str(Path(target))}
