"""A YAML file read into a typed model: every problem with its file, line and key path.

The file is read by :func:`~peerimpact.config.yaml.read_yaml`; pydantic's errors become problems
in plain words at the line of the key they are about (:func:`validation_problems`). Every model
a YAML file is read into derives from :class:`StrictModel`, which refuses a key it does not declare.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from ..problems import Problems
from .values import Finding, Findings
from .yaml import read_yaml

M = TypeVar("M", bound=BaseModel)


def _line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """Line of the deepest node on a key path that exists in the file: of its key, when it is
    the value of a key (a block mapping's value starts on the line below its key)."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if k.value == str(key)), None)
            if pair is None:
                break
            line, node = pair[0].start_mark.line + 1, pair[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line + 1
        else:
            break
    return line


def key_line(path: Path, loc: tuple[Any, ...]) -> int | None:
    """Line of a key path in a YAML file that has already been read without problems."""
    _, node = read_yaml(path, Problems())
    return _line_of(node, loc)


def _key_path(data: Any, loc: tuple[Any, ...], missing: bool) -> tuple[Any, ...]:
    """The keys of pydantic's ``loc`` that are in the file: a union's branch names
    (``function-after[_ordered(), During]``, ``list[str]``) and ``[key]`` are pydantic's own.

    A key that is not in the data is kept only as the last of a ``missing`` error: the
    required key the file lacks."""
    path: list[Any] = []
    for i, key in enumerate(loc):
        if (
            isinstance(data, dict)
            and key in data
            or isinstance(data, list)
            and isinstance(key, int)
            and 0 <= key < len(data)
        ):
            data = data[key]
        elif missing and i == len(loc) - 1:
            pass
        else:
            continue
        path.append(key)
    return tuple(path)


def plain_message(err: Any) -> str:
    """Pydantic's message in plain words: without its ``Value error,`` prefix or type names."""
    kind = err["type"]
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required key is missing"
    if kind in ("value_error", "assertion_error") and "error" in err.get("ctx", {}):
        return str(err["ctx"]["error"])
    return err["msg"]


def validation_problems(
    exc: ValidationError, data: Any, node: yaml.Node | None, path: Path, problems: Problems
) -> None:
    """Every error of ``exc`` (from validating ``data``, read from ``path`` as ``node``) as a problem
    at its line, with the key path as the user wrote it; a :class:`~peerimpact.config.values.Findings`
    error is one problem per finding, at the finding's own item.

    Parameters
    ----------
    exc : ValidationError
        What pydantic found.
    data, node : Any, yaml.Node
        The file's values and its YAML nodes (for lines); ``node`` may be ``None``.
    path : Path
        The file, as problems name it.
    problems : Problems
        Where the problems go.
    """
    seen: set[tuple[Any, ...]] = set()
    for err in exc.errors():
        keys = _key_path(data, tuple(err["loc"]), err["type"] == "missing")
        cause = err.get("ctx", {}).get("error")
        found = (
            cause.findings
            if isinstance(cause, Findings)
            else [
                Finding(
                    (),
                    err.get("input") if err["type"] not in ("missing", "extra_forbidden") else None,
                    plain_message(err),
                )
            ]
        )
        for finding in found:
            loc = (*keys, *finding.at)
            value = None if isinstance(finding.value, (dict, list, tuple, set)) else finding.value
            if (loc, finding.message) in seen:  # a union's branches may each report the same thing
                continue
            seen.add((loc, finding.message))
            problems.add(
                path,
                line=_line_of(node, loc),
                column=".".join(map(str, loc)) or None,
                value=None if value is None else _cut(str(value)),
                rule="params",
                message=finding.message,
            )


def _cut(text: str, width: int = 200) -> str:
    """A value as a problem shows it: whole when short, its start when not."""
    return text if len(text) <= width else text[: width - 1] + "…"


def parse_model(model: type[M], path: Path, problems: Problems) -> M | None:
    """Read ``path`` into ``model``; every problem goes to ``problems`` with file, line and key."""
    data, node = read_yaml(path, problems)
    if node is None:
        return None
    if not isinstance(data, dict):
        problems.add(path, line=1, rule="params", message="expected a mapping of keys to values at the top level")
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        validation_problems(exc, data, node, path, problems)
        return None


def parse_named(model: type[M], folder: Path, key: str, problems: Problems) -> list[tuple[M, Path]]:
    """Every ``*.yml`` in ``folder`` read into ``model``, in name order; a file whose ``key``
    (``id``, ``name``) is not its file name is a problem, not a model."""
    found = []
    for path in sorted(folder.glob("*.yml")):
        parsed = parse_model(model, path, problems)
        if parsed is None:
            continue
        if getattr(parsed, key) != path.stem:
            problems.add(
                path,
                column=key,
                value=getattr(parsed, key),
                rule="params",
                message=f"{key} must match the file name {path.stem!r}",
            )
            continue
        found.append((parsed, path))
    return found


def as_str_list(value: Any) -> Any:
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
        elif isinstance(v, str) and (m := re.fullmatch(r"\s*([0-9]+)\s*-\s*([0-9]+)\s*", v)):
            lo, hi = int(m.group(1)), int(m.group(2))
            out.extend(str(i) for i in range(lo, hi + 1))
        else:
            out.append(v)
    return out


class StrictModel(BaseModel):
    """The base of every model a YAML file is read into: a key the model does not declare is a
    problem ("unknown key"), never silently ignored."""

    model_config = ConfigDict(extra="forbid")
