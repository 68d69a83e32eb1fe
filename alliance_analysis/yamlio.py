"""YAML that cannot explode: one safe reader for scenario files and run configurations.

:func:`load_yaml_mapping` parses with PyYAML's ``SafeLoader`` (no Python
objects), and before building anything it walks the node graph:

- aliases are allowed (the shipped scenario files share anchored blocks), but
  the document may expand to at most ``max_nodes`` nodes and ``max_chars``
  characters of scalar text once every alias is followed, so an alias bomb of a
  few hundred bytes is refused before it is built;
- an alias that refers to itself (a cycle) is refused;
- duplicate keys in one mapping are refused (YAML would keep the last silently);
- the top level must be a mapping (an empty document gives ``{}``);
- files larger than ``max_bytes`` and files that are not UTF-8 are refused;
- control characters YAML forbids (a NUL byte, for example) are refused naming the line
  and column, and a number longer than ``MAX_NUMBER_DIGITS`` (100) digits is refused
  naming its line (Python would otherwise fail on a 5,000-digit integer with a raw
  ``ValueError``; no parameter of this package needs more than a few digits).

Every error is a :class:`~alliance_analysis.errors.DataValidationError` (or the
``error`` class asked for, e.g. ``ParameterError`` for run configurations)
naming the file and the line, never ``in "<unicode string>"``, and its text is
bounded (well under 2 kB).

Examples
--------
>>> load_yaml_mapping("a: &x {b: 1}\\nc: *x\\n")
{'a': {'b': 1}, 'c': {'b': 1}}
>>> load_yaml_mapping("a: 1\\na: 2\\n", what="run config")
Traceback (most recent call last):
...
alliance_analysis.errors.DataValidationError: <run config text>: line 2: duplicate key 'a' (first on line 1). Fix: keep one of the two entries
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from alliance_analysis.errors import AllianceError, DataValidationError

#: largest number of nodes a document may expand to once aliases are followed
MAX_YAML_NODES = 200_000
#: largest number of scalar characters a document may expand to once aliases are followed
MAX_YAML_CHARS = 5_000_000
#: largest YAML file read (bytes)
MAX_YAML_BYTES = 2_000_000
#: longest error text (characters)
MAX_ERROR_CHARS = 1_500
#: most digits a whole number (or the digits of a decimal) may have in a YAML file
MAX_NUMBER_DIGITS = 100


def _clip(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _fail(message: str, where: str, fix: str, error: type[AllianceError]) -> AllianceError:
    message = _clip(message, MAX_ERROR_CHARS // 2)
    if issubclass(error, DataValidationError):
        return error(message, file=where, fix=fix)
    return error(_clip(f"{where}: {message}. Fix: {fix}", MAX_ERROR_CHARS))


def _is_path(source: str | Path) -> bool:
    if isinstance(source, Path):
        return True
    if "\n" in source or len(source) > 4096:
        return False
    s = source.strip()
    return s.endswith((".yaml", ".yml")) or Path(s).is_file()


def load_yaml_mapping(
    path_or_text: str | Path,
    *,
    what: str = "scenario file",
    error: type[AllianceError] = DataValidationError,
    max_nodes: int = MAX_YAML_NODES,
    max_chars: int = MAX_YAML_CHARS,
    max_bytes: int = MAX_YAML_BYTES,
) -> dict[str, Any]:
    """Parse one YAML document whose top level is a mapping, safely.

    Parameters
    ----------
    path_or_text : str or Path
        A ``Path``, a string naming an existing file (or ending ``.yaml``/``.yml``),
        or otherwise the YAML text itself.
    what : str
        What the document is, for messages ("scenario file", "run configuration").
    error : exception class
        ``DataValidationError`` (default; the error carries ``file``) or
        ``ParameterError`` (message prefixed with the file).
    max_nodes, max_chars : int
        Bounds on the expanded size (nodes, scalar characters) once aliases are followed.
    max_bytes : int
        Largest file read.

    Returns
    -------
    dict
        The document (``{}`` for an empty file).

    Raises
    ------
    DataValidationError (or ``error``)
        Missing or oversized file, not UTF-8, syntax error, alias bomb or cycle,
        duplicate key, top level not a mapping; the message names the file and line.

    Examples
    --------
    >>> load_yaml_mapping("- a\\n- b\\n")
    Traceback (most recent call last):
    ...
    alliance_analysis.errors.DataValidationError: <scenario file text>: line 1: the document is a sequence, not a mapping. Fix: the top level must be keys (name: value)
    """
    if _is_path(path_or_text):
        p = Path(path_or_text)
        where = str(p)
        if not p.is_file():
            raise _fail(f"{what} not found", where, f"check the path of the {what}", error)
        size = p.stat().st_size
        if size > max_bytes:
            raise _fail(f"{what} is {size:,} bytes (limit {max_bytes:,})", where,
                        f"a {what} is a few kilobytes; check it is the right file", error)
        raw = p.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise _fail(f"line {line}: not UTF-8 text (byte {exc.start})", where,
                        f"save the {what} as UTF-8", error) from None
    else:
        text = str(path_or_text)
        where = f"<{what} text>"
        if len(text.encode("utf-8", "replace")) > max_bytes:
            raise _fail(f"{what} is longer than {max_bytes:,} bytes", where, f"check the {what}", error)
    m = _FORBIDDEN.search(text)
    if m is not None:
        bad = m.start()
        line = text.count("\n", 0, bad) + 1
        column = bad - (text.rfind("\n", 0, bad) + 1) + 1
        raise _fail(f"line {line}, column {column}: control character U+{ord(text[bad]):04X} "
                    f"({'a NUL byte' if text[bad] == chr(0) else 'not allowed in YAML'})", where,
                    f"remove it; save the {what} as plain UTF-8 text", error)
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return {}
        _check_nodes(node, where, error, max_nodes, max_chars)
        if not isinstance(node, yaml.MappingNode):
            raise _fail(f"line {node.start_mark.line + 1}: the document is a {node.id}, not a mapping", where,
                        "the top level must be keys (name: value)", error)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        what_went_wrong = exc.problem or exc.context or "invalid YAML"
        if exc.problem and exc.context:
            what_went_wrong += f" ({exc.context})"
        raise _fail(f"{loc}{_clip(what_went_wrong)}", where,
                    "correct the YAML syntax", error) from None
    except yaml.YAMLError as exc:
        raise _fail(f"not valid YAML: {_clip(exc)}", where, "correct the YAML syntax", error) from None
    except RecursionError:
        raise _fail("the document is nested too deeply", where, "flatten the nesting", error) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):  # pragma: no cover - guarded above
        raise _fail("the document is not a mapping", where, "the top level must be keys (name: value)", error)
    return data


#: characters YAML 1.1 does not allow in a stream (C0 controls except tab, LF, CR; DEL; C1 except NEL)
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f]")
_NUMBER_TAGS = frozenset({"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"})


def _check_nodes(root: yaml.Node, where: str, error: type[AllianceError], max_nodes: int, max_chars: int) -> None:
    """Refuse duplicate keys, alias cycles and documents that expand beyond the bounds."""
    sizes: dict[int, tuple[int, int]] = {}  # id(node) -> (expanded nodes, expanded scalar chars)
    open_: set[int] = set()  # nodes on the current depth-first path: meeting one again is a cycle
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:  # iterative post-order, each distinct node's expanded size computed once
        node, done = stack.pop()
        if id(node) in sizes:
            continue
        if isinstance(node, yaml.ScalarNode):
            if node.tag in _NUMBER_TAGS and sum(ch.isdigit() for ch in node.value) > MAX_NUMBER_DIGITS:
                raise _fail(f"line {node.start_mark.line + 1}: a number with "
                            f"{sum(ch.isdigit() for ch in node.value):,} digits (at most {MAX_NUMBER_DIGITS} are "
                            "read)", where, "write the value with fewer digits, or quote it if it is text", error)
            sizes[id(node)] = (1, len(node.value))
            continue
        if isinstance(node, yaml.MappingNode):
            children = [c for kv in node.value for c in kv]
        else:
            children = list(node.value)
        if not done:
            if id(node) in open_:
                raise _fail(f"line {node.start_mark.line + 1}: an alias refers to itself (a cycle)", where,
                            "remove the recursive alias", error)
            open_.add(id(node))
            if isinstance(node, yaml.MappingNode):
                seen: dict[tuple[str, str], int] = {}
                for k, _ in node.value:
                    if isinstance(k, yaml.ScalarNode) and k.value != "<<":
                        key = (k.tag, k.value)
                        if key in seen:
                            raise _fail(f"line {k.start_mark.line + 1}: duplicate key {_clip(repr(k.value), 80)} "
                                        f"(first on line {seen[key]})", where, "keep one of the two entries", error)
                        seen[key] = k.start_mark.line + 1
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in sizes)
            continue
        open_.discard(id(node))
        n, chars = 1, 0
        for c in children:
            cn, cc = sizes[id(c)]
            n += cn
            chars += cc
        sizes[id(node)] = (n, chars)
        if n > max_nodes:
            raise _fail(f"line {node.start_mark.line + 1}: the document expands to more than {max_nodes:,} nodes "
                        "through aliases", where, "remove the nested aliases (an alias bomb?)", error)
        if chars > max_chars:
            raise _fail(f"line {node.start_mark.line + 1}: the document expands to more than {max_chars:,} "
                        "characters through aliases", where, "remove the nested aliases (an alias bomb?)", error)
