"""Typed models of the YAML files a study and the analysis are described by.

Every problem in a YAML file is reported with the file, the line and the key path,
all at once, before any data are read.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .problems import Problems

if TYPE_CHECKING:
    from .limits import Limits

DEFAULT_MISSING_CODES = ["", "NA", "-99", "-9"]
# An instrument is named, never located: its definition is <params>/instruments/<name>.yml.
INSTRUMENT_NAME = re.compile(r"[a-z][a-z0-9_]*")

M = TypeVar("M", bound=BaseModel)


class _Loader(yaml.SafeLoader):
    """YAML 1.1 without its surprises: ``029`` stays a string, ``no``/``on`` stay strings."""


# Dates stay text too: the models parse them, so 2021-02-30 is a problem with a line, not an exception.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers
            if tag not in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


class YamlTooLarge(ValueError):
    """A YAML file that would cost far more to read than any study needs."""


def _check_size(node: yaml.Node, limits: "Limits") -> None:
    """Refuse YAML whose aliases expand past ``limits.yaml_nodes`` values, or that nests too deep.

    Aliases let a few lines stand for billions of values; counting each node once per
    reference (memoised) finds that without expanding anything.
    """
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(n: yaml.Node, depth: int) -> int:
        if depth > limits.depth:
            raise YamlTooLarge(f"nested more than {limits.depth} levels deep")
        key = id(n)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise YamlTooLarge("an alias refers to a collection that contains it")
        active.add(key)
        children = ([c for pair in n.value for c in pair] if isinstance(n, yaml.MappingNode)
                    else n.value if isinstance(n, yaml.SequenceNode) else [])
        total = 1
        for child in children:
            total += size(child, depth + 1)
            if total > limits.yaml_nodes:
                raise YamlTooLarge(f"holds more than {limits.yaml_nodes:,} values once its aliases are expanded")
        active.discard(key)
        sizes[key] = total
        return total

    size(node, 0)


def read_yaml(path: Path, problems: Problems) -> tuple[Any, yaml.Node | None]:
    """Parse a YAML file; syntax errors and files too large to be a study's settings become problems.

    Returns ``(None, None)`` after adding a problem; an empty file is a problem too.
    """
    from .limits import MB, current

    limits = current()
    try:
        if path.stat().st_size > limits.yaml_mb * MB:
            problems.add(path, None, None, None, "too-large", f"file is larger than {limits.yaml_mb} MB; "
                         "a settings file is a few kilobytes")
            return None, None
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        problems.add(path, None, None, None, "unreadable", f"cannot read file: {exc}")
        return None, None
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            problems.add(path, 1, None, None, "empty-file", "file is empty: expected keys and values")
            return None, None
        _check_size(node, limits)
        data = loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problems.add(path, line, None, None, "yaml-syntax", f"not valid YAML: {getattr(exc, 'problem', exc)}")
        return None, None
    except RecursionError:
        problems.add(path, None, None, None, "too-large", f"nested more than {limits.depth} levels deep")
        return None, None
    except ValueError as exc:  # an explicitly tagged value that cannot be, e.g. !!timestamp 2021-02-30
        if isinstance(exc, YamlTooLarge):
            problems.add(path, None, None, None, "too-large", str(exc))
        else:
            problems.add(path, None, None, None, "yaml-value", f"not a valid value: {exc}")
        return None, None
    finally:
        loader.dispose()
    return data, node


def _line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """Line of the deepest node on a key path that exists in the file."""
    if node is None:
        return None
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if k.value == str(key)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            child = node.value[key]
        else:
            child = None
        if child is None:
            break
        node = child
    return node.start_mark.line + 1


def key_line(path: Path, loc: tuple[Any, ...]) -> int | None:
    """Line of a key path in a YAML file that has already been read without problems."""
    _, node = read_yaml(path, Problems())
    return _line_of(node, loc)


def parse_model(model: type[M], path: Path, problems: Problems) -> M | None:
    """Read ``path`` into ``model``; every problem goes to ``problems`` with file, line and key."""
    data, node = read_yaml(path, problems)
    if node is None:
        return None
    if not isinstance(data, dict):
        problems.add(path, 1, None, None, "params", "expected a mapping of keys to values at the top level")
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            key = ".".join(str(k) for k in loc) or None
            value = err.get("input") if err["type"] not in ("missing", "extra_forbidden") else None
            if isinstance(value, (dict, list)):
                value = None
            message = err["msg"]
            if err["type"] == "extra_forbidden":
                message = "unknown key"
            elif err["type"] == "missing":
                message = "required key is missing"
            problems.add(path, _line_of(node, loc), key, value, "params", message)
        return None


def _as_str_list(value: Any) -> Any:
    """Accept a scalar or a list of scalars; numbers become strings; ``"1-14"`` expands."""
    if value is None:
        return []
    if isinstance(value, (str, int)):
        value = [value]
    if not isinstance(value, list):
        return value
    out: list[Any] = []
    for v in value:
        if isinstance(v, bool):
            out.append(v)
        elif isinstance(v, int):
            out.append(str(v))
        elif isinstance(v, str) and (m := re.fullmatch(r"\s*(\d+)\s*-\s*(\d+)\s*", v)):
            lo, hi = int(m.group(1)), int(m.group(2))
            out.extend(str(i) for i in range(lo, hi + 1))
        else:
            out.append(v)
    return out


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --------------------------------------------------------------------------- instruments


class MissingRule(_Strict):
    """How many items of a subscale may be missing, and whether the score is then prorated."""

    max_missing: int = Field(1, ge=0)
    prorate: bool = True


class Subscale(_Strict):
    label: str
    items: list[str]
    method: Literal["sum", "mean"]
    higher: str | None = None  # what a higher score means, if not the instrument's ``higher``
    reverse: list[str] = []
    max_missing: int | None = Field(None, ge=0)
    prorate: bool | None = None

    _lists = field_validator("items", "reverse", mode="before")(_as_str_list)

    @model_validator(mode="after")
    def _reverse_within_items(self) -> "Subscale":
        stray = [i for i in self.reverse if i not in self.items]
        if stray:
            raise ValueError(f"reverse-keyed items {stray} are not items of this subscale")
        return self


class Instrument(_Strict):
    """An instrument's items, response range and subscales (see ``params/instruments``)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    min: int
    max: int
    items: list[str]
    subscales: dict[str, Subscale]
    missing: MissingRule = MissingRule()
    higher: str | None = None  # what a higher score means: "better wellbeing"
    layout_confirmed: bool = True
    note: str | None = None
    source: str | None = None

    _lists = field_validator("items", mode="before")(_as_str_list)

    @model_validator(mode="after")
    def _check(self) -> "Instrument":
        if self.min >= self.max:
            raise ValueError("min must be below max")
        for name, sub in self.subscales.items():
            unknown = [i for i in sub.items if i not in self.items]
            if unknown:
                raise ValueError(f"subscale {name!r} names items that are not listed: {unknown}")
        return self

    def column(self, item: str) -> str:
        """Column name of an item in the canonical questionnaire frame."""
        return f"{self.id}_{item}"

    @property
    def columns(self) -> list[str]:
        return [self.column(i) for i in self.items]

    def score_range(self, subscale: str) -> tuple[float, float]:
        """Lowest and highest possible score of a subscale: item range × item count for sums."""
        sub = self.subscales[subscale]
        count = len(sub.items) if sub.method == "sum" else 1
        return float(self.min * count), float(self.max * count)

    def direction(self, subscale: str) -> str | None:
        """What a higher score of a subscale means (``"more exhausted"``), if the definition says."""
        return self.subscales[subscale].higher or self.higher

    def rule_for(self, subscale: str) -> MissingRule:
        sub = self.subscales[subscale]
        return MissingRule(
            max_missing=self.missing.max_missing if sub.max_missing is None else sub.max_missing,
            prorate=self.missing.prorate if sub.prorate is None else sub.prorate,
        )


