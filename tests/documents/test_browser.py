"""The notice and the run report as a person sees them: in a real browser (headless Chromium).

For each page: a screenshot at A4 width (794 CSS px) must show a page, not a blank; the page
laid out at that width must not overflow it (measured by a test-only wrapper page that loads
the document, script-free as it is, into a frame of that width: the documents themselves hold
no script); and printed to PDF, a notice must be one A4 page.

Chromium is Debian's ``/usr/bin/chromium``. Where it is missing, the set-up installs it with
apt-get when it runs as root in CI (``CI`` set); anywhere else these tests are skipped, saying
how to install it. Every browser run has a time limit.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

import tariffcore
from tariffcore.commands import main
from tariffcore.documents import bill_from_dict, bill_records, read_history, render_notice, run_report
from tests.helpers import ROOT

A4_WIDTH, A4_HEIGHT = 794, 1123  # CSS px at 96 dpi: 210 × 297 mm
BROWSER_TIMEOUT = 60
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def _find_chromium() -> str | None:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@pytest.fixture(scope="session")
def chromium() -> str:
    found = _find_chromium()
    if found is None and os.environ.get("CI") and hasattr(os, "geteuid") and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for command in (
            ["apt-get", "update", "-qq"],
            ["apt-get", "install", "-y", "-qq", "chromium", "fonts-nanum"],
        ):
            try:
                subprocess.run(
                    command,
                    env=env,
                    check=False,
                    timeout=900,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            except (OSError, subprocess.TimeoutExpired):
                break
        found = _find_chromium()
    if found is None:
        pytest.skip(
            "Chromium is not installed (/usr/bin/chromium): install it with "
            "'apt-get install chromium fonts-nanum' to run the browser tests (the "
            "tests install it themselves only when run as root in CI)"
        )
    return found


def _browse(chromium: str, profile: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    """Run Chromium once with a fresh profile, bounded in time."""
    shutil.rmtree(profile, ignore_errors=True)
    return subprocess.run(
        [chromium, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        timeout=BROWSER_TIMEOUT,
        check=False,
    )


# --------------------------------------------------------------------------- PNG, by hand


def _png_rows(data: bytes) -> tuple[int, int, int, list[bytes]]:
    """Width, height, bytes per pixel and the pixel rows of an 8-bit RGB(A) PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        pos += 12 + length
    assert header is not None
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, header
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind = raw[start]
        line = bytearray(raw[start + 1 : start + 1 + stride])
        if kind == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif kind == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prev))
        elif kind == 3:
            for i in range(stride):
                line[i] = (line[i] + (((line[i - bpp] if i >= bpp else 0) + prev[i]) >> 1)) & 255
        elif kind == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b, c = prev[i], (prev[i - bpp] if i >= bpp else 0)
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, bpp, rows


def _ink(rows: list[bytes], bpp: int, background: tuple[int, int, int]) -> tuple[float, int, list[int]]:
    """Share of pixels unlike the background, distinct colours, and which tenths of the height
    hold any such pixel."""
    inked = total = 0
    colours: set[bytes] = set()
    bands: set[int] = set()
    target = bytes(background)
    for y, row in enumerate(rows):
        for x in range(0, len(row), bpp * 2):  # every other pixel: plenty to judge by
            pixel = row[x : x + 3]
            total += 1
            if pixel != target and max(abs(p - q) for p, q in zip(pixel, target)) > 24:
                inked += 1
                bands.add(y * 10 // len(rows))
                if len(colours) < 64:
                    colours.add(pixel)
    return inked / total, len(colours), sorted(bands)


# --------------------------------------------------------------------------- the pages


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory, installed_catalog: tariffcore.Catalog) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("pages")
    run = folder / "bills.jsonl"
    main(
        [
            "bill",
            str(ROOT / "examples" / "readings.csv"),
            "--ruleset",
            "kr/gimhae",
            "-o",
            str(run),
            "--progress",
            "off",
        ]
    )
    cities = folder / "cities.jsonl"
    main(["bill", str(ROOT / "examples" / "korean-cities.csv"), "-o", str(cities), "--progress", "off"])
    history = read_history(ROOT / "examples" / "usage-history.csv")
    out = {}
    for name, source, account in (("gimhae", run, "GH-0003"), ("seoul", cities, "SE-1")):
        record = next(r for _, r in bill_records(source) if r.get("account") == account)
        bill = bill_from_dict(record, installed_catalog)
        path = folder / f"notice-{name}.html"
        path.write_text(
            render_notice(bill, catalog=installed_catalog, history=history.get(account)), encoding="utf-8"
        )
        out[f"notice-{name}"] = path
    report = folder / "report.html"
    report.write_text(run_report(cities).to_html(), encoding="utf-8")
    out["report"] = report
    return out


