"""Reading a YAML file safely: plain values only, every problem with its file and line.

YAML 1.1 is read without its surprises (``029``, ``1_000`` and ``no`` stay strings, numbers
are ASCII digits, dates stay text for the model to parse), and with bounds on what a file
may cost: aliases that would expand past :attr:`~peerimpact.limits.Limits.yaml_nodes`
values, or nesting past :attr:`~peerimpact.limits.Limits.depth` levels, are problems, not
hours of work. A key a mapping repeats (YAML keeps the last, silently) and a tag that plain
YAML would not give (``!!set``, ``!!python/...``) are problems at their lines too. The values
read become a typed model in :mod:`peerimpact.config.parse`.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from ..problems import Problems
from .values import FLOAT, non_ascii_digit

if TYPE_CHECKING:
    from ..limits import Limits

TAG = "tag:yaml.org,2002:"
# The tags plain YAML gives without being asked: anything else (!!set, !!binary, !!timestamp,
# !!python/..., a local !tag) is refused, so what a file means never depends on a tag.
PLAIN_TAGS = frozenset(TAG + t for t in ("str", "int", "float", "bool", "null", "seq", "map", "merge"))
_REPLACED = {TAG + "int", TAG + "float", TAG + "bool", TAG + "timestamp"}  # PyYAML's resolvers we do not use
_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_FLOAT = re.compile(r"[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
_BOOL = re.compile(r"true|True|TRUE|false|False|FALSE")
_NULL = re.compile(r"~|null|Null|NULL|")


def _strict(kind: str, pattern: re.Pattern[str], construct: Any, how: str) -> Any:
    """A constructor that builds a ``kind`` only from text ``pattern`` matches in full, else says ``how``.

    PyYAML's own constructors read ``!!int 1_000`` as 1000, ``!!int ٤٥`` as 45 (through
    Python's ``int``) and ``!!bool yes`` as true; an explicit tag gets no more than an implicit one would."""

    def constructor(loader: yaml.constructor.SafeConstructor, node: yaml.ScalarNode) -> Any:
        text = loader.construct_scalar(node)
        if not pattern.fullmatch(text):
            digit = non_ascii_digit(text)
            why = (
                f"{digit} is not an ASCII digit"
                if digit is not None
                else "write it without _ between digits"
                if "_" in text and kind != "null"
                else how
            )
            raise yaml.constructor.ConstructorError(None, None, f"not {kind}: {_shown(text)}; {why}", node.start_mark)
        return construct(loader, node)

    return constructor


def _make_loader(base: type) -> type:
    """YAML 1.1 without its surprises, on ``base`` (libyaml's parser or PyYAML's own).

    ``029`` and ``1_000`` stay strings, ``no``/``on`` stay strings, numbers are ASCII digits
    (no ``1_000``, no sexagesimal ``1:30.0``, no ``.inf``), and dates stay text: the models
    parse them, so 2021-02-30 is a problem with a line, not an exception."""

    class Loader(base):
        pass

    Loader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag not in _REPLACED]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    Loader.add_implicit_resolver(TAG + "int", re.compile(rf"^{_INT.pattern}$"), list("-+0123456789"))
    Loader.add_implicit_resolver(TAG + "float", re.compile(rf"^{_FLOAT.pattern}$"), list("-+.0123456789"))
    Loader.add_implicit_resolver(TAG + "bool", re.compile(rf"^(?:{_BOOL.pattern})$"), list("tTfF"))
    plain = yaml.constructor.SafeConstructor
    Loader.add_constructor(
        TAG + "int",
        _strict(
            "a whole number",
            _INT,
            plain.construct_yaml_int,
            "write whole numbers with the digits 0-9, no leading zeros",
        ),
    )
    Loader.add_constructor(
        TAG + "float",
        _strict("a number", FLOAT, plain.construct_yaml_float, "write numbers with the digits 0-9 and a point"),
    )
    Loader.add_constructor(
        TAG + "bool", _strict("true or false", _BOOL, plain.construct_yaml_bool, "write true or false")
    )
    Loader.add_constructor(
        TAG + "null", _strict("empty", _NULL, plain.construct_yaml_null, "an empty value is written null, ~ or nothing")
    )
    return Loader


