"""Reading rendered pages in tests without an HTML library."""

from html.parser import HTMLParser


class ElementText(HTMLParser):
    """Collects the text inside the element with a given id."""

    VOID = {"input", "br", "img", "meta", "link", "hr"}

    def __init__(self, element_id: str) -> None:
        super().__init__()
        self.element_id, self.depth, self.found, self.parts = element_id, 0, False, []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        if self.depth:
            self.depth += 1
        elif dict(attrs).get("id") == self.element_id:
            self.depth, self.found = 1, True

    def handle_endtag(self, tag):
        if self.depth and tag not in self.VOID:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.parts.append(data)


def text_of(page: str, element_id: str) -> str:
    """The text inside the element with this id, spaces collapsed."""
    parser = ElementText(element_id)
    parser.feed(page)
    assert parser.found, element_id
    return " ".join(" ".join(parser.parts).split())
