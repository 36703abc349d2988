"""A transcript line's identity, which its link on the episode page carries (``#line-<uid>``)
and which outlives edits: correcting a line's text, or inserting or deleting lines before it,
leaves it its uid.

The files have no key for it. An import makes each line's uid from its content (text, speaker,
second, and how many equal lines came before it), so importing the same archive into an empty
database gives every line the uid it had; importing a changed file over an episode carries each
line's uid over to the line it became (``carry``). A line an editor adds gets a new one; one
that another editor deleted and this one kept (a merge's choice) comes back with its own.
"""

import hashlib
import secrets
from difflib import SequenceMatcher

# Letters only, so that a uid never reads as a position ("line-120", the links of old).
ALPHABET = "abcdefghijkmnpqrstuvwxyz"
LENGTH = 8


def new_uid():
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def well_formed(uid):
    return len(uid) == LENGTH and not set(uid) - set(ALPHABET)


# Each byte of a digest picks a letter (a byte's 256 values over 24 letters: near enough even).
_LETTER_OF_BYTE = bytes(ord(ALPHABET[value % len(ALPHABET)]) for value in range(256))


def content_uid(text, who, sec, occurrence=0):
    key = f"{text}\x1f{who}\x1f{'' if sec is None else sec}\x1f{occurrence}".encode()
    return hashlib.blake2b(key, digest_size=LENGTH).digest().translate(_LETTER_OF_BYTE).decode()


def content_uids(lines, taken=()):
    """A uid for each (text, who, sec) of ``lines``, from its content, none of them in ``taken``."""
    used = set(taken)
    uids = []
    for text, who, sec in lines:
        occurrence = 0
        uid = content_uid(text, who, sec)
        while uid in used:
            occurrence += 1
            uid = content_uid(text, who, sec, occurrence)
        used.add(uid)
        uids.append(uid)
    return uids


def carry(previous, lines):
    """Uids for ``lines`` (text, who, sec) that replace ``previous`` (uid, text, who, sec): a line
    left as it was keeps its uid, and so does one changed in place (a run of lines replaced by as
    many lines); the others get uids from their content."""
    matcher = SequenceMatcher(None, [row[1:] for row in previous], list(lines), autojunk=False)
    uids = [None] * len(lines)
    for tag, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        if tag == "equal" or (tag == "replace" and old_end - old_start == new_end - new_start):
            for offset in range(new_end - new_start):
                uids[new_start + offset] = previous[old_start + offset][0]
    missing = [index for index, uid in enumerate(uids) if uid is None]
    for index, uid in zip(missing, content_uids([lines[i] for i in missing], taken=set(filter(None, uids)))):
        uids[index] = uid
    return uids
