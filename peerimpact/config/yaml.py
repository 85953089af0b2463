"""Reading a YAML file into a typed model: every problem with its file, line and key path.

YAML 1.1 is read without its surprises (``029`` and ``no`` stay strings, dates stay text
for the model to parse), and with bounds on what a file may cost: aliases that would
expand past :attr:`~peerimpact.limits.Limits.yaml_nodes` values, or nesting past
:attr:`~peerimpact.limits.Limits.depth` levels, are problems, not hours of work.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from ..problems import Problems

if TYPE_CHECKING:
    from ..limits import Limits

M = TypeVar("M", bound=BaseModel)


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """YAML 1.1 without its surprises: ``029`` stays a string, ``no``/``on`` stay strings.

    Parsed by libyaml where PyYAML has it (ten times faster: the published figures are
    ten thousand lines); its marks give the same lines and columns."""


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
    from ..limits import MB, current

    limits = current()
    try:
        if path.stat().st_size > limits.yaml_mb * MB:
            problems.add(path, rule="too-large",
                         message=f"file is larger than {limits.yaml_mb} MB; "
                         "a settings file is a few kilobytes")
            return None, None
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        problems.add(path, rule="unreadable", message=f"cannot read file: {exc}")
        return None, None
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            problems.add(path, line=1, rule="empty-file", message="file is empty: expected keys and values")
            return None, None
        _check_size(node, limits)
        data = loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problems.add(path, line=line, rule="yaml-syntax", message=f"not valid YAML: {getattr(exc, 'problem', exc)}")
        return None, None
    except RecursionError:
        problems.add(path, rule="too-large", message=f"nested more than {limits.depth} levels deep")
        return None, None
    except ValueError as exc:  # an explicitly tagged value that cannot be, e.g. !!timestamp 2021-02-30
        if isinstance(exc, YamlTooLarge):
            problems.add(path, rule="too-large", message=str(exc))
        else:
            problems.add(path, rule="yaml-value", message=f"not a valid value: {exc}")
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
        problems.add(path, line=1, rule="params", message="expected a mapping of keys to values at the top level")
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
            problems.add(path, line=_line_of(node, loc), column=key, value=value, rule="params", message=message)
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
            problems.add(path, column=key, value=getattr(parsed, key), rule="params",
                         message=f"{key} must match the file name {path.stem!r}")
            continue
        found.append((parsed, path))
    return found


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


