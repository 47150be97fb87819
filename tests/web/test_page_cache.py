"""Anonymous readers get a page cached for a few seconds; signed-in readers always get a fresh one."""

from tests.factories import login, make_comment, make_story, make_user, post_form


def test_anonymous_pages_are_cached_briefly_and_signed_in_pages_never(app, client, session):
    story = make_story()
    make_comment(story, make_user("first_voice"), "The first comment")
    app.config["FORUM_PAGE_CACHE_SECONDS"] = 60
    try:
        url = f"/stories/{story.slug}"
        assert "The first comment" in client.get(url).get_data(as_text=True)
        make_comment(story, make_user("second_voice"), "A later comment")
        anonymous = client.get(url)
        assert "A later comment" not in anonymous.get_data(as_text=True), "served from the cache"
        assert anonymous.headers["Content-Security-Policy"].startswith("default-src 'self'")
        assert "A later comment" in client.get(f"{url}?sort=oldest").get_data(as_text=True), "keyed by query"
        make_user("signed_in")
        reader = app.test_client()
        login(reader, "signed_in")
        assert "A later comment" in reader.get(url).get_data(as_text=True)
        # a page carrying a flash message is neither served from nor put into the cache
        post_form(reader, "/logout")
        page = reader.get(url).get_data(as_text=True)
        assert "You are logged out" in page and "A later comment" in page
        assert "You are logged out" not in client.get(url).get_data(as_text=True)
    finally:
        app.config["FORUM_PAGE_CACHE_SECONDS"] = 0
        from forum.extensions import cache

        cache.clear()


def test_cached_widget_map_frame_keeps_its_own_frame_ancestors(app, client, session):
    from forum.extensions import cache, db

    story = make_story(headline="Before the edit")
    app.config["FORUM_PAGE_CACHE_SECONDS"] = 60
    try:
        url = f"/widget/map/{story.id}"
        first = client.get(url)
        assert first.status_code == 200 and "Before the edit" in first.get_data(as_text=True)
        story.headline = "After the edit"
        db.session.commit()
        again = client.get(url)
        assert "Before the edit" in again.get_data(as_text=True), "served from the cache"
        for response in (first, again):  # any page may frame the read-only map; the cache keeps that
            assert "frame-ancestors *" in response.headers["Content-Security-Policy"]
            assert "X-Frame-Options" not in response.headers
        assert again.headers["X-Request-ID"] != first.headers["X-Request-ID"], "per-response headers are not"
    finally:
        app.config["FORUM_PAGE_CACHE_SECONDS"] = 0
        cache.clear()
