"""Screenshots of each section of a published report.html at laptop width (headless Chromium).

    python examples/report_screenshots.py runs/2026-11-01/report.html docs/img [--width 1366]

Each section is shown alone (the page's own <head> and styles, one <section>), screenshot at
``--width`` pixels, trimmed below the section and saved as a palette PNG, ``report-<id>.png``.
The collapsed technical summary is shot opened (``<details open>``). Needs Debian's
``chromium`` (``apt-get install chromium``).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("report", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--width", type=int, default=1366)
    parser.add_argument("--height", type=int, default=5000)
    parser.add_argument("--sections", nargs="*", help="section ids (default: all)")
    args = parser.parse_args()
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        print("chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 2
    page = args.report.read_text(encoding="utf-8")
    head = page[: page.index("<main>") + len("<main>")]
    sections = {sid: body for body, sid in re.findall(r'(<section id="([a-z_]+)">.*?</section>)', page, flags=re.S)}
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for sid, body in sections.items():
            if args.sections and sid not in args.sections:
                continue
            if sid == "technical":
                body = body.replace("<details ", "<details open ")
            source = Path(tmp) / f"{sid}.html"
            source.write_text(head + body + "</main></body></html>", encoding="utf-8")
            shot = Path(tmp) / f"{sid}.png"
            subprocess.run(
                [
                    browser,
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--hide-scrollbars",
                    f"--user-data-dir={tmp}/profile",
                    f"--window-size={args.width},{args.height}",
                    f"--screenshot={shot}",
                    source.as_uri(),
                ],
                check=True,
                capture_output=True,
                timeout=120,
            )
            image = Image.open(shot).convert("RGB")
            pixels = np.asarray(image)
            background = pixels[-1, -1]
            used = np.flatnonzero((pixels != background).any(axis=(1, 2)))
            bottom = min(int(used.max()) + 16, pixels.shape[0]) if used.size else pixels.shape[0]
            target = args.out / f"report-{sid}.png"
            image.crop((0, 0, args.width, bottom)).quantize(colors=128, dither=Image.Dither.NONE).save(
                target, optimize=True
            )
            print(f"{target}: {args.width}x{bottom}, {target.stat().st_size / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