PAGES = ("notice-gimhae", "notice-seoul", "report")


@pytest.mark.parametrize("name", PAGES)
def test_the_page_is_not_blank_at_a4_width(
    name: str, pages: dict[str, Path], chromium: str, tmp_path: Path
) -> None:
    shot = tmp_path / f"{name}.png"
    result = _browse(
        chromium,
        tmp_path / "profile",
        f"--window-size={A4_WIDTH},{A4_HEIGHT}",
        f"--screenshot={shot}",
        pages[name].as_uri(),
    )
    assert shot.exists(), result.stderr.decode(errors="replace")[-2000:]
    width, height, bpp, rows = _png_rows(shot.read_bytes())
    assert (width, height) == (A4_WIDTH, A4_HEIGHT)
    share, colours, bands = _ink(rows, bpp, (255, 255, 255))
    # A page of text, tables and charts: several per cent inked, in colour, top to bottom.
    assert share > 0.03, f"{name}: only {share:.1%} of the screenshot differs from white"
    assert colours >= 8, f"{name}: {colours} colours"
    assert bands[0] == 0 and len(bands) >= 8, f"{name}: ink only in tenths {bands}"


_WRAPPER = """<!doctype html><html><head><meta charset="utf-8"></head><body style="margin:0">
<iframe id="page" style="width:{width}px;height:{height}px;border:0" srcdoc="{page}"></iframe>
<pre id="result">pending</pre>
<script>
document.getElementById("page").addEventListener("load", function () {{
  var doc = this.contentDocument, width = doc.documentElement.clientWidth, wide = [];
  doc.querySelectorAll("body *").forEach(function (element) {{
    var box = element.getBoundingClientRect();
    if (box.width && (box.right > width + 0.5 || box.left < -0.5)) {{
      wide.push(element.tagName + "." + element.className + " " + Math.round(box.left) + ".." +
                Math.round(box.right));
    }}
  }});
  document.getElementById("result").textContent = JSON.stringify(
    {{client: width, scroll: doc.documentElement.scrollWidth, wide: wide.slice(0, 20)}});
}});
</script></body></html>
"""


@pytest.mark.parametrize("name", PAGES)
def test_the_page_does_not_overflow_a4_width(
    name: str, pages: dict[str, Path], chromium: str, tmp_path: Path
) -> None:
    wrapper = tmp_path / "wrapper.html"
    wrapper.write_text(
        _WRAPPER.format(
            width=A4_WIDTH, height=A4_HEIGHT, page=html.escape(pages[name].read_text(encoding="utf-8"))
        ),
        encoding="utf-8",
    )
    result = _browse(
        chromium, tmp_path / "profile", "--virtual-time-budget=5000", "--dump-dom", wrapper.as_uri()
    )
    found = re.search(r'<pre id="result">(.*?)</pre>', result.stdout.decode(errors="replace"), re.S)
    assert found and found.group(1) != "pending", result.stderr.decode(errors="replace")[-2000:]
    measured = json.loads(html.unescape(found.group(1)))
    assert measured["client"] == A4_WIDTH
    assert measured["scroll"] <= measured["client"], measured
    assert measured["wide"] == [], measured


@pytest.mark.parametrize("name", ("notice-gimhae", "notice-seoul"))
def test_a_notice_prints_on_one_a4_page(
    name: str, pages: dict[str, Path], chromium: str, tmp_path: Path
) -> None:
    pdf = tmp_path / f"{name}.pdf"
    result = _browse(
        chromium,
        tmp_path / "profile",
        "--no-pdf-header-footer",
        f"--print-to-pdf={pdf}",
        pages[name].as_uri(),
    )
    assert pdf.exists(), result.stderr.decode(errors="replace")[-2000:]
    data = pdf.read_bytes()
    boxes = set(re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", data))
    assert {(round(float(w)), round(float(h))) for w, h in boxes} == {(595, 842)}  # A4 in points
    counts = [int(n) for n in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", data)]
    assert counts == [1], counts
