"""Domain events. Services send them; background work (``forum.jobs``) listens: services never import jobs."""

from blinker import Namespace

_signals = Namespace()

#: sent with the Comment as sender and ``action`` in {"posted", "edited", "deleted", "moderated"}
comment_changed = _signals.signal("comment-changed")
#: sent with the voted-on comment's id as sender, and ``story_id``, ``user_id`` and ``value``
vote_cast = _signals.signal("vote-cast")
