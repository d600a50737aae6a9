"""What an HTML document would load or run in a browser: the check every self-contained report passes."""

from __future__ import annotations

import re
from html.parser import HTMLParser

#: attributes through which a page loads something
FETCHING = {"src", "href", "xlink:href", "srcset", "action", "poster", "data", "background"}
#: a CSS reference to another document (``url(#id)`` points inside the page)
CSS_FETCH = re.compile(r"url\(\s*[\"']?(?!#)|@import", re.IGNORECASE)


class _Fetches(HTMLParser):
    """Every way a parsed page would load something: elements that run or embed, attributes that point outside
    the page, CSS that imports or points outside it."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "link", "iframe", "object", "embed", "img", "image", "foreignobject"):
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name in FETCHING and value and not value.startswith("#"):
                self.found.append(f"{tag} {name}={value}")
            if (name == "style" and value and CSS_FETCH.search(value)) or name.startswith("on"):
                self.found.append(f"{tag} {name}={value}")
        self._style = tag == "style"

    def handle_data(self, data: str) -> None:
        if self._style and CSS_FETCH.search(data):
            self.found.append(f"<style> {data[:80]}")


def fetches(page: str) -> list[str]:
    """What ``page`` would load or run in a browser (empty for a self-contained, script-free document)."""
    parser = _Fetches()
    parser.feed(page)
    return parser.found
