"""What an import did, as data: a status per file, a code saying why when it is not plain, the
detail (the document's or the database's own sentence), and the images it could not bring. The
command and the admin each put it in their own words."""

import enum
from dataclasses import dataclass, field


class Status(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    SKIPPED = "skipped"
    CONFLICT = "conflict"
    FAILED = "failed"
    RENAMED = "renamed"  # an existing row followed its renamed file (and took its content)
    REMOVED = "removed"  # its file is gone from the archive (--prune)


class Code(enum.StrEnum):
    """Why a file was skipped, failed or is a conflict."""

    DRAFT = "draft"  # skipped: a draft or template (its name starts with _), drafts not asked for
    DRAFT_INVALID = "draft-invalid"  # skipped: a draft that does not parse (detail: why)
    UNREADABLE = "unreadable"  # failed: the file cannot be read (detail: the system's reason)
    INVALID = "invalid"  # failed: the document is not one the archive can hold (detail: why)
    REFUSED = "refused"  # failed: the database refused it (detail: its first line)
    EDITED = "edited"  # conflict: changed in the CMS since it was last imported or exported
    AMBIGUOUS = "ambiguous"  # failed: the file could be the renamed file of several rows (detail: them)
    STILL_A_GUEST = "still-a-guest"  # conflict: a person to remove is a guest of an episode kept
    GONE_EDITED = "gone-edited"  # conflict: its file is gone, but it was changed in the CMS since


@dataclass
class Outcome:
    path: str
    kind: str  # "episode" or "person"
    key: str
    status: Status = Status.FAILED
    code: Code = None
    detail: str = ""
    missing_images: list = field(default_factory=list)  # named by the file, not in the site
    failed_copies: list = field(default_factory=list)  # (image, reason): not copied into media storage
    document: object = None  # the parsed file (a documents.Document), when the importer keeps them

    def set(self, status, code=None, detail=""):
        self.status, self.code, self.detail = status, code, detail


# The statuses a summary always counts; the others only when there are any.
STATUSES = (Status.CREATED, Status.UPDATED, Status.UNCHANGED, Status.SKIPPED, Status.CONFLICT, Status.FAILED)


@dataclass
class Report:
    outcomes: list = field(default_factory=list)
    dry_run: bool = False

    def count(self, status, kind=None):
        return sum(1 for o in self.outcomes if o.status == status and (kind is None or o.kind == kind))

    @property
    def ok(self):
        return not any(o.status in (Status.FAILED, Status.CONFLICT) for o in self.outcomes)

    def summary(self):
        parts = []
        for kind, label in (("person", "People"), ("episode", "Episodes")):
            if any(o.kind == kind for o in self.outcomes):
                shown = [*STATUSES, *(s for s in (Status.RENAMED, Status.REMOVED) if self.count(s, kind))]
                counts = ", ".join(f"{self.count(s, kind)} {s}" for s in shown)
                parts.append(f"{label}: {counts}.")
        if self.dry_run:
            parts.append("Dry run: nothing was written.")
        return " ".join(parts) or "No files found."


class SyncError(Exception):
    """An import or export that cannot start: the sentence says why."""


# What each code says of a file, ``{detail}`` standing for the outcome's detail; a caller adds the
# remedy for a conflict in its own words (a command-line flag, a box to tick).
EXPLANATIONS = {
    Code.DRAFT: "draft or template (its name starts with _)",
    Code.DRAFT_INVALID: "draft that does not parse: {detail}",
    Code.UNREADABLE: "cannot read the file: {detail}",
    Code.INVALID: "{detail}",
    Code.REFUSED: "the database refused it: {detail}",
    Code.EDITED: "changed in the CMS since it was last imported or exported",
    Code.AMBIGUOUS: "it could be the renamed file of {detail}; none was renamed",
    Code.STILL_A_GUEST: "its file is gone, but it is still a guest of {detail}, which stays",
    Code.GONE_EDITED: "its file is gone, but it was changed in the CMS since it was last imported or exported",
}


def explain(outcome, remedies=None):
    """Why a file was skipped, failed or is a conflict, in a sentence ("" for a plain outcome);
    ``remedies``: {code: what to do about it}, in the caller's words (a flag, a box to tick)."""
    if outcome.code is None:
        return ""
    text = EXPLANATIONS[outcome.code].format(detail=outcome.detail)
    remedy = (remedies or {}).get(outcome.code)
    return f"{text}; {remedy}" if remedy else text


def image_warnings(outcome, missing=None):
    """The images of a file that did not reach media storage, a sentence each; ``missing``: the
    names of those not in the site to speak of (all of them by default)."""
    missing = outcome.missing_images if missing is None else missing
    return [f"image {name} is not in the site; the path is kept" for name in missing] + [
        f"image {name} could not be copied to media storage: {reason}" for name, reason in outcome.failed_copies
    ]
