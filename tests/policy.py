"""A Content-Security-Policy read as a browser applies it: a fetch directive the policy leaves
out falls back to ``default-src`` (``frame-src`` to ``child-src`` first)."""

# The browser's rule, written out here rather than taken from podcast.security, which it checks.
FALLS_BACK = {"script-src", "style-src", "img-src", "media-src", "font-src", "connect-src", "frame-src"}


def directives(header):
    parts = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return {part[0]: part[1] if len(part) > 1 else "" for part in parts}


def sources(header, name):
    """The sources the browser allows for ``name``, as the policy's text gives them."""
    found = directives(header)
    if name in found:
        return found[name]
    if name == "frame-src" and "child-src" in found:
        return found["child-src"]
    return found.get("default-src", "") if name in FALLS_BACK else ""
