"""Subcommands that read a study's data or write it: ``validate``, ``score``, ``export``,
``qual import`` and ``synth``.

Each imports what it needs when it runs, so that the command line starts without pandas.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..problems import Problems, display_path
from ..text import plural
from .shared import EXIT_OK, EXIT_PROBLEMS, Usage, announce_example, print_problems


def _is_study(path: Path) -> bool:
    return path.is_dir() or path.name == "study.yml"


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
    from ..ingest.study import load_questionnaire_file, load_study

    study_path, single = _targets(args)
    if single is None:
        announce_example(study_path)
        study = load_study(
            study_path, out_of_range=args.out_of_range, instruments=args.instrument, roots=args.data_root or ()
        )
        inputs = _study_inputs(study)
        return study.scores, study.problems, inputs
    _, scores, problems = load_questionnaire_file(
        single, instruments=args.instrument, out_of_range=args.out_of_range, study=study_path
    )
    return scores, problems, [single]


def cmd_validate(args: argparse.Namespace) -> int:
    _, problems, _ = _load(args)
    print_problems(problems)
    return EXIT_PROBLEMS if problems.has_errors else EXIT_OK


def cmd_score(args: argparse.Namespace) -> int:
    from ..ingest.writers import WRITERS, NotWritten, write_table

    out = Path(args.out)
    if out.suffix.lower() not in WRITERS:
        raise Usage(
            f"--out {args.out}: the file name must end in {' or '.join(sorted(WRITERS))} (the format is taken from it)"
        )
    scores, problems, inputs = _load(args)
    if out.resolve() in {p.resolve() for p in inputs}:
        raise Usage(f"refusing to write over an input file: {args.out}")
    if problems:
        print_problems(problems, sys.stderr)
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
    named = [name for key, name in study.config.named_files() if key[0] != "word_template"]
    return [study.path / "study.yml", *(study.path / n for n in named)]


def cmd_export(args: argparse.Namespace) -> int:
    from ..export import RENAMING, WRITERS, export, names_path
    from ..ingest.writers import NotWritten

    out = Path(args.out)
    fmt = args.format or out.suffix.lstrip(".").lower()
    if fmt not in WRITERS:
        raise Usage(
            f"--format {fmt or '(none)'}: formats are {', '.join(WRITERS)} (or give --out a file name ending in one)"
        )
    from ..ingest.study import load_study

    study = load_study(args.study, roots=args.data_root or ())
    if study.problems:
        print_problems(study.problems, sys.stderr)
    if study.problems.has_errors:
        print(f"not written: {display_path(out)}", file=sys.stderr)
        return EXIT_PROBLEMS
    inputs = {p.resolve() for p in _study_inputs(study)}
    for target in (out, names_path(out)) if fmt in RENAMING else (out,):  # the names file goes beside
        if target.resolve().is_relative_to(study.path.resolve()):
            raise Usage(f"refusing to write inside the study folder, whose files are never changed: {target}")
        if target.resolve() in inputs:
            raise Usage(f"refusing to write over an input file: {target}")
    try:
        done = export(study, out, fmt, args.shape)
    except NotWritten as error:  # what was at --out is as it was
        print(f"peerimpact export: {error}", file=sys.stderr)
        return EXIT_PROBLEMS
    print(f"{plural(done.rows, 'row')} ({done.row}) written to {display_path(out)}")
    renamed = done.renamed()
    if done.names_path is not None:
        if len(renamed):
            print(f"{plural(len(renamed), 'column')} renamed for {fmt.upper()} (original → exported):")
            for original, exported in zip(renamed["original"], renamed["exported"]):
                print(f"  {original} → {exported}")
        print(f"every column's name and label: {display_path(done.names_path)}")
    return EXIT_OK


def cmd_synth(args: argparse.Namespace) -> int:
    from ..config.targets import default_targets, load_targets
    from ..example.generator import DEFAULT_SEED, out_refusal, write
    from ..example.scaled import size_refusal

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
            targets=targets if args.calibrate else None,  # None: the paper's, as the embedded example
            sites=args.sites,
            per_site=args.per_site,
            format=args.format,
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
    from ..ingest import refi
    from ..ingest.writers import NotWritten, write_tables

    source = Path(args.file)
    problems = Problems()
    if source.suffix.lower() == ".qdc":
        codebook, excerpts = refi.read_qdc(source, problems), None
    else:
        codebook, excerpts = refi.read_qdpx(source, problems)
    if problems:
        print_problems(problems, sys.stderr)
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
