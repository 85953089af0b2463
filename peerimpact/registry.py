"""One registry for every extension point, in the manner of papermill's engines.

A :class:`Registry` holds items by name, in the order they were registered: the report kinds
(:data:`peerimpact.builder.kinds.KINDS`), output formats, executors, disclosure policies, key-message
writers, fact tables and each format's writer of a record kind. A name not registered raises
:class:`UnknownName`, whose message lists the names there are; :meth:`Registry.unknown` gives that
message without the name, for a problem that shows the value beside it.

Registering a name again replaces its item and keeps its place: a build registers its study's
disclosure rules each time it plans, and a study may replace a shipped kind or policy.

>>> COLOURS: Registry[str] = Registry("colour")
>>> COLOURS.register("red", "#f00")
'#f00'
>>> @COLOURS.register("green")
... def green() -> str:
...     return "#0f0"
>>> COLOURS.names()
('red', 'green')
>>> COLOURS.get("blue")
Traceback (most recent call last):
...
peerimpact.registry.UnknownName: unknown colour 'blue'; colours are red, green
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar, overload

T = TypeVar("T")
D = TypeVar("D")


class _Missing:
    """No default given to :meth:`Registry.get`."""


_MISSING = _Missing()


class UnknownName(KeyError):
    """A name nothing was registered under. A ``KeyError``, as a dict's missing key is; its
    message names what was asked for and the names there are."""

    def __init__(self, message: str, name: str) -> None:
        super().__init__(message)
        self.name = name

    def __str__(self) -> str:
        return str(self.args[0])  # not KeyError's quoted repr


class Registry(Generic[T]):
    """Items of one extension point by name, in registration order.

    ``what`` says what a name names (``"report kind"``), ``plural`` its plural where adding an
    ``s`` is wrong (``"disclosure policies"``); both are in the message of an unknown name.
    """

    def __init__(self, what: str, plural: str | None = None) -> None:
        self.what = what
        self.plural = plural or f"{what}s"
        self._items: dict[str, T] = {}

    @overload
    def register(self, name: str) -> Callable[[T], T]: ...
    @overload
    def register(self, name: str, item: T) -> T: ...
    def register(self, name: str, item: T | _Missing = _MISSING) -> T | Callable[[T], T]:
        """Add ``item`` under ``name`` (replacing what was there, in its place) and return it;
        without ``item``, a decorator that registers what it decorates under ``name``."""
        if not isinstance(name, str):
            raise TypeError(f"a {self.what} is registered under a name: register(name, item) or @register(name)")
        if isinstance(item, _Missing):

            def add(decorated: T) -> T:
                self._items[name] = decorated
                return decorated

            return add
        self._items[name] = item
        return item

    def unregister(self, name: str) -> T:
        """Remove ``name`` and return its item (a test's own kind or policy, once it is done)."""
        item = self.get(name)
        del self._items[name]
        return item

    @overload
    def get(self, name: str) -> T: ...
    @overload
    def get(self, name: str, default: D) -> T | D: ...
    def get(self, name: str, default: D | _Missing = _MISSING) -> T | D:
        """The item registered as ``name``; :class:`UnknownName` if there is none, unless a
        ``default`` is given (as ``dict.pop`` and ``getattr`` take one), which is returned instead."""
        try:
            return self._items[name]
        except KeyError:
            if isinstance(default, _Missing):
                raise UnknownName(self.unknown(name), name) from None
            return default

    def __getitem__(self, name: str) -> T:
        return self.get(name)

    def unknown(self, name: str | None = None) -> str:
        """What to tell someone who named ``name``: ``unknown output format 'pfd'; output formats
        are html, pdf, xlsx, docx``. Without ``name`` (a problem shows the value apart), ``unknown
        output format; output formats are …``."""
        asked = f" {name!r}" if name is not None else ""
        return f"unknown {self.what}{asked}; {self.plural} are {', '.join(self._items) or 'none'}"

    def names(self) -> tuple[str, ...]:
        """Every registered name, in registration order."""
        return tuple(self._items)

    def values(self) -> tuple[T, ...]:
        """Every registered item, in registration order."""
        return tuple(self._items.values())

    def items(self) -> tuple[tuple[str, T], ...]:
        """Every ``(name, item)``, in registration order."""
        return tuple(self._items.items())

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(tuple(self._items))  # a snapshot: registering while iterating is safe

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Registry({self.what!r}: {', '.join(self._items)})"
