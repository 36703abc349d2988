"""The archive's file format, and nothing else: text <-> (front matter data, Markdown body).

A document is a Markdown file that starts with a YAML front matter block between two ``---``
lines. This module reads and writes that shape with libyaml, writing exactly what
``yaml.safe_dump`` writes; it knows nothing of Django or of what the keys mean (that is the
rest of ``archive``'s business).
"""

import hashlib
import io
import pickle
import re
from dataclasses import dataclass
from itertools import accumulate

import yaml

from . import quoting

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
# A newline first, so that re scans for it instead of trying every position (ten times faster);
# ``load`` puts one before the first line.
_DEEP_INDENT = re.compile(rf"\n[ \t?:-]{{{MAX_INDENT}}}")
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
    known_digest: str = ""  # digest(data, body), when the parse worker has worked it out

    def content_digest(self):
        """``digest(data, body)``."""
        return self.known_digest or digest(self.data, self.body)

    def render(self, *, allow_unicode=True):
        """The file text, with the front matter written by PyYAML's dumper."""
        return self.head + dump(self.data, allow_unicode=allow_unicode) + self.closing + self.body


def sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def digest(data, body) -> str:
    """A fingerprint of a document's content: equal for equal data of equal types and body.

    Pickle without its memo writes equal structures as equal bytes (repr would too, at three
    times the cost; this runs on every document of an import)."""
    return sha256(_content_pickle(data, body))


def _content_pickle(data, body):
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=5)
    pickler.fast = True
    pickler.dump((data, body))
    return buffer.getvalue()


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


def write_back(source, synced_digest, data, body, reformat=False):
    """(file text, content digest) for a document last synced as ``source``: the source itself
    when the content is unchanged, else PyYAML's dump in the file's own style (unicode written as
    is, or escaped when the source's front matter was pure ASCII: the Markdown body below it is
    no sign of how its YAML was written), inside the source's own delimiters."""
    content = digest(data, body)
    if not reformat and source and content == synced_digest:
        return source, content
    head, front, closing = "---\n", source, "---\n"
    if source:
        try:
            head, front, closing, _ = split(source)
        except DocumentError:
            pass
    if not closing.endswith("\n") and body:
        closing += "\n"
    allow_unicode = not source or not front.isascii()
    return Document(data, body, head, closing).render(allow_unicode=allow_unicode), content


_STR, _SEQ, _MAP = "tag:yaml.org,2002:str", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"
_INT, _NULL = "tag:yaml.org,2002:int", "tag:yaml.org,2002:null"
_MERGE_OR_VALUE = ("tag:yaml.org,2002:merge", "tag:yaml.org,2002:value")


class _Unusual(Exception):
    """A node the direct construction leaves to PyYAML's own (see ``_Loader``)."""


class _Resolve:
    """PyYAML's tag resolution, with the same results in fewer steps: libyaml parses and emits in
    C, but calls back into Python to resolve every value's tag (twice a value when writing), and
    to track paths that no safe loader or dumper has. Mixed into ``_Loader`` and ``_Dumper``."""

    def _prepare_resolve(self):
        wildcard = self.yaml_implicit_resolvers.get(None, [])
        self._implicit = {
            first: tuple(resolvers + wildcard)
            for first, resolvers in self.yaml_implicit_resolvers.items()
            if first is not None
        }
        self._wildcard = tuple(wildcard)
        self._direct = not self.yaml_path_resolvers

    def resolve(self, kind, value, implicit):
        if not self._direct:
            return super().resolve(kind, value, implicit)
        if kind is yaml.ScalarNode:
            if implicit[0]:
                for tag, regexp in self._implicit.get(value[0] if value else "", self._wildcard):
                    if regexp.match(value):
                        return tag
            return self.DEFAULT_SCALAR_TAG
        return self.DEFAULT_SEQUENCE_TAG if kind is yaml.SequenceNode else self.DEFAULT_MAPPING_TAG

    def descend_resolver(self, current_node, current_index):
        if not self._direct:
            super().descend_resolver(current_node, current_index)

    def ascend_resolver(self):
        if not self._direct:
            super().ascend_resolver()


