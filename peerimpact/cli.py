"""The ``peerimpact`` command."""

from __future__ import annotations

import argparse
import errno
import sys
from pathlib import Path

from .problems import InvalidStudy, Problem, Problems, display_path
from .text import plural

EXIT_OK, EXIT_PROBLEMS = 0, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports a process that Ctrl-C ended


def _is_study(path: Path) -> bool:
    return path.is_dir() or path.name == "study.yml"


def _report(problems: Problems, stream=None) -> None:
    stream = stream or sys.stdout
    for problem in problems.sorted():
        print(problem.format(), file=stream)
    print(problems.summary(), file=stream)


def _announce_example(study: str | Path | None) -> None:
    """Say, first, that the embedded example is used when no study was named."""
    if study is None:
        from .resources import example_study_dir

        print(
            f"Using the embedded example study ({display_path(example_study_dir())}); name your own with --study PATH."
        )


class Usage(Exception):
    """A command line that names its inputs in a way that cannot work."""


def _targets(args: argparse.Namespace) -> tuple[Path | None, Path | None]:
    """(study, single questionnaire file) named by ``[PATH] [--study DIR]``.

    PATH may be a study (the same as ``--study``) or one questionnaire file, which is then
    checked against the study's sites, timepoints and missing codes when one is named.
    """
    path = Path(args.path) if args.path else None
    study = Path(args.study) if args.study else None
    if path is None or _is_study(path):
        if path is not None and study is not None and path.resolve() != study.resolve():
            raise Usage(f"two studies named: {args.path} and --study {args.study}")
        return path or study, None
    return study, path


def _load(args: argparse.Namespace):
    """(scores, problems, input files) of a study or of one questionnaire file."""
    from .ingest.study import load_questionnaire_file, load_study

    study_path, single = _targets(args)
    if single is None:
        _announce_example(study_path)
        study = load_study(
            study_path, out_of_range=args.out_of_range, instruments=args.instrument, roots=args.data_root or ()
        )
        files = study.config.files
        named = [
            files.participants,
            *files.questionnaires,
            files.service_use,
            files.contacts,
            files.codebook,
            files.excerpts,
        ]
        inputs = [study.path / "study.yml"] + [study.path / n for n in named if n]
        return study.scores, study.problems, inputs
    _, scores, problems = load_questionnaire_file(
        single, instruments=args.instrument, out_of_range=args.out_of_range, study=study_path
    )
    return scores, problems, [single]


def cmd_validate(args: argparse.Namespace) -> int:
    _, problems, _ = _load(args)
    _report(problems)
    return EXIT_PROBLEMS if problems.has_errors else EXIT_OK


def cmd_score(args: argparse.Namespace) -> int:
    from .ingest.writers import WRITERS, NotWritten, write_table

    out = Path(args.out)
    if out.suffix.lower() not in WRITERS:
        raise Usage(
            f"--out {args.out}: the file name must end in {' or '.join(sorted(WRITERS))} (the format is taken from it)"
        )
    scores, problems, inputs = _load(args)
    if out.resolve() in {p.resolve() for p in inputs}:
        raise Usage(f"refusing to write over an input file: {args.out}")
    if problems:
        _report(problems, sys.stderr)
    if problems.has_errors:
        hint = ""
        if any(p.rule == "out-of-range" for p in problems.errors):
            hint = " (fix the errors above, or score out-of-range values as missing with --out-of-range missing)"
        print(f"not written: {display_path(out)}{hint}", file=sys.stderr)
        return EXIT_PROBLEMS
    try:
        write_table(scores, out)
    except NotWritten as error:  # what was at --out is as it was
        print(f"peerimpact score: {error}", file=sys.stderr)
        return EXIT_PROBLEMS
    print(
        f"{plural(len(scores), 'score')} of {plural(scores['participant_id'].nunique(), 'participant')} "
        f"written to {display_path(out)}"
    )
    return EXIT_OK


def _study_inputs(study) -> list[Path]:
    """study.yml and every data file it names (inside the study folder or under a data root)."""
    named = [
        n
        for value in study.config.files.model_dump().values()
        for n in (value if isinstance(value, list) else [value])
        if n
    ]
    return [study.path / "study.yml", *(study.path / n for n in named)]


