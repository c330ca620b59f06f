"""Shared fixtures: a small, self-contained partnership config for tests that must not depend on demo data."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

MINIMAL_CONFIG = {
    "partnership.yaml": """
        name: Test partnership
        sender: workflows@partnership.example
        business_unit_email: business.unit@partnership.example
    """,
    "calendar.yaml": """
        day_ends_at: "23:59:59"
        working_hours: {start: "09:00", end: "17:30"}
        at_risk_within: 2 working days
        calendars:
          partnership:
            closures:
              2027-12-24: Council Christmas shutdown
    """,
    "roles.yaml": """
        roles:
          business-manager: {title: Business manager}
          partnership-chair: {title: Partnership chair}
          dsp-local-authority: {title: DSP for the local authority}
          agency-safeguarding-lead: {title: Agency safeguarding lead, scope: agency}
    """,
    "agencies.yaml": """
        agencies:
          city-council: {name: City Council, kind: local-authority, audits: [section-11]}
          police: {name: Police, kind: police, audits: [section-11]}
          oak-primary: {name: Oak Primary School, kind: school, audits: [section-175]}
    """,
    "people.yaml": """
        people:
          - name: Bea Manager
            email: bea@partnership.example
            holds: [{role: business-manager}]
          - name: Cal Chair
            email: cal@partnership.example
            holds: [{role: partnership-chair}, {role: dsp-local-authority}]
          - name: Lee Lead
            email: lee@council.example
            holds: [{role: agency-safeguarding-lead, agency: city-council}]
          - name: Pat Police
            email: pat@police.example
            holds: [{role: agency-safeguarding-lead, agency: police}]
    """,
}


def write_files(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return folder


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    return write_files(tmp_path / "config", MINIMAL_CONFIG)


@pytest.fixture
def minimal_config(config_dir: Path):
    from workflows.config.loader import load_config

    return load_config(config_dir)
