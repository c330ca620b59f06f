"""Where config/ and processes/ are: the folder an environment variable names, else the working directory's,
else the shipped one. Imports nothing heavy: a command that only counts days asks it too."""

from __future__ import annotations

import os
import re
from pathlib import Path

_SHIPPED_ROOT = Path(__file__).resolve().parents[3]


def locate_folder(env_var: str, folder: str) -> Path:
    if os.environ.get(env_var):
        return Path(os.environ[env_var])
    here = Path.cwd() / folder
    if here.is_dir() or not (_SHIPPED_ROOT / folder).is_dir():
        return here
    return _SHIPPED_ROOT / folder


def locate_config_dir() -> Path:
    return locate_folder("WORKFLOWS_CONFIG", "config")


def locate_processes_dir() -> Path:
    return locate_folder("WORKFLOWS_PROCESSES", "processes")


def national_bank_holidays_written() -> bool:
    """Whether config/calendar.yaml may add or move bank holidays (then the whole config is read to count days)."""
    try:
        text = (locate_config_dir() / "calendar.yaml").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return re.search(r"^bank_holidays\s*:", text, re.MULTILINE) is not None
