"""What the transcript editor starts from: an episode's sections and lines as stored, in their
shared order."""

from dataclasses import dataclass

from episodes.models import Section, TranscriptLine
from episodes.transcripts import HEADER, LINE, in_transcript_order


@dataclass
class Item:
    """A section or a line as stored: what the editor starts from and what a save compares to."""

    kind: str
    obj: object

    @property
    def key(self):
        return (self.kind, self.obj.pk)

    def initial(self, order):
        obj = self.obj
        data = {"kind": self.kind, "id": obj.pk, "order": order}
        if self.kind == HEADER:
            data["text"] = obj.title
        else:
            data.update(text=obj.text, speaker=obj.speaker, sec=obj.sec, time=obj.time)
        return data


def posted_kind(data, row_prefix):
    """The kind of a row a page sent (``row_prefix`` is ``transcript-<n>``), which the page does
    not spell out: a line always sends its time (an empty field is sent too), a section only its
    title. A ``-kind`` field, when sent, says it outright."""
    kind = data.get(f"{row_prefix}-kind")
    if kind in (LINE, HEADER):
        return kind
    if f"{row_prefix}-time" in data:
        return LINE
    return HEADER if f"{row_prefix}-text" in data else None


def load_items(episode):
    """Sections and lines of an episode in their shared order: two queries, whatever its length."""
    sections = Section.objects.filter(episode=episode).only("id", "episode_id", "position", "title")
    lines = TranscriptLine.objects.filter(episode=episode).only(
        "id", "episode_id", "position", "text", "speaker", "sec", "time", "keys", "uid"
    )
    return [Item(kind, obj) for kind, obj in in_transcript_order(sections, lines)]
