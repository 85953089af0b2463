"""Subcommands that read built reports: ``audit`` (the tables against their disclosure rules),
``facts`` (what a commentary may name) and ``reproduce`` (a study report beside published figures).

Each imports what it needs when it runs, so that the command line starts without pandas.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..problems import Problems, display_path
from ..text import plural
from .shared import EXIT_OK, EXIT_PROBLEMS, Usage, print_problems


def cmd_audit(args: argparse.Namespace) -> int:
    from ..builder.audiences import load_audiences, load_policies
    from ..builder.audit import audit_reports, could_not_audit, default_summary, summary_refusal, write_summary
    from ..builder.safefiles import Refused

    problems = Problems()
    params = Path(args.params) if args.params else None
    policies = load_policies(params, problems)
    audiences = load_audiences(params, policies, problems)
    if problems.has_errors:
        print_problems(problems)
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
    study = None
    if args.study is not None:
        from ..ingest.study import load_study

        study = load_study(args.study or None, roots=args.data_root or ())
        if study.problems.has_errors:
            print_problems(study.problems, sys.stderr)
            print("peerimpact audit: the study has errors, so nothing was audited", file=sys.stderr)
            return EXIT_PROBLEMS
    audits, found = audit_reports(folders, policies, audiences, args.policy, study)
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
    from ..report.facts import read_facts

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
    from ..builder.safefiles import Refused, Unreadable, read_csv_rows, refusal, write_owned
    from ..config.targets import default_targets, read_targets
    from ..report.reproduction import COLUMNS, failures, reproduction
    from ..text import neutralise_frame

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
        print_problems(problems)
        return EXIT_PROBLEMS
    assert targets is not None  # read_targets records an error whenever it returns none
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
