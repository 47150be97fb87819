"""Moderation: holding new comments, readers' flags, editors' decisions, the queue and banned words. Every
state change is audited in the same transaction. Readers' status and staff roles are in ``accounts``.

The parts: ``state`` (a comment's moderation state, holding it, the reason an action records),
``screening`` (whether a new comment waits; near-duplicates), ``flags``, ``decisions`` (approve, reject,
resubmit), ``queues`` and ``banned_words``. Callers use the names re-exported here."""

from forum.services.moderation.banned_words import (
    add_banned_word,
    banned_words_in,
    list_banned_words,
    remove_banned_word,
)
from forum.services.moderation.decisions import (
    DEFAULT_REJECT_REASON,
    REJECT_REASONS,
    can_resubmit,
    get_comments,
    moderate,
    rejection_reason,
    resubmit,
)
from forum.services.moderation.flags import FLAGS_TO_HOLD, flag_comment, open_flags
from forum.services.moderation.queues import (
    QUEUE_PER_PAGE,
    QUEUE_STATES,
    QueueItem,
    QueuePage,
    queue,
    queue_counts,
)
from forum.services.moderation.screening import (
    LINK_RE,
    NEAR_DUPLICATE_SIMILARITY,
    NEAR_DUPLICATE_WINDOW,
    has_link,
    hold_near_duplicates,
    hold_reason_for,
    screen_new_comment,
)
from forum.services.moderation.state import MAX_REASON, moderation_state

__all__ = [
    "DEFAULT_REJECT_REASON",
    "FLAGS_TO_HOLD",
    "LINK_RE",
    "MAX_REASON",
    "NEAR_DUPLICATE_SIMILARITY",
    "NEAR_DUPLICATE_WINDOW",
    "QUEUE_PER_PAGE",
    "QUEUE_STATES",
    "REJECT_REASONS",
    "QueueItem",
    "QueuePage",
    "add_banned_word",
    "banned_words_in",
    "can_resubmit",
    "flag_comment",
    "get_comments",
    "has_link",
    "hold_near_duplicates",
    "hold_reason_for",
    "list_banned_words",
    "moderate",
    "moderation_state",
    "open_flags",
    "queue",
    "queue_counts",
    "rejection_reason",
    "remove_banned_word",
    "resubmit",
    "screen_new_comment",
]
