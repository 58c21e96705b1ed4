"""The report of a real run (``cadence simulate --report``) opened in headless Chromium: the
charts are in the rendered DOM, and the screenshot shows them (not a blank page).

Skipped where Chromium is not installed (``apt-get install chromium`` on Debian). The browser
runs with networking features off and a throw-away profile; the report needs nothing from the
network, and the test fails if the page is blank."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from cadence.simulate._svg import OUTCOME_COLOURS
from tests.cli.test_cli import cadence
from tests.cli.test_cli_simulate import _subset


def _chromium() -> str:
    for candidate in ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(candidate)
        if found:
            return found
    pytest.skip(
        "headless Chromium is not installed: apt-get install chromium (Debian) to run this test"
    )


def _browse(browser: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)


def _pixels(png: bytes) -> tuple[int, int, dict[bytes, int]]:
    """Width, height and how many pixels of each RGB colour an 8-bit PNG has (standard library
    only: the chunks, zlib, and the five row filters of the PNG specification)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    position, data, header = 8, b"", b""
    while position < len(png):
        (length,) = struct.unpack(">I", png[position : position + 4])
        kind = png[position + 4 : position + 8]
        chunk = png[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            header = chunk
        elif kind == b"IDAT":
            data += chunk
        position += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert (depth, interlace) == (8, 0) and colour in (2, 6), f"unexpected PNG: {header!r}"
    step = 3 if colour == 2 else 4
    raw = zlib.decompress(data)
    stride = width * step
    previous = bytearray(stride)
    colours: dict[bytes, int] = {}
    for y in range(height):
        start = y * (stride + 1)
        kind = raw[start]
        row = bytearray(raw[start + 1 : start + 1 + stride])
        if kind == 1:  # Sub
            for i in range(step, stride):
                row[i] = (row[i] + row[i - step]) & 0xFF
        elif kind == 2:  # Up
            row = bytearray((a + b) & 0xFF for a, b in zip(row, previous, strict=True))
        elif kind == 3:  # Average
            for i in range(stride):
                left = row[i - step] if i >= step else 0
                row[i] = (row[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif kind == 4:  # Paeth
            for i in range(stride):
                a = row[i - step] if i >= step else 0
                b = previous[i]
                c = previous[i - step] if i >= step else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                near = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                row[i] = (row[i] + near) & 0xFF
        for i in range(0, stride, step):
            pixel = bytes(row[i : i + 3])
            colours[pixel] = colours.get(pixel, 0) + 1
        previous = row
    return width, height, colours


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    data = _subset(folder, 100)
    out = folder / "report.html"
    result = cadence("simulate", "policies/post_show.yaml", *data, "--report", out)
    assert result.returncode == 0, result.stderr
    return out


def test_the_charts_are_in_the_rendered_dom(report: Path, tmp_path: Path) -> None:
    browser = _chromium()
    result = _browse(browser, tmp_path / "profile", "--dump-dom", report.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    assert "<h1>Simulation of post_show 1.0</h1>" in dom
    charts = re.findall(r'<svg id="([a-z]+)-1"', dom)
    assert charts == ["coverage", "load", "outcomes", "touches"]
    assert dom.count('class="point"') == 5
    assert dom.count('class="bar-group"') >= 5
    assert dom.count('class="bar"') >= 5
    assert dom.count('class="load-row"') >= 5


def test_the_screenshot_shows_the_charts(report: Path, tmp_path: Path) -> None:
    browser = _chromium()
    shot = tmp_path / "shot.png"
    result = _browse(
        browser,
        tmp_path / "profile",
        f"--screenshot={shot}",
        "--window-size=1280,3600",
        "--hide-scrollbars",
        report.as_uri(),
    )
    assert result.returncode == 0, result.stderr[-2000:]
    width, height, colours = _pixels(shot.read_bytes())
    assert (width, height) == (1280, 3600)
    assert sum(colours.values()) == width * height
    ink = sum(count for pixel, count in colours.items() if min(pixel) < 200)
    assert ink > width * height // 100, f"the page looks blank: {ink} dark pixels"
    # Each chart's marks are drawn in their colours: the coverage curve and the histogram's
    # bars, the heatmap's cells, the outcome bars' segments.
    assert colours.get(bytes.fromhex("1f5fa8"), 0) > 5000, "no coverage curve, no histogram"
    heat = sum(n for p, n in colours.items() if p[2] > p[0] + 60 and p != b"\x1f\x5f\xa8")
    assert heat > 5000, "the load heatmap is not drawn"
    for key, colour, _ in OUTCOME_COLOURS[:3]:
        found = colours.get(bytes.fromhex(colour[1:]), 0)
        assert found > 200, f"no {key} segment in the outcome bars ({found} pixels)"