def cmd_export(args: argparse.Namespace) -> int:
    from .export import WRITERS, export_tidy
    from .ingest.writers import NotWritten

    out = Path(args.out)
    fmt = args.format or out.suffix.lstrip(".").lower()
    if fmt not in WRITERS:
        raise Usage(
            f"--format {fmt or '(none)'}: formats are {', '.join(WRITERS)} (or give --out a file name ending in one)"
        )
    from .ingest.study import load_study

    study = load_study(args.study, roots=args.data_root or ())
    if study.problems:
        _report(study.problems, sys.stderr)
    if study.problems.has_errors:
        print(f"not written: {display_path(out)}", file=sys.stderr)
        return EXIT_PROBLEMS
    if out.resolve().is_relative_to(study.path.resolve()):
        raise Usage(f"refusing to write inside the study folder, whose files are never changed: {args.out}")
    if out.resolve() in {p.resolve() for p in _study_inputs(study)}:
        raise Usage(f"refusing to write over an input file: {args.out}")
    try:
        export_tidy(study, out, fmt)
    except NotWritten as error:  # what was at --out is as it was
        print(f"peerimpact export: {error}", file=sys.stderr)
        return EXIT_PROBLEMS
    tidy_rows = len(study.scores)
    print(
        f"{plural(tidy_rows, 'row')} (participant × timepoint × subscale, with attributes) written to "
        f"{display_path(out)}"
    )
    return EXIT_OK


