import re

import pytest

from forum.sanitize import is_blank, plain_text, render_comment


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


@pytest.mark.parametrize(
    "text",
    [
        "\u200b",
        "\u200b\u200c\u200d",
        "\u2060\ufeff",
        " \u200b \n\u200d\t",
        "\u00ad\u180e\u2061\u2062\u2063\u2064",
        "\u3164\u115f\u1160\uffa0\u2800",
        "\u0301\u0302",
        "\u202e\u2066\u2069",
    ],
)
def test_invisible_only_text_is_blank(text):
    assert is_blank(text)


@pytest.mark.parametrize("text", ["a", " x\u200b", "\u200bhi", "0", "\u00e9", "\u05d0"])
def test_visible_text_is_not_blank(text):
    assert not is_blank(text)


@pytest.mark.parametrize(
    "markdown_text",
    [
        "[x](b)",
        "[x](/local/path)",
        "[x](//evil.example/)",
        "[x](///evil.example/)",
        "[x](mailto:someone@evil.example)",
        "[x](https:evil.example)",
        "[x](http://)",
        "[x](ftp://evil.example/)",
        "[x](data:text/html,hi)",
        "[x](#top)",
        "[x](?q=1)",
        "[x]( //evil.example/)",
    ],
)
def test_only_absolute_http_links_keep_their_href(markdown_text):
    html = render_comment(markdown_text)
    assert "href" not in html and "<a" not in html
    assert ">x<" in html  # the text stays


@pytest.mark.parametrize("url", ["https://ok.example/a", "http://ok.example", "HTTPS://ok.example/x?y=1"])
def test_absolute_http_links_stay(url):
    html = render_comment(f"[x]({url})")
    assert f'href="{url.replace("&", "&amp;")}"' in html and 'rel="nofollow ugc noopener"' in html