# --------------------------------------------------------------------------- study


class StudyFiles(_Strict):
    participants: str
    questionnaires: list[str]
    service_use: str | None = None
    contacts: str | None = None
    codebook: str | None = None
    excerpts: str | None = None

    _lists = field_validator("questionnaires", mode="before")(_as_str_list)


class Cohort(_Strict):
    """A cohort is the participants whose columns match every ``where`` entry."""

    label: str
    where: dict[str, list[str]]

    @field_validator("where", mode="before")
    @classmethod
    def _values_as_lists(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: _as_str_list(v) for k, v in value.items()}
        return value


class StudyConfig(_Strict):
    """``study.yml``: what a study's files are and what they may contain."""

    name: str
    data_cut: dt.date | None = None
    sites: list[str] = Field(min_length=1)
    timepoints: list[str] = Field(min_length=1)
    instruments: list[str] = []
    missing_codes: list[str] = list(DEFAULT_MISSING_CODES)
    services: dict[str, str] = {}
    # participant column -> its levels in table order: a list of labels, or code: label pairs
    categories: dict[str, dict[str, str]] = {}
    comparisons: list[tuple[str, str]] | None = None  # paired comparisons; default first vs each later
    holm: bool = False  # add Holm-adjusted p values across Table 4's tests
    cohorts: dict[str, Cohort] = {}
    files: StudyFiles

    _lists = field_validator("sites", "timepoints", "instruments", "missing_codes", mode="before")(_as_str_list)

    @field_validator("instruments")
    @classmethod
    def _names(cls, values: list[str]) -> list[str]:
        bad = [v for v in values if not INSTRUMENT_NAME.fullmatch(v)]
        if bad:
            raise ValueError(f"instrument names are lower-case letters and digits, not paths: {bad}")
        return values

    @field_validator("sites", "timepoints")
    @classmethod
    def _printable(cls, values: list[str]) -> list[str]:
        bad = [v for v in values if not v.strip() or not v.isprintable()]
        if bad:
            raise ValueError(f"codes must be visible text without control characters: {bad}")
        return values

    @model_validator(mode="after")
    def _comparisons(self) -> "StudyConfig":
        if self.comparisons is None:
            self.comparisons = [(self.timepoints[0], later) for later in self.timepoints[1:]]
        for pair in self.comparisons:
            unknown = [t for t in pair if t not in self.timepoints]
            if unknown:
                raise ValueError(f"comparison {list(pair)} names unknown timepoints {unknown}")
        return self

    @field_validator("categories", mode="before")
    @classmethod
    def _levels(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {col: {str(v): str(v) for v in levels} if isinstance(levels, list) else levels
                    for col, levels in value.items()}
        return value

    @field_validator("sites", "timepoints")
    @classmethod
    def _unique(cls, values: list[str]) -> list[str]:
        folded = [v.casefold() for v in values]
        dupes = sorted({v for v in values if folded.count(v.casefold()) > 1})
        if dupes:
            raise ValueError(f"listed twice (ignoring case): {dupes}")
        return values


# --------------------------------------------------------------------------- norms


class Norm(_Strict):
    mean: float | None = None
    sd: float | None = Field(None, gt=0)


class NormSource(_Strict):
    label: str
    n: int | None = None
    note: str | None = None


class AnalysisConfig(_Strict):
    """``params/analysis.yml``: settings of the analyses that every report shares."""

    # Below this many complete pairs, Table 4 shows n and the mean change without a test.
    min_pairs: int = Field(6, ge=2)


class NormsConfig(_Strict):
    """``params/norms.yml``: the population norm of each instrument's subscales."""

    sources: dict[str, NormSource] = {}
    norms: dict[str, dict[str, Norm]]

    def to_frame(self) -> "pd.DataFrame":
        import pandas as pd

        rows = [{"instrument": inst, "subscale": sub, "norm_mean": norm.mean, "norm_sd": norm.sd,
                 "norm_source": self.sources[inst].label if inst in self.sources else None}
                for inst, subs in self.norms.items() for sub, norm in subs.items()]
        return pd.DataFrame(rows, columns=["instrument", "subscale", "norm_mean", "norm_sd", "norm_source"])