# Parsed by libyaml where PyYAML has it (ten times faster: the published figures are ten
# thousand lines); its marks give the same lines and columns, and its problems are the same.
# PlainLoader is public: a ``--set`` value on the command line is read as the files are.
_PyLoader = _make_loader(yaml.SafeLoader)
PlainLoader = _make_loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader))


class YamlTooLarge(ValueError):
    """A YAML file that would cost far more to read than any study needs."""


def _check_size(node: yaml.Node, limits: Limits) -> None:
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
        children = (
            [c for pair in n.value for c in pair]
            if isinstance(n, yaml.MappingNode)
            else n.value
            if isinstance(n, yaml.SequenceNode)
            else []
        )
        total = 1
        for child in children:
            total += size(child, depth + 1)
            if total > limits.yaml_nodes:
                raise YamlTooLarge(f"holds more than {limits.yaml_nodes:,} values once its aliases are expanded")
        active.discard(key)
        sizes[key] = total
        return total

    size(node, 0)


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(TAG) :] if tag.startswith(TAG) else tag


def _key_identity(key: yaml.ScalarNode) -> Any:
    """What a key is once read, so that ``1`` and ``"1"``, ``true`` and ``True``, ``~`` and ``null``
    are the same key twice (a string and a number as keys are one key to a reader)."""
    if key.tag == TAG + "null":
        return None
    if key.tag == TAG + "bool":
        return key.value.lower() == "true"
    if key.tag == TAG + "float" and _FLOAT.fullmatch(key.value):
        return float(key.value)
    return key.value


def _check_nodes(node: yaml.Node, path: Path, problems: Problems) -> bool:
    """Add a problem for every tag that is not plain YAML and every key a mapping repeats
    (YAML would keep only the last); ``True`` when there were none. Each node is looked at
    once, however many aliases refer to it."""
    seen: set[int] = set()
    found = len(problems)

    def where(keys: tuple[Any, ...]) -> str | None:
        return ".".join(map(str, keys)) or None

    def walk(n: yaml.Node, keys: tuple[Any, ...]) -> None:
        if id(n) in seen:
            return
        seen.add(id(n))
        if n.tag not in PLAIN_TAGS:
            problems.add(
                path,
                line=n.start_mark.line + 1,
                column=where(keys),
                value=_short_tag(n.tag),
                rule="yaml-tag",
                message=f"the tag {_short_tag(n.tag)} is not allowed: a settings file "
                "holds plain values, lists and mappings",
            )
        if isinstance(n, yaml.MappingNode):
            first: dict[Any, yaml.Node] = {}
            for k, v in n.value:
                if isinstance(k, yaml.ScalarNode) and k.tag != TAG + "merge":
                    same = _key_identity(k)
                    if same in first:
                        problems.add(
                            path,
                            line=k.start_mark.line + 1,
                            column=where((*keys, k.value)),
                            value=k.value,
                            rule="duplicate-key",
                            message=f"duplicate key {k.value!r} (first at line "
                            f"{first[same].start_mark.line + 1}): YAML would keep only the last",
                        )
                    else:
                        first[same] = k
                walk(k, keys)
                walk(v, (*keys, k.value if isinstance(k, yaml.ScalarNode) else "?"))
        elif isinstance(n, yaml.SequenceNode):
            for i, item in enumerate(n.value):
                walk(item, (*keys, i))

    walk(node, ())
    return len(problems) == found


def _shown(text: str, width: int = 80) -> str:
    """``text`` quoted, cut to about ``width`` characters: enough to find it, never a whole file."""
    return repr(text if len(text) <= width else text[: width - 1] + "…")


