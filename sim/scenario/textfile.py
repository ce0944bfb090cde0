"""Reading the TOML files a user hands us (scenarios, sweeps, patterns) and checking names.

Every way such a file can be unusable ends in one :class:`~sim.errors.ScenarioError`, never
a traceback: a folder where a file was expected, bytes that are not UTF-8 text (UTF-16 from
a Windows editor is named as such), nesting so deep that a recursive reader would overflow
the stack. A UTF-8 byte-order mark (as Notepad writes) is accepted and dropped: the text
after it is ordinary UTF-8 and refusing it would help nobody.

Names (a scenario's, a sweep's, a patterns file's) choose where default output goes
(``results/<name>-...``), so they must be identifiers, never paths.
"""

from __future__ import annotations

import codecs
import re
import tomllib
from pathlib import Path
from typing import Any

from sim.errors import ScenarioError

__all__ = ["MAX_DEPTH", "NAME_ALLOWED", "check_name", "decode_text", "read_toml", "safe_stem"]

#: Deepest nesting of tables and arrays a file may have. Real files use 4 or 5 levels;
#: the readers and validators walk the tree recursively, so a bound keeps them off the stack limit.
MAX_DEPTH = 32
NAME_ALLOWED = "a name of 1 to 100 letters, digits, '_' or '-', not starting with '-' or '.'"
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,99}")


def read_toml(path: Path, allowed: str = "a TOML file") -> dict:
    """The table in the TOML file ``path``; one ScenarioError naming the file for anything unusable."""
    src = str(path)
    if path.is_dir():
        raise ScenarioError(src, "", "a folder, not a file", allowed)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(src, "", f"unreadable file ({exc.strerror})", f"a readable file: {allowed}") from None
    text = decode_text(data, src, allowed)
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(src, "", f"invalid TOML ({exc})", allowed) from None
    except RecursionError:  # tomllib parses nested arrays and inline tables recursively
        raise ScenarioError(src, "", "nesting too deep to read", f"{allowed}, nested at most {MAX_DEPTH} levels") from None
    _check_depth(table, src, allowed)
    return table


def decode_text(data: bytes, source: str, allowed: str) -> str:
    """``data`` as text: UTF-8, with a leading UTF-8 byte-order mark dropped.

    UTF-16 and UTF-32 are recognised by their byte-order mark or by NUL bytes, which no
    TOML text contains, so the message can say what to do (save as UTF-8).
    """
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    kind = _not_utf8_kind(data[:4096])
    if kind:
        raise ScenarioError(source, "", f"not UTF-8 text; it looks like {kind}", f"{allowed}, saved as UTF-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        found = f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}; Latin-1 or binary?)"
        raise ScenarioError(source, "", found, f"{allowed}, saved as UTF-8") from None


def _not_utf8_kind(head: bytes) -> str:
    """'UTF-32', 'UTF-16' or 'binary data' when ``head`` has a byte-order mark or NUL bytes, else ''."""
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "UTF-32"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "UTF-16"
    if b"\x00" not in head:
        return ""
    # UTF-16 text in a Latin script has a NUL in every other byte, on one side only.
    even, odd = head[0::2].count(0), head[1::2].count(0)
    return "UTF-16" if max(even, odd) >= len(head) // 4 and min(even, odd) == 0 else "binary data (it holds NUL bytes)"


def _check_depth(tree: Any, source: str, allowed: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH, walking without recursion (the point is the stack)."""
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ScenarioError(source, "", f"tables or arrays nested more than {MAX_DEPTH} levels deep", allowed)
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))


def check_name(value: Any, source: str, key: str) -> str:
    """``value`` if it is an identifier; a name is part of default output paths, so never a path."""
    if not isinstance(value, str) or not _NAME.fullmatch(value):
        raise ScenarioError(source, key, repr(value), NAME_ALLOWED)
    return value


def safe_stem(path: Path) -> str:
    """A file's stem as a name: characters outside the identifier set become '_'."""
    stem = re.sub(r"[^A-Za-z0-9_-]", "_", path.stem)[:100].lstrip("-") or "unnamed"
    return stem
