import re

import pytest

from forum.sanitize import plain_text, render_comment


def test_light_formatting_survives():
    html = render_comment("First *para*\n\nSecond **bold**\n\n> a quote\n\n- one\n- two\n\n`code`")
    for fragment in (
        "<p>First <em>para</em></p>",
        "<strong>bold</strong>",
        "<blockquote>",
        "<li>one</li>",
        "<code>code</code>",
    ):
        assert fragment in html


def test_links_get_rel_and_bare_urls_are_linked():
    html = render_comment("[site](https://example.org/a) and https://www.example.com/b")
    assert html.count('rel="nofollow ugc noopener"') == 2
    assert 'href="https://www.example.com/b"' in html


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '<a href="https://x.example" onclick="steal()">x</a>',
        "<iframe src=https://evil.example></iframe>",
        "<style>body{display:none}</style>",
        "![img](https://evil.example/pixel.png)",
    ],
)
def test_hostile_markup_is_neutralised(hostile):
    html = render_comment(hostile).lower()
    tags = re.findall(r"<([a-z0-9]+)([^>]*)>", html)
    assert {name for name, _ in tags} <= {
        "p",
        "a",
        "em",
        "strong",
        "blockquote",
        "code",
        "ul",
        "ol",
        "li",
        "br",
    }
    for _, attrs in tags:
        assert not re.search(r"\bon[a-z]+\s*=", attrs)
        assert "javascript:" not in attrs and "src=" not in attrs


def test_headings_are_flattened_to_allowed_tags():
    assert "<h1>" not in render_comment("# Shouting")


def test_plain_text_drops_markup_and_entities():
    assert plain_text("Hello *world* [x](https://a.example) & 5 < 6") == "Hello world x & 5 < 6"