class _Loader(_Resolve, SafeLoader):
    """PyYAML's safe loader, with the same results for fewer Python calls per value.

    The safe loader builds every value through several generic Python calls (a generator per
    collection, a memo per node): with the tags' resolution (``_Resolve``), most of the time an
    import spends reading files, more than the parsing. This loader builds plain mappings,
    sequences and strings directly; any other node (merge keys, explicit tags) or any error makes
    it build the document again with PyYAML's own construction, so the result, errors included,
    is always what ``yaml.load(front, SafeLoader)`` gives, except for what ``_check_nodes``
    refuses first.
    """

    def __init__(self, stream, aliases_possible=True):
        super().__init__(stream)
        self._prepare_resolve()
        self.aliases_possible = aliases_possible

    def construct_document(self, node):
        if self.aliases_possible:
            _check_nodes(node, aliases_possible=True)
        try:
            data = self._build(node)
        except Exception:  # noqa: BLE001 - _Unusual, or an error PyYAML may report differently (or first)
            self.constructed_objects, self.recursive_objects = {}, {}
            if not self.aliases_possible:  # the tags are only met here: _build leaves them to PyYAML
                _check_nodes(node, aliases_possible=False)
            return super().construct_document(node)
        self.constructed_objects = {}
        return data

    def _build(self, node):
        kind = node.__class__
        tag = node.tag
        if kind is yaml.ScalarNode:
            if tag == _STR:
                return node.value
            if tag in _MERGE_OR_VALUE:
                raise _Unusual
            return self.construct_object(node)  # numbers, dates, booleans, null: PyYAML's own
        build = self._build
        if kind is yaml.MappingNode and tag == _MAP:
            data = {}
            for key_node, value_node in node.value:
                if key_node.__class__ is not yaml.ScalarNode or key_node.tag in _MERGE_OR_VALUE:
                    raise _Unusual
                data[build(key_node)] = build(value_node)
            return data
        if kind is yaml.SequenceNode and tag == _SEQ:
            return [build(item) for item in node.value]
        raise _Unusual


# Tags PyYAML's safe loader builds as tuples or sets: a set's order differs from one process to
# the next (string hashing is salted), a tuple is written back as a list, so neither would come
# back from the database as it was read, and the file would look changed when it is not.
_UNSUPPORTED_TAGS = {
    "tag:yaml.org,2002:omap": "!!omap",
    "tag:yaml.org,2002:pairs": "!!pairs",
    "tag:yaml.org,2002:set": "!!set",
}


class _Refused(Exception):
    """Raised from inside the loader; ``load`` makes it a DocumentError with the file's line."""

    def __init__(self, message, mark):
        super().__init__(message)
        self.message = message
        self.mark = mark


def _check_nodes(root, aliases_possible):
    """Refuse any alias (a node reached twice: ``*name`` repeats what ``&name`` wrote, and a few
    hundred bytes of them expand to gigabytes, scalars as well as lists) and the tags above.
    Aliases need an anchor: a front matter without ``&`` has none, and only the tags are looked
    for (on the nodes of collections, a tenth of all)."""
    seen = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if node.tag in _UNSUPPORTED_TAGS:
            tag = _UNSUPPORTED_TAGS[node.tag]
            raise _Refused(f"{tag} is not supported; write a plain mapping or list instead", node.start_mark)
        if aliases_possible:
            if id(node) in seen:
                raise _Refused(
                    "YAML aliases (&anchor / *alias) are refused; write the value out in full", node.start_mark
                )
            seen.add(id(node))
        kind = node.__class__
        if kind is yaml.MappingNode:
            children = [part for pair in node.value for part in pair]
        elif kind is yaml.SequenceNode:
            children = node.value
        else:
            continue
        # Without anchors only collections can be refused: scalars are not looked at.
        stack.extend(children if aliases_possible else (c for c in children if c.__class__ is not yaml.ScalarNode))


def load(front: str, first_line=1):
    """Parse YAML with libyaml after refusing shapes that could exhaust it."""
    deep = _DEEP_INDENT.search("\n" + front)
    if deep:
        line = front[: deep.start()].count("\n") + first_line
        raise DocumentError(f"the front matter is nested deeper than {MAX_INDENT} columns", line)
    if front.count("[") + front.count("{") > MAX_FLOW_DEPTH:
        steps = map(_BRACKET_STEP.__getitem__, _BRACKETS.findall(front))
        if max(accumulate(steps)) > MAX_FLOW_DEPTH:
            raise DocumentError(f"the front matter nests brackets more than {MAX_FLOW_DEPTH} deep")
    loader = _Loader(front, aliases_possible="&" in front)
    try:
        data = loader.get_single_data()
    except _Refused as exc:
        line = exc.mark.line + first_line if exc.mark is not None else None
        raise DocumentError(exc.message, line) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + first_line if mark is not None else None
        problem = " ".join(filter(None, [exc.context, exc.problem])) or "invalid YAML"
        raise DocumentError(f"YAML syntax error: {problem}", line) from None
    except yaml.YAMLError as exc:
        raise DocumentError(f"YAML error: {exc}") from None
    except RecursionError:
        raise DocumentError("the front matter is nested too deeply") from None
    except ValueError as exc:  # a date that does not exist (2023-02-30): PyYAML lets datetime's error out
        raise DocumentError(f"YAML error: {exc}") from None
    finally:
        loader.dispose()
    return data


