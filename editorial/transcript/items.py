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


def load_items(episode):
    """Sections and lines of an episode in their shared order: two queries, whatever its length."""
    sections = Section.objects.filter(episode=episode).only("id", "episode_id", "position", "title")
    lines = TranscriptLine.objects.filter(episode=episode).only(
        "id", "episode_id", "position", "text", "speaker", "sec", "time", "keys", "uid"
    )
    return [Item(kind, obj) for kind, obj in in_transcript_order(sections, lines)]
