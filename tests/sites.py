"""Small archives written by tests, in the real site layout."""

from pathlib import Path

import yaml


def person(short, **fields):
    data = {"short": short, "title": fields.pop("title", short.title()), "picture": f"images/authors/{short}.jpg"}
    data.update(fields)
    return data


def episode(slug, guests=("ann",), transcript=None, **fields):
    data = {
        "title": fields.pop("title", f"Episode {slug}"),
        "short": "Short",
        "season": 1,
        "episode": 1,
        "guests": list(guests),
        "image": f"images/podcast/{slug}.jpg",
        "ids": {"youtube": "abc123", "anchor": "anchor-id"},
        "links": {"youtube": "https://www.youtube.com/watch?v=abc123", "spotify": "TODO"},
    }
    data.update(fields)
    data["transcript"] = (
        transcript
        if transcript is not None
        else [
            {"line": "Welcome to the show.", "sec": 0, "time": "0:00", "who": "Host"},
            {"header": "Background"},
            {"line": "Tell us about yourself.", "sec": 12, "time": "0:12", "who": "Host"},
            {"line": "I started in physics.", "sec": 75, "time": "1:15", "who": "Ann"},
        ]
    )
    return data


def text(data, body="\nShow notes.\n"):
    return "---\n" + yaml.safe_dump(data, allow_unicode=True, sort_keys=False) + "---\n" + body


def write_site(root, people=(), episodes=(), images=True):
    """people, episodes: dicts of front matter (or raw text); returns the site root."""
    root = Path(root)
    for folder in ("_people", "_podcast", "images/authors", "images/podcast"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    for data in people:
        write(root / "_people" / f"{data['short']}.md", data)
        if images:
            (root / data["picture"]).write_bytes(b"\xff\xd8\xff portrait")
    for data in episodes:
        slug = Path(data["image"]).stem
        write(root / "_podcast" / f"{slug}.md", data)
        if images:
            (root / data["image"]).write_bytes(b"\xff\xd8\xff cover")
    return root


def write(path, data, body="\nShow notes.\n"):
    path.write_text(data if isinstance(data, str) else text(data, body), encoding="utf-8")
    return path
