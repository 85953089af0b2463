"""Instrument definitions (``params/instruments/*.yml``) and scoring of item-level data: one
instrument or all of a study's."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from ..config import Instrument, parse_model
from ..problems import Problems
from ..resources import params_dir
from ..schema import SCORE_COLUMNS


def instrument_path(name: str, search: Iterable[Path] = ()) -> Path | None:
    """First ``<dir>/instruments/<name>.yml`` in ``search``, then in the default params."""
    for folder in [*search, params_dir()]:
        candidate = Path(folder) / "instruments" / f"{name}.yml"
        if candidate.is_file():
            return candidate
    return None


def load_instrument(
    name_or_path: str | Path, *, search: Iterable[Path] = (), problems: Problems | None = None
) -> Instrument:
    """Load one instrument by name (``"wemwbs"``) or from a YAML path.

    Raises ``ValueError`` listing every problem when the definition is invalid; pass
    ``problems`` to collect them instead (the return value is then ``None`` on failure).
    """
    from ..config import INSTRUMENT_NAME

    collect = problems if problems is not None else Problems()
    path = Path(name_or_path)
    if path.suffix not in (".yml", ".yaml") and not INSTRUMENT_NAME.fullmatch(str(name_or_path)):
        collect.add(
            "--instrument",
            value=str(name_or_path),
            rule="unknown-instrument",
            message="an instrument name is lower-case letters and digits (the name of its definition), not a path",
        )
        if problems is None:
            raise ValueError("\n".join(p.format() for p in collect))
        return None  # type: ignore[return-value]
    if path.suffix not in (".yml", ".yaml"):
        found = instrument_path(str(name_or_path), search)
        if found is None:
            collect.add(
                f"instruments/{name_or_path}.yml",
                value=str(name_or_path),
                rule="unknown-instrument",
                message="no definition for this instrument in the study's or the default params",
            )
            if problems is None:
                raise ValueError("\n".join(p.format() for p in collect))
            return None  # type: ignore[return-value]
        path = found
    instrument = parse_model(Instrument, path, collect)
    if instrument is not None and instrument.id != path.stem:
        collect.add(
            path, column="id", value=instrument.id, rule="params", message=f"id must match the file name {path.stem!r}"
        )
        instrument = None
    if instrument is None and problems is None:
        raise ValueError("\n".join(p.format() for p in collect))
    return instrument  # type: ignore[return-value]


def load_instruments(names: Iterable[str], search: Iterable[Path], problems: Problems) -> dict[str, Instrument]:
    """The instruments of ``names`` that load; the others' problems go to ``problems``."""
    found = {}
    for name in names:
        inst = load_instrument(name, search=search, problems=problems)
        if inst is not None:
            found[name] = inst
    return found


def all_instrument_names(search: Iterable[Path] = ()) -> list[str]:
    """Names of every instrument defined in ``search`` or the default params."""
    names: set[str] = set()
    for folder in [*search, params_dir()]:
        names.update(p.stem for p in (Path(folder) / "instruments").glob("*.yml"))
    return sorted(names)


def score(frame: pd.DataFrame, instrument: Instrument | str) -> pd.DataFrame:
    """Score every subscale of ``instrument`` for every record of an item-level frame.

    Parameters
    ----------
    frame : DataFrame
        One row per participant and timepoint with item columns named
        ``<instrument>_<item>`` (NaN for a missing item), as in ``Study.questionnaires``.
        ``participant_id``, ``site`` and ``timepoint`` are carried over when present.
    instrument : Instrument or str
        A definition, or the name of one in the default params (``"wemwbs"``).

    Returns
    -------
    DataFrame
        One row per record and subscale: ``participant_id, site, timepoint, instrument,
        subscale, score, items_answered, items_missing, prorated``. Records without any
        answered item of the instrument are left out. A subscale with more missing items
        than the instrument allows (``max_missing``, default 1) has a missing score; with
        fewer, a mean is taken over the answered items and a sum is prorated (mean of the
        answered items × item count, unrounded) unless ``prorate`` is false.

    Examples
    --------
    >>> import pandas as pd, peerimpact
    >>> items = {f"wemwbs_{i}": [4.0] for i in range(1, 15)}
    >>> items["wemwbs_3"] = [float("nan")]
    >>> frame = pd.DataFrame({"participant_id": ["S1-PW01"], "timepoint": ["T1"], **items})
    >>> peerimpact.score(frame, "wemwbs")[["subscale", "score", "items_missing", "prorated"]]
      subscale  score  items_missing  prorated
    0    total   56.0              1      True
    """
    inst = load_instrument(instrument) if isinstance(instrument, str) else instrument
    columns = inst.columns
    items = frame.reindex(columns=columns).apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    answered_any = ~np.isnan(items).all(axis=1)
    ids = frame.reindex(columns=["participant_id", "site", "timepoint"]).loc[answered_any].reset_index(drop=True)
    items = items[answered_any]
    position = {item: i for i, item in enumerate(inst.items)}
    parts = []
    for name, sub in inst.subscales.items():
        rule = inst.rule_for(name)
        values = items[:, [position[i] for i in sub.items]].copy()
        for j, item in enumerate(sub.items):
            if item in sub.reverse:
                values[:, j] = inst.min + inst.max - values[:, j]
        n_items = len(sub.items)
        answered = (~np.isnan(values)).sum(axis=1)
        missing = n_items - answered
        with np.errstate(invalid="ignore"):
            mean = np.nanmean(np.where(answered[:, None] > 0, values, 0.0), axis=1)
        mean = np.where(answered > 0, mean, np.nan)
        if sub.method == "mean":
            result = mean
        elif rule.prorate:
            result = mean * n_items
        else:
            result = np.where(answered > 0, np.nansum(values, axis=1), np.nan)
        usable = (missing <= rule.max_missing) & (answered > 0)
        result = np.where(usable, result, np.nan)
        part = ids.copy()
        part["instrument"] = inst.id
        part["subscale"] = name
        part["score"] = result
        part["items_answered"] = answered
        part["items_missing"] = missing
        part["prorated"] = usable & (missing > 0) & (sub.method == "mean" or rule.prorate)
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=SCORE_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    order = {name: i for i, name in enumerate(inst.subscales)}
    out = out.assign(_order=out["subscale"].map(order))
    sort = [c for c in ("participant_id", "timepoint") if out[c].notna().any()] + ["_order"]
    out = out.sort_values(sort, kind="stable").drop(columns="_order").reset_index(drop=True)
    return out[SCORE_COLUMNS]


def score_all(questionnaires: pd.DataFrame, instruments: dict[str, Instrument], timepoints: list[str]) -> pd.DataFrame:
    """Scores of every instrument, in participant, timepoint and subscale order."""
    parts = [score(questionnaires, inst) for inst in instruments.values()]
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame(columns=SCORE_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    # Categories carry the study's order into every table: instruments as listed in study.yml,
    # subscales as their definitions list them, timepoints as the study names them.
    subscales = list(dict.fromkeys(s for inst in instruments.values() for s in inst.subscales))
    out["instrument"] = pd.Categorical(out["instrument"], categories=list(instruments))
    out["subscale"] = pd.Categorical(out["subscale"], categories=subscales)
    out["timepoint"] = pd.Categorical(out["timepoint"], categories=timepoints)
    return out