def _positive(text: str) -> int:
    """A whole number of at least 1, for argparse (which then prints a one-line usage error)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def cmd_synth(args: argparse.Namespace) -> int:
    from .config.targets import default_targets, load_targets
    from .synthetic import DEFAULT_SEED, out_refusal, size_refusal, write

    # refused before the ten seconds of generating, and before anything is written
    refused = out_refusal(args.out)
    if refused:
        raise Usage(f"refusing to write the example study to {args.out}: {refused}; nothing written")
    refused = size_refusal(args.sites, args.per_site)
    if refused:
        raise Usage(refused)
    if args.calibrate and args.sites is not None:
        raise Usage(
            "a larger study (--sites, --per-site) copies the embedded example's peer workers, whose "
            "answers are already calibrated: --calibrate applies to the example alone"
        )
    source = Path(args.calibrate) if args.calibrate else default_targets()
    try:
        targets = load_targets(source)
    except ValueError as error:  # every problem of the targets file, located
        print(error, file=sys.stderr)
        print("nothing written", file=sys.stderr)
        return EXIT_PROBLEMS
    try:
        written = write(
            args.out,
            seed=DEFAULT_SEED if args.seed is None else args.seed,
            targets=targets,
            sites=args.sites,
            per_site=args.per_site,
        )
    except ValueError as error:  # figures no data can give
        print(f"{display_path(source)}: {error}", file=sys.stderr)
        print("nothing written", file=sys.stderr)
        return EXIT_PROBLEMS
    if args.sites is None:
        print(
            f"example study written to {display_path(args.out)} ({plural(len(written), 'file')}), "
            f"calibrated to {display_path(source)}"
        )
    else:
        print(
            f"a study of {args.sites} sites of {args.per_site} peer workers copied from the embedded example "
            f"written to {display_path(args.out)} ({plural(len(written), 'file')})"
        )
    return EXIT_OK


def cmd_qual_import(args: argparse.Namespace) -> int:
    from .ingest import refi
    from .ingest.writers import NotWritten, write_tables

    source = Path(args.file)
    problems = Problems()
    if source.suffix.lower() == ".qdc":
        codebook, excerpts = refi.read_qdc(source, problems), None
    else:
        codebook, excerpts = refi.read_qdpx(source, problems)
    if problems:
        _report(problems, sys.stderr)
    if problems.has_errors:
        print("nothing written", file=sys.stderr)
        return EXIT_PROBLEMS
    out = Path(args.out)
    tables = {out / "codebook.csv": codebook}
    written = [
        f"{plural(len(codebook), 'code')} under {plural(codebook['theme'].nunique(), 'theme')} to "
        f"{display_path(out / 'codebook.csv')}"
    ]
    if excerpts is not None:
        tables[out / "excerpts.csv"] = excerpts.drop(columns="_line")
        written.append(f"{plural(len(excerpts), 'excerpt')} to {display_path(out / 'excerpts.csv')}")
    try:
        write_tables(tables)  # both or neither: a codebook never beside another project's excerpts
    except NotWritten as error:
        print(f"peerimpact qual import: {error}; nothing written", file=sys.stderr)
        return EXIT_PROBLEMS
    print("; ".join(written))
    return EXIT_OK


def _csv_list(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def _setting(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, not {text!r}")
    return name.strip(), value.strip()


def _request(args: argparse.Namespace):
    """The build request the options of ``build`` and ``list`` name."""
    from .builder.request import BuildRequest

    return BuildRequest(
        study=args.study,
        out=args.out,
        work=getattr(args, "work", None),
        params=args.params,
        reports_dir=args.reports_dir,
        kinds=args.reports,
        only=args.only,
        formats=getattr(args, "formats", None),
        roots=args.data_root or (),
        overrides=tuple(getattr(args, "set", None) or ()),
        previous=getattr(args, "previous", None),
    )


def cmd_build(args: argparse.Namespace) -> int:
    from .builder.inputs import unchanged
    from .builder.request import summary_line, up_to_date_line

    _announce_example(args.study)
    request = _request(args)
    if not args.force and (record := unchanged(request)) is not None:  # answered before the study is loaded
        print(up_to_date_line(len(record["reports"]), request.out))
        for warning in record["warnings"]:
            print(Problem(**warning).format(), file=sys.stderr)
        print(summary_line(0, len(record["reports"]), 0, request.out))
        return EXIT_OK
    from .builder.pipeline import build, summary

    result = build(
        request=request,
        jobs=args.jobs,
        force=args.force,
        isolated=args.isolated,
        executor=args.executor,
        scheduler=args.scheduler,
    )
    if result.problems.has_errors:
        _report(result.problems)
        print("nothing was built", file=sys.stderr)
        return result.exit_code
    for problem in result.problems.sorted():  # warnings only: errors returned above
        print(problem.format(), file=sys.stderr)
    for outcome in result.failed:
        print(
            f"\n{outcome.id} failed (executed notebooks and log kept in "
            f"{display_path(result.work / outcome.id)}):\n{outcome.error}",
            file=sys.stderr,
        )
    print(summary(result))
    return result.exit_code


def cmd_list(args: argparse.Namespace) -> int:
    from .builder.pipeline import status

    _announce_example(args.study)
    rows, problems = status(request=_request(args))
    if problems.has_errors:
        _report(problems)
        return EXIT_PROBLEMS
    width = max((len(r.id) for r in rows), default=2)
    for r in rows:
        built = f"  (built {r.built_at})" if r.built_at else ""
        print(f"{r.id:<{width}}  {r.kind:<6}  {r.status:<16}{built}")
    print(f"{plural(len(rows), 'report')}, {sum(r.status == 'up to date' for r in rows)} up to date")
    return EXIT_OK


def cmd_audit(args: argparse.Namespace) -> int:
    from .builder.audiences import load_audiences, load_policies
    from .builder.audit import audit_reports, could_not_audit, default_summary, summary_refusal, write_summary
    from .builder.safefiles import Refused

    problems = Problems()
    params = Path(args.params) if args.params else None
    policies = load_policies(params, problems)
    audiences = load_audiences(params, policies, problems)
    if problems.has_errors:
        _report(problems)
        return EXIT_PROBLEMS
    if args.policy and args.policy not in policies and args.policy not in audiences:
        print(
            f"peerimpact audit: unknown policy {args.policy!r}; audiences are {', '.join(audiences)}, rules are "
            f"{', '.join(policies)}",
            file=sys.stderr,
        )
        return EXIT_PROBLEMS
    folders = [Path(f) for f in args.reports]
    summary = Path(args.summary) if args.summary else default_summary(folders)
    if summary is None:
        raise Usage(
            "the report folders are in different folders, so the summary has no one place beside them: "
            "name its file with --summary FILE"
        )
    refused = summary_refusal(summary, folders)  # before anything is read, so a refusal costs nothing
    if refused:
        raise Usage(f"refusing to write the summary to {display_path(summary)}: {refused}; nothing was audited")
    audits, found = audit_reports(folders, policies, audiences, args.policy)
    try:
        write_summary(audits, summary, folders)
    except Refused as error:  # the path changed while the reports were audited
        raise Usage(f"refusing to write the summary: {error}") from None
    for problem in found.sorted():
        print(problem.format())
    counts = {s: sum(a.status == s for a in audits) for s in ("pass", "review", "fail")}
    print(
        f"{plural(len(audits), 'table')}: {counts['pass']} pass, {counts['review']} for review, "
        f"{counts['fail']} fail; summary for an output checker written to {display_path(summary)}"
    )
    if could_not_audit(found):
        print(
            "peerimpact audit: some reports or tables could not be audited (see above); they count as fail",
            file=sys.stderr,
        )
        return EXIT_PROBLEMS
    return 1 if found.has_errors else EXIT_OK


def cmd_facts(args: argparse.Namespace) -> int:
    from .report.facts import read_facts

    tables = Path(args.report) / "tables"
    if not tables.is_dir():
        raise Usage(f"{display_path(args.report)} is not a built report's folder (it has no tables/)")
    facts = [f for f in read_facts(tables) if f.name.startswith(args.prefix or "")]
    if not facts:
        print(f"no facts{' under ' + args.prefix if args.prefix else ''} in {display_path(args.report)}")
        return EXIT_OK
    width = max(len(f.name) for f in facts)
    for fact in facts:
        shown = "withheld (a commentary cannot use it)" if fact.withheld else fact.text
        print(f"facts.{fact.name:<{width}}  {shown}")
    return EXIT_OK


def cmd_reproduce(args: argparse.Namespace) -> int:
    from .builder.safefiles import Refused, Unreadable, read_csv_rows, refusal, write_owned
    from .config.targets import default_targets, read_targets
    from .report.reproduction import COLUMNS, failures, reproduction
    from .text import neutralise_frame

    problems = Problems()
    targets = read_targets(Path(args.targets) if args.targets else default_targets(), problems)
    report = Path(args.report)
    out = Path(args.csv) if args.csv else report / "reproduction.csv"
    header = ",".join(COLUMNS)
    if not (report / "tables").is_dir():
        problems.add(report, rule="targets", message="not a built report (no tables/ folder)")
    elif (refused := refusal(out, header, [report])) is not None:
        raise Usage(f"refusing to write the table to {display_path(out)}: {refused}")
    elif targets is not None:
        # the tables the figures are looked up in, read first as the audit reads them: a link or a
        # named pipe is not followed, and a table that is not CSV is a located problem, not a traceback
        for name in sorted({cell.table for cell in targets.cells}):
            path = report / "tables" / f"{name}.csv"
            if not path.is_symlink() and not path.exists():
                continue  # its figures are reported missing
            try:
                read_csv_rows(path)
            except Unreadable as error:
                problems.add(path, line=error.line, rule="table", message=error.message)
            except OSError as error:
                problems.add(path, rule="table", message=f"cannot be read: {error.strerror or error}")
    if problems.has_errors:
        _report(problems)
        return EXIT_PROBLEMS
    checked = reproduction(report, targets)
    try:
        write_owned(out, neutralise_frame(checked).to_csv(index=False, lineterminator="\n"), header, [report])
    except Refused as error:  # the path changed since it was checked
        raise Usage(f"refusing to write the table: {error}") from None
    shown = failures(checked) if args.failures else checked
    widths = {
        c: max(len(c), *(len(str(v)) for v in shown[c])) if len(shown) else len(c)
        for c in shown.columns
        if c != "erratum"
    }
    print("  ".join(c.ljust(w) for c, w in widths.items()) + "  erratum")
    for rec in shown.to_dict("records"):
        print("  ".join(str(rec[c]).ljust(w) for c, w in widths.items()) + "  " + rec["erratum"])
    failed = failures(checked)
    errata = checked[checked["erratum"] != ""]
    print(
        f"{plural(len(checked), 'published figure')}: {(checked['within'] == 'yes').sum()} reproduced within printed "
        f"precision, {len(failed)} not ({(failed['within'] == 'missing').sum()} missing), {len(errata)} errata "
        f"({(errata['within'] == 'yes').sum()} at their aim); table written to {display_path(out)}"
    )
    return 1 if len(failed) else EXIT_OK


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
        help="write a study's scores as one tidy frame (a row per participant, "
        "timepoint and subscale, attributes joined), with labels where the format holds them",
    )
    p.add_argument("--study", metavar="DIR", help="study folder (default: the embedded example)")
    p.add_argument(
        "--format", choices=["csv", "xlsx", "sav", "dta", "parquet"], help="default: from the file name of --out"
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
    p.set_defaults(func=cmd_synth)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except InvalidStudy as exc:
        _report(exc.problems)
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
