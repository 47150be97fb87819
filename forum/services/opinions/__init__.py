"""Opinion groups from readers' votes: computing and caching them per story, the vote mode, and reading
the cached result for pages.

Computation runs in the background (``forum.jobs`` task ``compute_opinions``); pages only read the cached
:class:`~forum.models.OpinionCache` row, through the typed codec in :mod:`.codec`. The parts:
:mod:`.compute` (votes, fitting, caching, the fingerprint), :mod:`.vote_mode`, :mod:`.pages` (page data)
and :mod:`.names` (editors' names for groups). This package re-exports their public names, so callers
write ``from forum.services import opinions as opinion_service; opinion_service.read_opinions(...)``.
"""

from forum.analysis.opinions import (
    GroupReaction,
    OpinionGroups,
    OpinionResult,
    choose_next_comment,
    next_comment_priorities,
    smooth_k,
)
from forum.services.opinions.codec import (
    CommentCounts,
    GroupData,
    OpinionData,
    Representative,
    decode,
    encode,
)
from forum.services.opinions.compute import (
    COMMON_GROUND_RATE,
    K_BUFFER,
    PICK,
    VoteArrays,
    compute_opinions,
    fingerprint,
    get_cached,
    group_reactions,
    is_stale,
    load_votes,
    meta_comment_ids,
    serialise,
    summarise,
)
from forum.services.opinions.names import MAX_NAME, group_names, save_group_name
from forum.services.opinions.pages import (
    GROUP_NAMES,
    NAME_CHARS,
    NAME_WORDS,
    Dot,
    GroupView,
    OpinionsPage,
    Statement,
    read_opinions,
    rename_group,
    shorten,
    statements,
    story_overview,
)
from forum.services.opinions.vote_mode import (
    MIN_VOTES_TO_SEE,
    VoteStep,
    next_comment,
    vote_in_mode,
    votes_cast,
)

__all__ = [
    "COMMON_GROUND_RATE", "GROUP_NAMES", "K_BUFFER", "MAX_NAME", "MIN_VOTES_TO_SEE", "NAME_CHARS",
    "NAME_WORDS", "PICK", "CommentCounts", "Dot", "GroupData", "GroupReaction", "GroupView", "OpinionData",
    "OpinionGroups", "OpinionResult", "OpinionsPage", "Representative", "Statement", "VoteArrays",
    "VoteStep", "choose_next_comment", "compute_opinions", "decode", "encode", "fingerprint", "get_cached",
    "group_names", "group_reactions", "is_stale", "load_votes", "meta_comment_ids", "next_comment",
    "next_comment_priorities", "read_opinions", "rename_group", "save_group_name", "serialise", "shorten",
    "smooth_k", "statements", "story_overview", "summarise", "vote_in_mode", "votes_cast",
]  # fmt: skip
