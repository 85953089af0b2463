"""The ``peerimpact`` command: its parser and ``main``; each subcommand's handler is in
:mod:`peerimpact.commands`."""

from __future__ import annotations

import argparse
import errno
import sys

from .commands.build import cmd_build, cmd_list
from .commands.data import cmd_export, cmd_qual_import, cmd_score, cmd_synth, cmd_validate
from .commands.reports import cmd_audit, cmd_facts, cmd_reproduce
from .commands.shared import EXIT_PROBLEMS, Usage, print_problems
from .problems import InvalidStudy

EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports a process that Ctrl-C ended


def _positive(text: str) -> int:
    """A whole number of at least 1, for argparse (which then prints a one-line usage error)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _csv_list(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def _setting(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, not {text!r}")
    return name.strip(), value.strip()


def build_parser() -> argparse.ArgumentParser:
    from .version import __version__

    parser = argparse.ArgumentParser(
        prog="peerimpact",
        description="Validate and score the data of a peer-worker evaluation, and build its reports.",
        epilog="Start with: peerimpact build (the example study), then open reports/index.html.",
    )
    parser.add_argument("--version", action="version", version=f"peerimpact {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    def data_args(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "path", nargs="?", metavar="PATH", help="one questionnaire file, or a study (the same as --study)"
        )
        p.add_argument(
            "--study",
            metavar="PATH",
            help="study folder (default: the embedded example); with a "
            "questionnaire file, its sites, timepoints and missing codes apply to the file",
        )
        p.add_argument(
            "--instrument",
            action="append",
            metavar="NAME",
            help="only this instrument (repeatable); default: all the study's",
        )
        p.add_argument(
            "--out-of-range",
            choices=["error", "missing"],
            default="error",
            help="an item value outside its range is an error (default) or a missing item",
        )
        data_root(p)

    def data_root(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--data-root",
            action="append",
            metavar="DIR",
            help="a folder outside the study folder that study.yml may name files in (repeatable)",
        )

    p = sub.add_parser("validate", help="check a study or a questionnaire file; list every problem")
    data_args(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("score", help="score questionnaires to a CSV or Excel file")
    data_args(p)
    p.add_argument("--out", required=True, metavar="FILE", help="where to write the scores: .csv or .xlsx")
    p.set_defaults(func=cmd_score)

    def plan_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--study", metavar="PATH", help="study folder (default: the embedded example)")
        p.add_argument(
            "--reports", type=_csv_list, metavar="KIND,...", help="only these kinds: study, site, cohort, funder"
        )
        p.add_argument("--only", type=_csv_list, metavar="ID,...", help="only these reports (e.g. study,site-S1)")
        p.add_argument("--out", default="reports", metavar="DIR", help="output folder (default: reports)")
        p.add_argument("--params", metavar="DIR", help="analysis params: reports/, norms.yml, … (default: params)")
        p.add_argument("--reports-dir", metavar="DIR", help="report definitions (default: <params>/reports)")
        data_root(p)

    p = sub.add_parser("list", help="list the planned reports and whether each is up to date")
    plan_args(p)
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("build", help="build the reports (HTML, PDF, tables) of a study")
    plan_args(p)
    p.add_argument("--formats", type=_csv_list, metavar="html,pdf", help="only these formats")
    p.add_argument(
        "--work",
        metavar="DIR",
        help="extracts, executed notebooks and logs, which hold row-level "
        "data (default: <out>-work beside the output folder)",
    )
    p.add_argument("--jobs", type=int, metavar="N", help="reports built at once (default: number of cores)")
    p.add_argument("--force", action="store_true", help="rebuild reports that are up to date")
    p.add_argument("--isolated", action="store_true", help="a fresh kernel for every section")
    p.add_argument(
        "--executor",
        default="local",
        metavar="NAME",
        help="what runs the reports: local (default: "
        "worker processes on this machine) or dask (an existing Dask cluster; needs --scheduler)",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="the Dask scheduler's address, e.g. tcp://10.0.0.5:8786; "
        "its workers need peerimpact and must see the study, output and work folders at the same paths",
    )
    p.add_argument(
        "--set",
        type=_setting,
        action="append",
        metavar="NAME=VALUE",
        help="override an analysis setting for this build (repeatable), e.g. --set min_pairs=8 or "
        "--set qualitative.quotes_per_theme=2; checked like the YAML and recorded in the manifest",
    )
    p.add_argument(
        "--previous",
        metavar="DIR",
        help="an earlier build's reports folder (e.g. a copy of last year's "
        "reports/): progress reports show each programme count and milestone beside its value there. Only "
        "its manifest and released tables are read; a build of another study or audience is refused",
    )
    p.set_defaults(func=cmd_build)

    p = sub.add_parser(
        "audit",
        help="check built reports' tables against the disclosure rules of their audience, "
        "each kind of data under its own rules (exit 1 if anything is shown that the rules withhold or "
        "can be worked out, or one figure is shown with two values)",
    )
    p.add_argument("reports", nargs="+", metavar="REPORT_DIR", help="a built report's folder (e.g. reports/site-S1)")
    p.add_argument(
        "--policy",
        metavar="NAME",
        help="audit under this audience (e.g. funder, public) or these rules "
        "for every kind of data (e.g. nhs_digital) (default: the one each report was built under, from its "
        "build's manifest.json)",
    )
    p.add_argument(
        "--params",
        metavar="DIR",
        help="where the rules and audiences are: <DIR>/disclosure/*.yml and "
        "<DIR>/disclosure/audiences/*.yml (default: params)",
    )
    p.add_argument(
        "--summary",
        metavar="FILE",
        help="the output checker's summary, one row per table (default: audit-summary.csv beside the "
        "report folders, in the build's output folder); never inside a report, and over an existing "
        "file only if it is an earlier summary",
    )
    p.add_argument(
        "--study",
        nargs="?",
        const="",
        metavar="PATH",
        help="the study folder the reports were built from (alone: the embedded example), for the study "
        "team: every figure about people the shared reports of a build released is searched, exactly, for "
        "a group of fewer people than their threshold that some combination of them gives away",
    )
    p.add_argument(
        "--data-root",
        action="append",
        metavar="DIR",
        help="with --study: a folder outside the study folder that study.yml may name files in (repeatable)",
    )
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser(
        "facts",
        help="list the facts of a built report that the study team's commentary can name "
        "({{ facts.NAME }}), with their values",
    )
    p.add_argument("report", metavar="REPORT_DIR", help="a built report's folder (e.g. reports/funder)")
    p.add_argument("--prefix", metavar="NAME", help="only facts whose names start with NAME (e.g. recruitment)")
    p.set_defaults(func=cmd_facts)

    p = sub.add_parser(
        "reproduce",
        help="set a built study report beside the published figures it should "
        "reproduce (exit 1 if one falls outside its printed precision)",
    )
    p.add_argument("report", metavar="REPORT_DIR", help="a built study report's folder (e.g. reports/study)")
    p.add_argument("--targets", metavar="FILE", help="the published figures (default: params/targets/gillard2022.yml)")
    p.add_argument(
        "--csv",
        metavar="FILE",
        help="where to write the side-by-side table (default: REPORT_DIR/reproduction.csv); never "
        "into the report's tables/, and over an existing file only if it is an earlier such table",
    )
    p.add_argument("--failures", action="store_true", help="print only the figures not reproduced")
    p.set_defaults(func=cmd_reproduce)

    p = sub.add_parser("qual", help="qualitative data: import a REFI-QDA project or codebook")
    qual = p.add_subparsers(dest="qual_command", required=True)
    p = qual.add_parser("import", help="write codebook.csv and excerpts.csv from a .qdpx project (or a .qdc)")
    p.add_argument("file", metavar="FILE.qdpx")
    p.add_argument("--out", required=True, metavar="DIR")
    p.set_defaults(func=cmd_qual_import)

    p = sub.add_parser(
        "export",
        help="write a study's scores (or its item-level answers) for a statistics package, "
        "with labels, formats and missing-value codes where the format holds them",
    )
    p.add_argument("--study", metavar="DIR", help="study folder (default: the embedded example)")
    p.add_argument(
        "--format", choices=["csv", "xlsx", "sav", "dta", "parquet"], help="default: from the file name of --out"
    )
    p.add_argument(
        "--shape",
        choices=["long", "wide", "items"],
        default="long",
        help="long (default): a row per participant, timepoint and subscale, attributes joined; "
        "wide: a row per participant, a column per subscale and timepoint; "
        "items: a row per questionnaire returned, a column per item",
    )
    p.add_argument("--out", required=True, metavar="FILE")
    data_root(p)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("synth", help="write the synthetic example study")
    p.add_argument(
        "--out", required=True, metavar="DIR", help="a new or empty folder (an existing study is never written over)"
    )
    p.add_argument("--seed", type=int, help="random seed (default: the embedded example's, 2022)")
    p.add_argument(
        "--calibrate",
        metavar="FILE",
        help="published figures the questionnaires reproduce (Tables 3 "
        "and 4 cells; default: params/targets/gillard2022.yml)",
    )
    p.add_argument("--sites", type=_positive, metavar="N", help="a larger study for timing builds: N sites ...")
    p.add_argument(
        "--per-site", type=_positive, metavar="M", help="... of M peer workers each, copied from the example's"
    )
    p.add_argument(
        "--format",
        choices=("csv", "redcap"),
        default="csv",
        help="csv: a file per table (default); redcap: the quantitative data as a REDCap project's exports "
        "(records, data dictionary, instrument designations) with study.yml's redcap: block",
    )
    p.set_defaults(func=cmd_synth)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except InvalidStudy as exc:
        print_problems(exc.problems)
        return EXIT_PROBLEMS
    except Usage as exc:
        print(f"peerimpact {args.command}: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    except KeyboardInterrupt:
        kept = " (reports already published are kept; none was half-published)" if args.command == "build" else ""
        print(f"\npeerimpact {args.command}: interrupted{kept}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as exc:
        print(f"peerimpact {args.command}: {_os_error(exc, args.command)}", file=sys.stderr)
        return EXIT_PROBLEMS


def _os_error(exc: OSError, command: str) -> str:
    """An operating system's refusal in words: what, where, and what was kept."""
    where = f"{exc.filename}: " if exc.filename else ""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        kept = (
            "reports already published are kept, and none was half-published"
            if command == "build"
            else "nothing was half-written"
        )
        return f"{where}the disk is full; {kept}. Free some space and run the command again"
    return f"{where}{exc.strerror}" if exc.strerror else str(exc)  # a message of its own names its path


if __name__ == "__main__":
    sys.exit(main())