def _excerpt(text: str, line: int, column: int, width: int = 80) -> str | None:
    """At most ``width`` characters of line ``line`` (0-based) of ``text``, around ``column``."""
    lines = text.splitlines()
    if not 0 <= line < len(lines) or not lines[line].strip():
        return None
    whole = lines[line]
    if len(whole) <= width:
        return whole
    start = max(0, min(column - width // 2, len(whole) - width + 1))
    cut = whole[start : start + width - 2]
    return ("…" if start else "") + cut + ("…" if start + len(cut) < len(whole) else "")


def _read_regular(path: Path, limit: int) -> str:
    """The text of ``path`` if it is a regular file of at most ``limit`` bytes; otherwise ``OSError``.

    Opened without blocking, so a FIFO named study.yml is a problem, not a command that never ends."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise _NotRegular()
        if info.st_size > limit:
            raise _TooLarge()
        return handle.read(limit + 1).decode("utf-8-sig")


class _NotRegular(OSError):
    pass


class _TooLarge(OSError):
    pass


def read_yaml(path: Path, problems: Problems) -> tuple[Any, yaml.Node | None]:
    """Parse a YAML file; syntax errors, tags, repeated keys and files too large to be a study's
    settings become problems.

    Returns ``(None, None)`` after adding a problem; an empty file is a problem too.
    """
    from ..limits import MB, current

    limits = current()
    try:
        text = _read_regular(path, limits.yaml_mb * MB)
    except _NotRegular:
        problems.add(path, rule="not-a-file", message="not a regular file (a folder, FIFO or device)")
        return None, None
    except _TooLarge:
        problems.add(
            path,
            rule="too-large",
            message=f"file is larger than {limits.yaml_mb} MB; a settings file is a few kilobytes",
        )
        return None, None
    except FileNotFoundError:
        problems.add(path, rule="file-missing", message="file not found")
        return None, None
    except IsADirectoryError:
        problems.add(path, rule="not-a-file", message="not a regular file (a folder, FIFO or device)")
        return None, None
    except UnicodeDecodeError as exc:
        problems.add(
            path,
            rule="unreadable",
            message=f"not UTF-8 text: byte {exc.object[exc.start]:#04x} at offset {exc.start} cannot be read",
        )
        return None, None
    except (OSError, ValueError) as exc:
        problems.add(
            path,
            rule="unreadable",
            message=f"cannot read file: {exc.strerror or exc}"
            if isinstance(exc, OSError)
            else f"cannot read file: {exc}",
        )
        return None, None
    return _parse(text, path, problems, limits)


def _parse(
    text: str, path: Path, problems: Problems, limits: Limits, loader_class: type | None = None
) -> tuple[Any, yaml.Node | None]:
    """``text`` (the contents of ``path``) parsed by ``loader_class`` (default: libyaml's where there is one)."""
    loader = (loader_class or PlainLoader)(text)
    try:
        node = loader.get_single_node()
        if node is None:
            problems.add(path, line=1, rule="empty-file", message="file is empty: expected keys and values")
            return None, None
        _check_size(node, limits)
        if not _check_nodes(node, path, problems):
            return None, None
        data = loader.construct_document(node)
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        problems.add(
            path, line=mark.line + 1 if mark else None, rule="yaml-value", message=f"not a valid value: {exc.problem}"
        )
        return None, None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line, column = (mark.line, mark.column) if mark is not None else (None, 0)
        if line is not None and _excerpt(text, line, column) is None:
            # the file ended inside something (a bracket or quote left open): show its last line
            lines = text.splitlines()
            written = [i for i, whole in enumerate(lines[: line + 1]) if whole.strip()]
            if written:
                line, column = written[-1], len(lines[written[-1]])
        shown = _excerpt(text, line, column) if line is not None else None
        during = getattr(exc, "context", None)  # only a MarkedYAMLError has one
        context = f" ({during})" if during else ""
        problems.add(
            path,
            line=None if line is None else line + 1,
            value=shown,
            rule="yaml-syntax",
            message=f"not valid YAML{'' if line is None else f' at column {column + 1}'}: "
            f"{getattr(exc, 'problem', None) or 'cannot be parsed'}{context}",
        )
        return None, None
    except RecursionError:
        problems.add(path, rule="too-large", message=f"nested more than {limits.depth} levels deep")
        return None, None
    except ValueError as exc:  # a value that passed its pattern but still cannot be
        if isinstance(exc, YamlTooLarge):
            problems.add(path, rule="too-large", message=str(exc))
        else:
            problems.add(path, rule="yaml-value", message=f"not a valid value: {exc}")
        return None, None
    finally:
        loader.dispose()
    return data, node
