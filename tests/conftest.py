import numpy as np
import pytest


@pytest.fixture
def rng():
    """A fresh seeded generator per test; the global numpy seed is never used."""
    return np.random.default_rng(20261123)


@pytest.fixture(scope="session")
def browser():
    """One headless Debian Chromium for the whole run (playwright's sync API allows one driver per thread)."""
    import sitecheck

    message = sitecheck.missing_chromium_message()
    if message:
        pytest.fail(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = sitecheck.launch(p)
        yield b
        b.close()
