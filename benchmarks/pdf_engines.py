"""The two ways to a report's PDF, in the same run: WeasyPrint from the report's HTML, and Typst
from the report's records.

    .venv/bin/python benchmarks/pdf_engines.py [--reports study,site-S3,funder] [--repeat 3]

Builds the example's reports once (HTML only), then lays each one out with both engines,
``--repeat`` times, and prints the median seconds, the pages, and whether the PDF is tagged
(a structure tree a screen reader can follow).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from pypdf import PdfReader

from peerimpact.builder.document import ReportDocument
from peerimpact.builder.pipeline import build
from peerimpact.builder.typst_pdf import to_typst_pdf


def weasyprint_pdf(html: str, target: Path, folder: Path) -> None:
    """The PDF as the HTML's print stylesheet lays it out (WeasyPrint, in the ``dev`` extra)."""
    from weasyprint import HTML

    HTML(string=html, base_url=str(folder)).write_pdf(target)


def tagged(path: Path) -> bool:
    root = PdfReader(path).trailer["/Root"]
    return "/StructTreeRoot" in root and bool(root.get("/MarkInfo", {}).get("/Marked", False))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", default="study,site-S3,funder")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    reports = args.reports.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        result = build(out=root / "reports", work=root / "work", only=reports, formats=["html"], echo=lambda m: None)
        if result.exit_code:
            print("the build failed", file=sys.stderr)
            return 1
        print(f"{'report':<10} {'engine':<11} {'seconds':>8} {'pages':>6}  tagged")
        for rid in reports:
            folder = root / "reports" / rid
            html = (folder / "report.html").read_text(encoding="utf-8")
            document = ReportDocument.from_json(json.loads((root / "work" / rid / "document.json").read_text()))
            engines = {
                "weasyprint": lambda target, html=html, folder=folder: weasyprint_pdf(html, target, folder),
                "typst": lambda target, document=document: to_typst_pdf(document, target),
            }
            for name, run in engines.items():
                target = root / f"{rid}-{name}.pdf"
                times = []
                for _ in range(args.repeat):
                    started = time.perf_counter()
                    run(target)
                    times.append(time.perf_counter() - started)
                pages = len(PdfReader(target).pages)
                print(f"{rid:<10} {name:<11} {statistics.median(times):>8.2f} {pages:>6}  {tagged(target)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
