"""Screenshots of each section of a published report.html at laptop width (headless Chromium).

    python benchmarks/report_screenshots.py REPORT.html docs/img [--width 1366]
    wfm run benchmarks/report_screenshots.toml -o /tmp/wfm-shots
    python benchmarks/report_screenshots.py /tmp/wfm-shots/2026-11-01 docs/img --config benchmarks/report_screenshots.toml

Each section is shown alone (the page's own <head> and styles, one <section>), screenshot at
``--width`` pixels, trimmed below the section and saved as a palette PNG, ``report-<id>.png``.
The collapsed technical summary is shot opened (``<details open>``). Files the page links
beside itself (the ``timings.json`` its technical section frames) are copied next to the
section pages, so the frame shows them. A section taller than ``--height`` is shot again at
twice the height until it fits. Needs Debian's ``chromium`` (``apt-get install chromium``).

Given a run *folder* instead of a page (with ``--config``, the run's config, for the history
and the targets), the report is rendered again from the folder's published files with the
current code (the fairness table from ``agents_summary.csv``), so a change to the report
needs no new run of the pipeline; the folder's own report.html is left as it is.

The screenshots in docs/img are of the bundled example run with
``benchmarks/report_screenshots.toml`` (docs/report.md, "Screenshots").
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image


def rerendered(folder: Path, config_path: Path, tmp: Path) -> Path:
    """The report of a published run folder rendered again with the current code, into ``tmp``.

    The inputs are what ``wfm run`` passed to render_report, read back from the folder's files
    (and the config's history and targets); the fairness table is recomputed from
    agents_summary.csv with the roster's own function.
    """
    from wfm import pipeline
    from wfm.io import read_frame, read_history_source
    from wfm.report import write_report
    from wfm.roster.fairness import distribution
    from wfm.staffing import Targets, load_targets

    config = pipeline.load_config(config_path)

    def frame(name: str) -> pd.DataFrame | None:
        path = folder / name
        return read_frame(path) if path.is_file() else None

    agent_summary = frame("agents_summary.csv")
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    if (folder / "timings.json").is_file():
        shutil.copy(folder / "timings.json", tmp / "timings.json")
    return write_report(
        tmp / "report.html",
        history=read_history_source(config.history_path, url=config.history_url, query=config.history_query),
        forecast=frame("forecast.csv"),
        requirements=frame("requirements.csv"),
        coverage=frame("coverage.csv"),
        roster=frame("roster.csv"),
        breaks=frame("breaks.csv"),
        summary=summary,
        service=frame("daily.csv"),
        fairness=distribution(agent_summary) if agent_summary is not None else None,
        agent_summary=agent_summary,
        simulated=frame("service.csv"),
        correction=frame("correction.csv"),
        diagnosis=frame("diagnosis.csv"),
        agent_history=frame("agent_history.csv"),
        targets=load_targets(config.targets_path) if config.targets_path else Targets(),
        attention={
            "attention_short_share": config.attention_short_share,
            "attention_total_short_share": config.attention_total_short_share,
        },
        title=f"{config.title}: {summary.get('as_of', folder.name)} + {config.horizon_days} days",
        gantt_agents=config.sample_agents,
        timings_file="timings.json" if (folder / "timings.json").is_file() else None,
        queue_coverage=frame("queue_coverage.csv"),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("report", type=Path, help="report.html, or a run folder (rendered again, needs --config)")
    parser.add_argument("out", type=Path)
    parser.add_argument("--config", type=Path, help="the run's config (with a run folder)")
    parser.add_argument("--width", type=int, default=1366)
    parser.add_argument("--height", type=int, default=5000)
    parser.add_argument("--sections", nargs="*", help="section ids (default: all)")
    args = parser.parse_args()
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        print("chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 2
    if args.report.is_dir():
        if args.config is None:
            print("a run folder needs --config (the run's config file)", file=sys.stderr)
            return 2
        scratch = Path(tempfile.mkdtemp(prefix="wfm-report-"))
        args.report = rerendered(args.report, args.config, scratch)
        print(f"rendered again with the current code: {args.report}")
    page = args.report.read_text(encoding="utf-8")
    head = page[: page.index("<main>") + len("<main>")]
    sections = {sid: body for body, sid in re.findall(r'(<section id="([a-z_]+)">.*?</section>)', page, flags=re.S)}
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name in sorted(set(re.findall(r'src="([^":#]+)"', page))):
            linked = args.report.parent / name
            if linked.is_file() and "/" not in name:
                shutil.copy(linked, Path(tmp) / name)
        for sid, body in sections.items():
            if args.sections and sid not in args.sections:
                continue
            if sid == "technical":
                body = body.replace("<details ", "<details open ")
            source = Path(tmp) / f"{sid}.html"
            source.write_text(head + body + "</main></body></html>", encoding="utf-8")
            height = args.height
            while True:
                image = shoot(browser, source, Path(tmp), args.width, height)
                pixels = np.asarray(image)
                background = pixels[-1, -1]
                used = np.flatnonzero((pixels != background).any(axis=(1, 2)))
                if used.size and used.max() >= pixels.shape[0] - 8 and height < 40000:
                    height *= 2  # the section reaches the bottom edge: it was cut
                    continue
                break
            bottom = min(int(used.max()) + 16, pixels.shape[0]) if used.size else pixels.shape[0]
            target = args.out / f"report-{sid}.png"
            image.crop((0, 0, args.width, bottom)).quantize(colors=128, dither=Image.Dither.NONE).save(
                target, optimize=True
            )
            print(f"{target}: {args.width}x{bottom}, {target.stat().st_size / 1024:.0f} KiB")
    return 0


def shoot(browser: str, source: Path, tmp: Path, width: int, height: int) -> Image.Image:
    """A headless Chromium screenshot of ``source`` at ``width`` x ``height`` pixels."""
    shot = source.with_suffix(".png")
    subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--user-data-dir={tmp}/profile",
            f"--window-size={width},{height}",
            f"--screenshot={shot}",
            source.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return Image.open(shot).convert("RGB")


if __name__ == "__main__":
    raise SystemExit(main())
