"""Markdown from the archive (show notes, intros, biographies) to HTML that is safe to show.

Every body is written by hand and may hold raw HTML; whatever it holds, the result passes
through nh3 with an allowlist, so no script, event handler, ``javascript:`` link or frame
survives. The page's own YouTube player is written by the template, never by a body.

Ids are the page's: a body's raw ``<h3 id="line-5">`` would take the anchor of a transcript line.
Only the ids the heading processor gives survive, told from the text's by a mark made anew for
each rendering, which no text can know.

Headings are the page's outline: a body's, Markdown or raw HTML, are renumbered to sit under the
heading that encloses the body on its page, its first one level below it and none more than one
level below the heading it falls under, so no level is ever skipped.
"""

import re
import secrets

import markdown
import nh3
from django.utils.safestring import mark_safe
from markdown.treeprocessors import Treeprocessor

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "img", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table", "tbody", "td", "th",
    "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    # Heading ids are made by _Headings, never taken from the text (see _keep_own_ids).
    "h1": {"id"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
    "h5": {"id"},
    "h6": {"id"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"align"},
    "th": {"align"},
    "ol": {"start"},
}
# kramdown's {:target="_blank"} is the one attribute list the archive uses; the value is pinned
# so a body cannot name a frame of the page.
ALLOWED_ATTRIBUTE_VALUES = {"a": {"target": {"_blank"}}}
URL_SCHEMES = {"http", "https", "mailto"}

# A kramdown attribute list that Python-Markdown's attr_list did not take up (one standing on
# its own line, or after plain text) would otherwise be shown as text.
_LEFTOVER_IAL = re.compile(r"\{:[^{}\n]*\}")
_CODE = re.compile(r"(<pre>.*?</pre>|<code>.*?</code>)", re.DOTALL)
# The form of a transcript line's ids on an episode page: its uid's, and its position's.
_LINE_ID = re.compile(r"line-[a-z0-9]+")
# A heading's tag in sanitized HTML, where every "<" in text or in an attribute value is escaped.
_HEADING_TAG = re.compile(r"<(/?)h([1-6])(?=[\s>])")
# A show-notes body sits under the page's h2 "Show notes".
SHOW_NOTES_LEVEL = 2


def heading_id(text):
    """kramdown's automatic header id, which the archive's in-page links were written against:
    no leading non-letters, only ASCII letters, digits, spaces and dashes, spaces as dashes."""
    text = re.sub(r"^[^a-zA-Z]+", "", text)
    text = re.sub(r"[^a-zA-Z0-9 -]", "", text)
    return text.replace(" ", "-").lower()


class _Headings(Treeprocessor):
    """Gives each of a body's headings kramdown's id unless the page has that id already (a
    transcript line or section, the page's own parts)."""

    def __init__(self, md, taken, mark):
        super().__init__(md)
        self.taken = taken
        self.mark = mark

    def run(self, root):
        taken = set(self.taken)
        for element in root.iter():
            if len(element.tag) == 2 and element.tag[0] == "h" and element.tag[1].isdigit():
                base = heading_id("".join(element.itertext())) or "section"
                anchor, n = base, 1
                while anchor in taken or _LINE_ID.fullmatch(anchor):
                    anchor, n = f"{base}-{n}", n + 1
                taken.add(anchor)
                element.set("id", self.mark + anchor)


class _HeadingsExtension(markdown.Extension):
    def __init__(self, taken, mark):
        super().__init__()
        self.taken = taken
        self.mark = mark

    def extendMarkdown(self, md):
        # After attr_list (8): an id a body sets for itself is replaced, never trusted.
        md.treeprocessors.register(_Headings(md, self.taken, self.mark), "headings", 5)


def _converter(taken, mark):
    return markdown.Markdown(
        extensions=["attr_list", "fenced_code", "tables", "sane_lists", _HeadingsExtension(taken, mark)],
        output_format="html",
    )


def _drop_leftover_ials(html):
    parts = _CODE.split(html)
    # Odd parts are code, where braces are the reader's and are kept.
    return "".join(part if index % 2 else _LEFTOVER_IAL.sub("", part) for index, part in enumerate(parts))


def _keep_own_ids(mark):
    """nh3's attribute filter: an id keeps its value without ``mark`` when it has it, and goes
    when it does not (raw HTML wrote it)."""

    def keep(element, attribute, value):
        if attribute != "id":
            return value
        return value[len(mark) :] if mark and value.startswith(mark) else None

    return keep


def clean_html(html, mark=""):
    """Sanitized HTML; ids survive only with ``mark`` (none without one)."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        tag_attribute_values=ALLOWED_ATTRIBUTE_VALUES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
        attribute_filter=_keep_own_ids(mark),
    )


def nest_headings(html, under):
    """Sanitized HTML with its headings renumbered to nest under an ``h<under>``: each heading
    goes one level below the nearest heading before it that the text wrote at a higher level
    (a smaller number), or one below ``under`` when there is none; h6 at the deepest.

    So a body written with ``##`` and ``####`` under the page's h2 gets h3 and h4, and one that
    starts at ``###`` and goes back to ``#`` keeps both at the level below the page's."""
    written = []  # the levels the text wrote for the headings the next one may fall under
    shown = []  # the levels given to the headings open at this point (raw HTML can nest them)

    def renumber(match):
        closing, level = match.group(1), int(match.group(2))
        if closing:
            return f"</h{shown.pop() if shown else level}"
        while written and written[-1] >= level:
            written.pop()
        shown.append(min(6, under + 1 + len(written)))
        written.append(level)
        return f"<h{shown[-1]}"

    return _HEADING_TAG.sub(renumber, html)


def render_markdown(text, taken=(), under=SHOW_NOTES_LEVEL):
    """Markdown -> sanitized HTML, marked safe for templates; "" for an empty text.

    ``taken``: ids the page already uses, which the body's headings must not take; ``under``:
    the level of the page's heading the body sits under (see ``nest_headings``)."""
    if not text or not text.strip():
        return mark_safe("")
    mark = f"h{secrets.token_hex(8)}-"
    html = clean_html(_drop_leftover_ials(_converter(taken, mark).convert(text)), mark)
    return mark_safe(nest_headings(html, under))


_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_SPACES = re.compile(r"[ \t]+")


def plain_text(html):
    """The text of a piece of HTML with no markup left, for a place that shows it as HTML (an RSS
    description): tags dropped, with what script and style elements hold; line breaks kept as
    line breaks; the text escaped, so ``&lt;b&gt;`` in it is shown, never run."""
    if not html:
        return ""
    text = nh3.clean(_BREAK.sub("\n", html), tags=set(), strip_comments=True)
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.splitlines()).strip()
