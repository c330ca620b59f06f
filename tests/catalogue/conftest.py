"""The shipped config and process library, and the catalogue pages built from them once per module."""

from __future__ import annotations

import pytest
from catalogue_helpers import PROCESSES, REPO

from workflows.catalogue.pages import CataloguePage, catalogue_pages
from workflows.config.loader import Config, load_config
from workflows.definitions.library import Library, load_sound_library


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(REPO / "config")


@pytest.fixture(scope="module")
def library(config: Config) -> Library:
    return load_sound_library([PROCESSES], config)


@pytest.fixture(scope="module")
def pages(config: Config, library: Library) -> dict[str, CataloguePage]:
    return {page.process_id: page for page in catalogue_pages(config, library)}
