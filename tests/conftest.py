"""Shared fixtures: built sites (the seed sample and the 1946 corpus), a local server, a browser."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.corpus import CORPUS, write_archive  # noqa: E402
from newsarchive.pipeline import build  # noqa: E402
from tests.factories import make_config  # noqa: E402,F401 (tests import it from here too)

IN_CI = bool(os.environ.get("CI"))
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def require(available: bool, reason: str) -> None:
    """Skip a test whose tool is missing, with the reason; in CI a missing tool is a failure."""
    if not available:
        if IN_CI:
            pytest.fail(f"must run in CI: {reason}")
        pytest.skip(reason)


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory) -> Path:
    """The seed sample (content/) built once, under a GitHub Pages sub-path."""
    tmp = tmp_path_factory.mktemp("sample")
    config = make_config(tmp, ROOT / "content", base_url="https://example.github.io/newsarchive/")
    build(config)
    return config.output


@pytest.fixture(scope="session")
def corpus_content(tmp_path_factory) -> Path:
    """The 1946 corpus (159 articles, 6 issues) as a content folder."""
    require(CORPUS.is_dir(), f"the 1946 corpus is not at {CORPUS}")
    content = tmp_path_factory.mktemp("rmrb") / "content"
    write_archive(content)
    return content


@pytest.fixture(scope="session")
def corpus_site(corpus_content, tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("rmrb-site")
    config = make_config(tmp, corpus_content, per_page=10)
    build(config)
    return config.output


@pytest.fixture(scope="session")
def serve_folder():
    """Serve folders on 127.0.0.1; returns a function folder → base URL."""
    servers = []

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    def start(folder: Path) -> str:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()


@pytest.fixture(scope="session")
def browser():
    """Debian chromium driven by Playwright. Skips outside CI when unavailable; fails in CI."""
    reason = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        reason = "the playwright package is not installed"
    if reason is None and not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        reason = f"no chromium at {CHROMIUM} (apt-get install chromium)"
    require(reason is None, f"browser tests cannot run: {reason}")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    yield page
    context.close()


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite tests/golden/ from this build instead of comparing with it")
