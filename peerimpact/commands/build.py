"""Subcommands that plan a study's reports and build them: ``build`` and ``list``.

Each imports the build machinery when it runs, so that the command line starts without it.
"""

from __future__ import annotations

import argparse
import sys

from ..problems import Problem, display_path
from ..text import plural
from .shared import EXIT_OK, EXIT_PROBLEMS, announce_example, print_problems


def _request(args: argparse.Namespace):
    """The build request the options of ``build`` and ``list`` name."""
    from ..builder.request import BuildRequest

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
    from ..builder.inputs import unchanged
    from ..builder.request import summary_line, up_to_date_line

    announce_example(args.study)
    request = _request(args)
    if not args.force and (record := unchanged(request)) is not None:  # answered before the study is loaded
        print(up_to_date_line(len(record["reports"]), request.out))
        for warning in record["warnings"]:
            print(Problem(**warning).format(), file=sys.stderr)
        print(summary_line(0, len(record["reports"]), 0, request.out))
        return EXIT_OK
    from ..builder.pipeline import build, summary

    result = build(
        request=request,
        jobs=args.jobs,
        force=args.force,
        isolated=args.isolated,
        executor=args.executor,
        scheduler=args.scheduler,
    )
    if result.problems.has_errors:
        print_problems(result.problems)
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
    from ..builder.pipeline import status

    announce_example(args.study)
    rows, problems = status(request=_request(args))
    if problems.has_errors:
        print_problems(problems)
        return EXIT_PROBLEMS
    width = max((len(r.id) for r in rows), default=2)
    for r in rows:
        built = f"  (built {r.built_at})" if r.built_at else ""
        print(f"{r.id:<{width}}  {r.kind:<6}  {r.status:<16}{built}")
    print(f"{plural(len(rows), 'report')}, {sum(r.status == 'up to date' for r in rows)} up to date")
    return EXIT_OK
