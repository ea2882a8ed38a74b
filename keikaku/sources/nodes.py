"""The containers a YAML file is read into: ``YMap`` and ``YList`` remember where each
key and item stands and, for a plain scalar YAML 1.1 would coerce, the text as written."""

from __future__ import annotations

import types

from ..errors import Pos

_NO_SOURCE: types.MappingProxyType[str, str] = types.MappingProxyType({})


class YMap(dict):
    """A YAML mapping that knows where it and each of its keys and values stand.

    ``source`` holds, for each key whose value was written as a plain scalar that YAML
    read as something other than text (``1.10``, ``yes``, ``~``, ``2024-01-01``), the text
    as written: where the model expects text, that is what is printed."""

    pos: Pos
    key_pos: dict[str, Pos]
    value_pos: dict[str, Pos]
    source: dict[str, str] | types.MappingProxyType[str, str] = _NO_SOURCE

    def at(self, key: str) -> Pos:
        """Where the value of ``key`` stands, or the mapping itself if the key is absent."""
        return self.value_pos.get(key, self.pos)

    def source_of(self, key: str) -> str | None:
        """The value of ``key`` as written, where YAML read it as other than text."""
        return self.source.get(key)

    def renamed(self, old: str, new: str) -> YMap:
        """A copy with key ``old`` called ``new``, in the same place and order."""
        out = YMap({(new if k == old else k): v for k, v in self.items()})
        out.pos = self.pos
        out.key_pos = {(new if k == old else k): p for k, p in self.key_pos.items()}
        out.value_pos = {(new if k == old else k): p for k, p in self.value_pos.items()}
        out.source = {(new if k == old else k): s for k, s in self.source.items()}
        return out

    def without(self, *keys: str) -> YMap:
        """A copy without ``keys``."""
        out = YMap({k: v for k, v in self.items() if k not in keys})
        out.pos = self.pos
        out.key_pos = {k: p for k, p in self.key_pos.items() if k not in keys}
        out.value_pos = {k: p for k, p in self.value_pos.items() if k not in keys}
        out.source = {k: s for k, s in self.source.items() if k not in keys}
        return out


class YList(list):
    """A YAML sequence that knows where it and each of its items stand, and (like
    ``YMap.source``) each coerced plain scalar's text as written (else ``None``)."""

    pos: Pos
    item_pos: list[Pos]
    item_source: list[str | None]

    def source_of(self, index: int) -> str | None:
        sources = getattr(self, "item_source", None)
        return sources[index] if sources is not None and index < len(sources) else None
