"""libyaml's emitter and PyYAML's own write the same YAML text but for the long double-quoted
scalars: both break one over lines past the 80th column, libyaml only at a space, by starting the
next line, PyYAML also between two escapes, with a backslash at the end of the line (and ``\\ ``
for the space it broke at). ``yaml.safe_dump`` is PyYAML's; ``documents.dump`` writes with
libyaml, ten times quicker, and has this module write again, as PyYAML does, the double-quoted
scalars of libyaml's text that PyYAML could write otherwise.

A double-quoted scalar is written so only when it holds a character that must be escaped, a
backslash among them, so a text without one needs nothing of this module.
"""

import io

import yaml
from yaml.emitter import Emitter

try:
    from yaml import CBaseLoader as _EventLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml: no libyaml text to mend
    from yaml import BaseLoader as _EventLoader

# Both emitters' line width; a scalar ending by this column was not broken by either.
WIDTH = 80
# The characters that libyaml escapes and PyYAML writes as they are in allow_unicode text (and
# those past U+FFFF): PyYAML may then choose another style than double quotes for the scalar.
_ONLY_LIBYAML_ESCAPES = frozenset("\x85")


class Unknown(Exception):
    """A text whose double-quoted scalars this module does not know how PyYAML would write."""


def as_pyyaml(text, allow_unicode):
    """``text``, written by libyaml, as PyYAML's emitter writes the same events: each
    double-quoted scalar that reaches past the width again, at its place; None when the text has
    a double-quoted scalar where this is not known to be exact (a key, an anchored or tagged
    scalar, one in a flow collection, one PyYAML would not double-quote)."""
    parts = []
    done = 0
    try:
        for value, start, end, column, indent in _long_double_quoted(text, allow_unicode):
            parts.append(text[done:start])
            parts.append(_double_quoted(value, column, indent, allow_unicode))
            done = end
    except Unknown:
        return None
    parts.append(text[done:])
    return "".join(parts)


class _Frame:
    """An open block collection: its indentation, and for a mapping whether a key comes next."""

    __slots__ = ("indent", "key_next", "mapping")

    def __init__(self, mapping, indent):
        self.mapping = mapping
        self.indent = indent
        self.key_next = True


def _long_double_quoted(text, allow_unicode):
    """(value, start, end, column, indent) of each double-quoted scalar of ``text`` that does
    not end by the width: where it is in the text, the column it starts at, and the indentation
    that PyYAML's emitter gives its following lines. Raises Unknown as ``as_pyyaml`` says."""
    stack = []
    for event in yaml.parse(text, Loader=_EventLoader):
        kind = event.__class__
        if kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            stack.pop()
            continue
        if kind not in (yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent, yaml.AliasEvent):
            continue
        frame = stack[-1] if stack else None
        is_key = frame is not None and frame.mapping and frame.key_next
        if frame is not None and frame.mapping:
            frame.key_next = not frame.key_next
        if kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            # A block collection's start is at its first key or dash: its indentation.
            indent = None if event.flow_style else event.start_mark.column
            stack.append(_Frame(kind is yaml.MappingStartEvent, indent))
            continue
        if kind is not yaml.ScalarEvent or event.style != '"':
            continue
        if frame is None or frame.indent is None or is_key or event.anchor is not None or event.tag is not None:
            raise Unknown
        if allow_unicode and _only_libyaml_escapes(event.value):
            raise Unknown
        start, end = event.start_mark, event.end_mark
        if start.line == end.line and end.column <= WIDTH:
            continue  # on one line, and short enough for neither emitter to break
        # PyYAML indents a scalar's following lines one step past its collection's indentation
        # (a dash or a key is at that indentation, the scalar after it).
        indent = frame.indent + 2
        if indent >= WIDTH:
            raise Unknown
        yield event.value, start.index, end.index, start.column, indent


def _only_libyaml_escapes(value):
    return bool(_ONLY_LIBYAML_ESCAPES.intersection(value)) or (value != "" and max(value) > "\uffff")


def _double_quoted(value, column, indent, allow_unicode):
    """``value`` double-quoted by PyYAML's emitter, its quote at ``column`` after a space."""
    stream = io.StringIO()
    emitter = Emitter(stream, allow_unicode=allow_unicode)
    emitter.column, emitter.indent = column, indent
    emitter.whitespace, emitter.indention = True, False
    emitter.write_double_quoted(value, split=True)
    return stream.getvalue()
