"""The archive's file format, and nothing else: text <-> (front matter data, Markdown body).

A document is a Markdown file that starts with a YAML front matter block between two ``---``
lines. This module reads and writes that shape with libyaml; it knows nothing of Django or of
what the keys mean (that is ``sync``'s business).
"""

import hashlib
import multiprocessing
import os
import io
import pickle
import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from itertools import accumulate

import yaml

try:
    from yaml import CSafeDumper as SafeDumper
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeDumper, SafeLoader

MAX_BYTES = 5 * 1024 * 1024
# libyaml composes nested collections recursively in C: a few tens of thousands of nested
# brackets crash the process. Real documents nest three or four levels deep.
MAX_FLOW_DEPTH = 64
MAX_INDENT = 400

_BRACKETS = re.compile(r"[\[\]{}]")
_DEEP_INDENT = re.compile(r"(?:^|\n)[ \t?:-]{%d}" % MAX_INDENT)
_BRACKET_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class DocumentError(ValueError):
    """A document that cannot be read; ``line`` is 1-based, in the whole file, when known."""

    def __init__(self, message, line=None):
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self):
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass
class Document:
    data: dict
    body: str
    head: str = "---\n"  # the opening delimiter line, as written
    closing: str = "---\n"  # the closing delimiter line, as written ("---" at the end of a file)
    text: str = ""  # the whole file as read, when it was read from one

    def render(self, *, allow_unicode=True):
        """The file text, with the front matter written by PyYAML's dumper."""
        return self.head + dump(self.data, allow_unicode=allow_unicode) + self.closing + self.body


def sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def digest(data, body) -> str:
    """A fingerprint of a document's content: equal for equal data of equal types and body.

    Pickle without its memo writes equal structures as equal bytes (repr would too, at three
    times the cost; this runs on every document of an import)."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=5)
    pickler.fast = True
    pickler.dump((data, body))
    return hashlib.sha256(buffer.getvalue()).hexdigest()


def decode(raw: bytes) -> str:
    if len(raw) > MAX_BYTES:
        raise DocumentError(f"the file is {len(raw):,} bytes; documents over {MAX_BYTES:,} bytes are refused")
    if not raw.strip():
        raise DocumentError("the file is empty")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DocumentError(f"the text is not UTF-8 (byte {raw[exc.start]:#04x})", line) from None


def split(text: str):
    """Cut a document into (head, front matter text, closing line, body)."""
    first_end = text.find("\n")
    first = text if first_end == -1 else text[: first_end + 1]
    if first.rstrip(" \t\r\n") != "---":
        raise DocumentError("no front matter: the file must start with a line '---'", 1)
    # str.find, not a multi-line regex: this runs over every byte of the archive on import.
    at = len(first) - 1
    while True:
        at = text.find("\n---", at)
        if at == -1:
            raise DocumentError("the front matter is not closed: no second line '---'", 1)
        end = text.find("\n", at + 4)
        end = len(text) if end == -1 else end + 1
        if text[at + 4 : end].strip(" \t\r\n") == "":
            return first, text[len(first) : at + 1], text[at + 1 : end], text[end:]
        at += 4


def parse(raw: bytes) -> Document:
    """Read a document from the file's bytes, or raise DocumentError."""
    text = decode(raw)
    head, front, closing, body = split(text)
    data = load(front, first_line=2)
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        raise DocumentError(f"the front matter must be a mapping of keys to values, not {kind}", 2)
    return Document(data=data, body=body, head=head, closing=closing, text=text)


# Below this many documents a worker process costs more than it saves.
PARALLEL_MIN = 16


def parse_many(raws, parallel=True):
    """Parse documents in order, yielding each Document or the DocumentError it raised.

    With many documents a second process parses ahead while the caller writes the ones already
    parsed to the database, so an import costs about the larger of the two, not their sum."""
    for result in _many(_parse_or_error, raws, parallel):
        yield DocumentError(*result[1:]) if isinstance(result, tuple) else result


def write_back(source, synced_digest, data, body, reformat=False):
    """(file text, content digest) for a document last synced as ``source``: the source itself
    when the content is unchanged, else PyYAML's dump in the file's own style (unicode written as
    is, or escaped when the source was pure ASCII), inside the source's own delimiters."""
    content = digest(data, body)
    if not reformat and source and content == synced_digest:
        return source, content
    head, closing = "---\n", "---\n"
    if source:
        try:
            head, _, closing, _ = split(source)
        except DocumentError:
            pass
    if not closing.endswith("\n") and body:
        closing += "\n"
    allow_unicode = not source or not source.isascii()
    return Document(data, body, head, closing).render(allow_unicode=allow_unicode), content


def write_back_many(jobs):
    """``write_back`` over many (source, synced_digest, data, body, reformat), in order; in a
    second process when there are many, so dumping overlaps with reading the database."""
    return _many(_write_back_job, jobs)


def _write_back_job(job):
    return write_back(*job)


def _many(function, items, parallel=True):
    if not parallel or len(items) < PARALLEL_MIN or (os.cpu_count() or 1) < 2:
        yield from map(function, items)
        return
    # spawn, not fork: a forked child would share the parent's open database connection.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        yield from pool.map(function, items, chunksize=8)


def _parse_or_error(raw):
    try:
        return parse(raw)
    except DocumentError as exc:
        if multiprocessing.parent_process() is None:
            return exc
        return ("error", exc.message, exc.line)  # an exception would lose its line crossing processes


def load(front: str, first_line=1):
    """Parse YAML with libyaml after refusing shapes that could exhaust it."""
    deep = _DEEP_INDENT.search(front)
    if deep:
        line = front[: deep.start()].count("\n") + first_line + (front[deep.start()] == "\n")
        raise DocumentError(f"the front matter is nested deeper than {MAX_INDENT} columns", line)
    if front.count("[") + front.count("{") > MAX_FLOW_DEPTH:
        steps = map(_BRACKET_STEP.__getitem__, _BRACKETS.findall(front))
        if max(accumulate(steps)) > MAX_FLOW_DEPTH:
            raise DocumentError(f"the front matter nests brackets more than {MAX_FLOW_DEPTH} deep")
    try:
        data = yaml.load(front, Loader=SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + first_line if mark is not None else None
        problem = " ".join(filter(None, [exc.context, exc.problem])) or "invalid YAML"
        raise DocumentError(f"YAML syntax error: {problem}", line) from None
    except yaml.YAMLError as exc:
        raise DocumentError(f"YAML error: {exc}") from None
    except RecursionError:
        raise DocumentError("the front matter is nested too deeply") from None
    refuse_aliases(data)
    return data


def refuse_aliases(data):
    """Refuse a collection that appears twice: a YAML alias, the root of 'billion laughs'."""
    seen = set()
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if id(node) in seen:
            raise DocumentError("YAML aliases (&anchor / *alias) of lists or mappings are not supported")
        seen.add(id(node))
        stack.extend(child for child in children if isinstance(child, (dict, list)))


def dump(data, *, allow_unicode=True) -> str:
    return yaml.dump(data, Dumper=SafeDumper, allow_unicode=allow_unicode, sort_keys=False)
