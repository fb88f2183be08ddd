"""Reading a rendered report back: its cards and service cells, and headless Chromium.

Shared by tests/test_report.py (synthetic frames) and tests/test_pipeline.py (a real run).
"""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest


class Cards(HTMLParser):
    """The key-figure cards (data-key, data-value, shown value, label) and the service cells of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.cards: list[dict[str, str]] = []
        self.cells: list[dict[str, str]] = []
        self._card: dict[str, str] | None = None
        self._cell: dict[str, str] | None = None
        self._part: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        klass = values.get("class", "").split()
        if tag == "div" and "card" in klass:
            self._card = {
                "key": values["data-key"],
                "raw": values["data-value"],
                "value": "",
                "label": "",
                "alert": str("alert" in klass),
            }
        elif self._card is not None and tag == "div" and klass and klass[0] in ("value", "label"):
            self._part = klass[0]
        elif tag == "td" and "data-queue" in values:
            self._cell = {
                "queue": values["data-queue"],
                "date": values["data-date"],
                "class": values.get("class", ""),
                "sim": "",
                "band": "",
                "plan": "",
            }
        elif self._cell is not None and tag == "span" and klass:
            self._part = klass[0]

    def handle_endtag(self, tag: str) -> None:
        if tag == "div" and self._part is None and self._card is not None:
            self.cards.append(self._card)
            self._card = None
        if tag == "td" and self._cell is not None:
            self.cells.append(self._cell)
            self._cell = None
        if tag in ("div", "span"):
            self._part = None

    def handle_data(self, data: str) -> None:
        target = self._card if self._card is not None else self._cell
        if target is not None and self._part is not None:
            target[self._part] += data


def read_cards(page: str) -> Cards:
    parser = Cards()
    parser.feed(page)
    parser.close()
    return parser


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def chromium_args(user_dir: Path) -> list[str]:
    return [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={user_dir}",
        "--enable-logging=stderr",
        "--v=0",
    ]


def load_in_chromium(browser: str, url: str, tmp: Path) -> tuple[str, list[str]]:
    """Load a page headless; return its DOM and the console messages Chromium logged."""
    run = subprocess.run(
        [browser, *chromium_args(tmp / "profile"), "--dump-dom", url], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr[-2000:]
    # The report has no scripts, so *any* console message (an error, a blocked or failed
    # load reported by the page) means something is wrong.
    console = [line for line in run.stderr.splitlines() if ":CONSOLE" in line]
    return run.stdout, console


def need_chromium() -> str:
    path = chromium()
    if path is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return path
