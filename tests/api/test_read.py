"""Reading through the API: stories, comments, viewpoints; pagination; bad parameters."""

from __future__ import annotations

import pytest

from forum import jobs
from forum.extensions import db
from tests.api.conftest import error_of
from tests.factories import make_comment, make_story, make_user


def test_stories_list_and_one_story(client, story):
    make_story(slug="closed-one", status="closed")
    body = client.get("/api/stories").get_json()
    slugs = [s["slug"] for s in body["items"]]
    assert "api-story" in slugs and "closed-one" not in slugs
    assert body["total"] == len(slugs) and body["offset"] == 0 and body["next_offset"] is None
    by_slug = client.get("/api/stories/api-story").get_json()
    by_id = client.get(f"/api/stories/{story.id}").get_json()
    assert by_slug == by_id and by_slug["headline"] == "A headline" and by_slug["url"] == "/stories/api-story"


@pytest.mark.parametrize("ref", ["nope", "99999999999999999999", "2147483648", "²"])
def test_unknown_story_is_404(client, story, ref):
    assert "no such story" in error_of(client.get(f"/api/stories/{ref}"), 404)
    error_of(client.get(f"/api/stories/{ref}/comments"), 404)


def test_comments_paged_and_sorted(client, story, reader):
    made = [make_comment(story, reader, f"Comment {i}", minutes_ago=10 - i) for i in range(5)]
    first = client.get("/api/stories/api-story/comments?limit=2").get_json()
    assert [c["id"] for c in first["items"]] == [made[0].id, made[1].id]
    assert (first["total"], first["next_offset"]) == (5, 2)
    last = client.get("/api/stories/api-story/comments?limit=2&offset=4").get_json()
    assert [c["id"] for c in last["items"]] == [made[4].id] and last["next_offset"] is None
    newest = client.get("/api/stories/api-story/comments?sort=newest&limit=1").get_json()
    assert newest["items"][0]["id"] == made[4].id
    one = newest["items"][0]
    assert one["body"] == "Comment 4" and one["html"] == "<p>Comment 4</p>"
    assert one["author"] == {"id": reader.id, "display_name": reader.display_name}
    assert one["counts"] == {"agree": 0, "disagree": 0, "pass": 0} and one["created_at"].endswith("+00:00")


@pytest.mark.parametrize(
    "query", ["limit=0", "limit=101", "limit=abc", "offset=-1", "offset=1.5", "sort=best", "limit=%C2%B2"]
)
def test_bad_query_parameters_are_400(client, story, query):
    message = error_of(client.get(f"/api/stories/api-story/comments?{query}"), 400)
    assert "query parameter" in message


def test_deleted_comment_hides_its_text_and_pending_is_private(client, story, reader, other):
    gone = make_comment(story, reader, "Secret words", status="deleted")
    body = client.get(f"/api/comments/{gone.id}").get_json()
    assert body["status"] == "deleted" and body["body"] is None and body["author"] is None
    held = make_comment(story, other, "Held back", status="pending")
    error_of(client.get(f"/api/comments/{held.id}"), 404)
    listed = client.get("/api/stories/api-story/comments").get_json()
    assert listed["total"] == 0  # neither the deleted nor the pending one is listed


def test_pending_comment_visible_to_its_author_and_editors(client, story, reader):
    from tests.factories import login

    held = make_comment(story, reader, "Held back", status="pending")
    make_user("editor1", role="editor")
    login(client, "editor1")
    assert client.get(f"/api/comments/{held.id}").get_json()["body"] == "Held back"


@pytest.mark.parametrize(
    "path", ["/api/comments/0", "/api/comments/2147483648", "/api/comments/x", "/api/nothing"]
)
def test_unknown_paths_are_json_404(client, path):
    error_of(client.get(path), 404)


def test_method_not_allowed_is_json_405(client, story):
    error_of(client.put("/api/stories"), 405)  # POST creates a story (editors)
    error_of(client.delete("/api/stories/api-story"), 405)


def test_viewpoints_before_and_after_the_map(client, app, debate):
    story, posted = debate
    story.map_auto_publish = True
    db.session.commit()
    n = sum(len(texts) for texts in posted.values())
    empty = client.get(f"/api/stories/{story.slug}/viewpoints").get_json()
    assert (empty["ready"], empty["n_comments"], empty["viewpoints"], empty["other"]) == (False, n, [], None)
    jobs.drain(app)
    body = client.get(f"/api/stories/{story.slug}/viewpoints").get_json()
    assert body["ready"] and body["n_comments"] == n and body["n_placed"] > 0
    first = body["viewpoints"][0]
    assert first["headline"] and first["n_members"] >= 2 and first["side"] in ("agree", "disagree", "mixed")
    detail = client.get(f"/api/stories/{story.slug}/viewpoints/{first['id']}?limit=2").get_json()
    assert detail["id"] == first["id"] and detail["members"]["total"] == first["n_members"]
    assert len(detail["members"]["items"]) == 2
    error_of(client.get(f"/api/stories/{story.slug}/viewpoints/2147483647"), 404)


def test_openapi_documents_key_points_and_group_labels(client, session):
    schemas = client.get("/api/openapi.json").get_json()["components"]["schemas"]
    viewpoint = schemas["Viewpoint"]["properties"]
    assert {"theme", "secondary_ids", "quote_sentences"} <= set(viewpoint)
    assert "n_commenters" in schemas["DebateMap"]["properties"]
    group = schemas["OpinionGroups"]["properties"]["groups"]["items"]["properties"]
    assert "label" in group
    assert {"n", "of", "n_rest", "of_rest"} <= set(schemas["Statement"]["properties"])


def test_openapi_errors_are_the_error_schema_and_answers_list_every_field(client, session):
    """The document is generated from the schemas: every operation lists its statuses (no catch-all
    ``default``), each 4xx answers the forum's JSON error, and an answer's fields are all required."""
    document = client.get("/api/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            assert operation["summary"], (method, path)
            for status, response in operation["responses"].items():
                assert status.isdigit(), (method, path, status)
                if 400 <= int(status) < 500:
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Error"}, (method, path, status)
    schemas = document["components"]["schemas"]
    error = schemas["Error"]["properties"]["error"]
    assert set(error["properties"]) == {"status", "message", "field"}
    assert set(error["required"]) == {"status", "message"}
    for name in ("Story", "Comment", "Viewpoint", "DebateMap", "OpinionGroups", "CommentPage"):
        assert set(schemas[name]["required"]) == set(schemas[name]["properties"]), name
    max_length = client.application.config["FORUM_MAX_COMMENT_LENGTH"]
    assert schemas["NewComment"]["properties"]["body"]["maxLength"] == max_length


def test_flask_openapi_print_gives_the_served_document(app, client, session):
    import json

    result = app.test_cli_runner().invoke(args=["openapi", "print"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert printed == client.get("/api/openapi.json").get_json()
    assert "/api/stories/{story}/comments" in printed["paths"] and "/healthz" in printed["paths"]