class _Represent:
    """PyYAML's safe representer, making the same nodes with fewer Python calls per value:
    strings, whole numbers, nulls, and the mappings and lists holding them are turned into nodes
    directly (aliases of repeated lists or mappings included, as PyYAML makes them); the rest by
    PyYAML. Mixed into ``_Dumper`` (libyaml's emitter) and ``_PyDumper`` (PyYAML's).

    ``keys_agree`` tells whether every key was met here and is one that both emitters write as
    a simple ``key:``: PyYAML writes an empty key, or one of 123 characters or more, as a
    complex ``? key``, and libyaml only one of more than 128 bytes."""

    _DIRECT = (str, int, type(None), dict, list)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._prepare_resolve()
        own, safe = self.yaml_representers, yaml.SafeDumper.yaml_representers
        self._direct_types = not self.sort_keys and all(own.get(kind) is safe[kind] for kind in self._DIRECT)
        self.keys_agree = self._direct_types

    def represent_data(self, data):
        kind = data.__class__
        if not self._direct_types or kind not in self._DIRECT:
            node = super().represent_data(data)
            if node.__class__ is not yaml.ScalarNode:  # a set's keys, say, were not looked at
                self.keys_agree = False
            return node
        self.alias_key = None
        if kind is str:
            return yaml.ScalarNode(_STR, data, style=self.default_style)
        if kind is int:
            return yaml.ScalarNode(_INT, str(data), style=self.default_style)
        if data is None:
            return yaml.ScalarNode(_NULL, "null", style=self.default_style)
        node = self.represented_objects.get(id(data))
        if node is not None:  # the same list or mapping again: PyYAML writes an alias
            return node
        self.object_keeper.append(data)
        value = []
        if kind is dict:
            node = yaml.MappingNode(_MAP, value)
            pairs = data.items()
        else:
            node = yaml.SequenceNode(_SEQ, value)
            pairs = None
        self.represented_objects[id(data)] = node
        best_style = True
        represent = self.represent_data
        if pairs is None:
            for item in data:
                item_node = represent(item)
                if item_node.__class__ is not yaml.ScalarNode or item_node.style:
                    best_style = False
                value.append(item_node)
        else:
            for key, item in pairs:
                key_node = represent(key)
                item_node = represent(item)
                if key_node.__class__ is not yaml.ScalarNode or not _simple_key(key_node.value):
                    self.keys_agree = False
                if key_node.__class__ is not yaml.ScalarNode or key_node.style:
                    best_style = False
                if item_node.__class__ is not yaml.ScalarNode or item_node.style:
                    best_style = False
                value.append((key_node, item_node))
        node.flow_style = self.default_flow_style if self.default_flow_style is not None else best_style
        return node


def _simple_key(text):
    # The longest tag PyYAML counts in a safe scalar key's length is "!!timestamp".
    return 0 < len(text) <= 29 or 0 < len(text.encode("utf-8")) <= 116


class _Dumper(_Represent, _Resolve, SafeDumper):
    """libyaml's emitter (when PyYAML has it), with the representer above."""


class _PyDumper(_Represent, _Resolve, yaml.SafeDumper):
    """PyYAML's own emitter, with the representer above: what ``yaml.safe_dump`` writes."""


def dump(data, *, allow_unicode=True) -> str:
    """The YAML text ``yaml.safe_dump(data, allow_unicode=allow_unicode, sort_keys=False)``
    writes: libyaml's, when it is known to be the same (see ``quoting``), else PyYAML's own."""
    stream = io.StringIO()
    dumper = _Dumper(stream, allow_unicode=allow_unicode, sort_keys=False)
    try:
        dumper.open()
        dumper.represent(data)
        dumper.close()
    finally:
        dumper.dispose()
    text = stream.getvalue()
    if SafeDumper is yaml.SafeDumper or (dumper.keys_agree and "\\" not in text):
        return text
    if dumper.keys_agree:
        text = quoting.as_pyyaml(text, allow_unicode)
        if text is not None:
            return text
    return yaml.dump(data, Dumper=_PyDumper, allow_unicode=allow_unicode, sort_keys=False)


_OPEN = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSE = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def item_lines(text: str, key: str):
    """The line in the file (1-based) where each item of the front matter's top-level list
    ``key`` starts, in order, or None when ``key`` holds no list. Read from the parser's events
    (no values built: a third of the time a load takes), so only a caller that wants line
    numbers pays for them; of repeated keys the last counts, as the loader keeps it."""
    head, front, _, _ = split(text)
    first_line = head.count("\n") + 1
    parser = SafeLoader(front)
    depth = 0  # the collections open around the event
    nodes = 0  # the top-level mapping's nodes begun so far: a key at each even count
    is_key = False  # the last top-level key was ``key``
    reading = found = None  # the lines of the list being read, of the last one read
    try:
        while parser.check_event():
            event = parser.get_event()
            if isinstance(event, _CLOSE):
                depth -= 1
                if depth == 1 and reading is not None:
                    found, reading = reading, None
                continue
            if depth == 0 and isinstance(event, yaml.SequenceStartEvent):
                return None  # the front matter is a list, not a mapping
            if depth == 1:
                if nodes % 2 == 0:
                    is_key = isinstance(event, yaml.ScalarEvent) and event.value == key
                elif is_key:
                    found, reading = None, [] if isinstance(event, yaml.SequenceStartEvent) else None
                nodes += 1
            elif depth == 2 and reading is not None:
                reading.append(event.start_mark.line + first_line)
            if isinstance(event, _OPEN):
                depth += 1
    except yaml.YAMLError as exc:
        raise DocumentError(f"YAML error: {exc}") from None
    finally:
        parser.dispose()
    return found
