"""Partnership settings loaded from `config/`: calendars, working hours, the directory."""

from workflows.config.loader import Config, load_config, locate_config_dir, locate_processes_dir
from workflows.config.model import CalendarSettings, PartnershipSettings

__all__ = [
    "CalendarSettings",
    "Config",
    "PartnershipSettings",
    "load_config",
    "locate_config_dir",
    "locate_processes_dir",
]
