#!/usr/bin/env python3
"""Read an Atom feed from standard input with the independent `feedparser` package and print
what the end-to-end tests check, as JSON. Exits non-zero if feedparser finds it malformed
(`bozo`) or not Atom 1.0."""
import json
import sys

import feedparser


def main():
    parsed = feedparser.parse(sys.stdin.buffer.read())
    if parsed.bozo:
        sys.exit(f"not well-formed: {parsed.bozo_exception!r}")
    if parsed.version != "atom10":
        sys.exit(f"not Atom 1.0 but {parsed.version!r}")
    feed = parsed.feed
    print(json.dumps({
        "version": parsed.version,
        "title": feed.get("title"),
        "id": feed.get("id"),
        "updated": feed.get("updated"),
        "language": feed.get("language"),
        "links": [{"rel": l.get("rel"), "href": l.get("href"), "type": l.get("type")} for l in feed.get("links", [])],
        "entries": [{
            "id": e.get("id"),
            "title": e.get("title"),
            "updated": e.get("updated"),
            "published": e.get("published"),
            "link": e.get("link"),
            "summary": e.get("summary"),
            "content": [c.get("value") for c in e.get("content", [])],
            "tags": [t.get("term") for t in e.get("tags", [])],
        } for e in parsed.entries],
    }))


if __name__ == "__main__":
    main()
