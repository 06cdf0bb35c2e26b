"""The test session's cache folder: riskscan caches what it read (riskscan/cache/); tests must
neither read a developer's cache nor fill it. Subprocesses inherit the variable."""

import os

import pytest


@pytest.fixture(scope="session", autouse=True)
def _own_cache_folder(tmp_path_factory):
    previous = os.environ.get("RISKSCAN_CACHE_DIR")
    os.environ["RISKSCAN_CACHE_DIR"] = str(tmp_path_factory.mktemp("riskscan-cache"))
    yield
    if previous is None:
        os.environ.pop("RISKSCAN_CACHE_DIR", None)
    else:
        os.environ["RISKSCAN_CACHE_DIR"] = previous
