"""The warehouse imports sqlite-utils without pandas and numpy (warehouse/sqlite_import.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_opening_the_warehouse_imports_no_pandas_and_pandas_still_imports() -> None:
    code = (
        "import sys\n"
        "import warehouse\n"
        "import sqlite_utils.db\n"
        "print('pandas' in sys.modules, 'numpy' in sys.modules, sqlite_utils.db.pd is None)\n"
        "import pandas\n"
        "print(pandas.DataFrame({'a': [1]}).shape)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, check=True)
    assert result.stdout.split("\n")[:2] == ["False False True", "(1, 1)"]


def test_a_process_with_pandas_keeps_it() -> None:
    code = (
        "import pandas, sys\n"
        "import warehouse\n"
        "import sqlite_utils.db\n"
        "print(sqlite_utils.db.pd is pandas)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == "True"
