"""The debate map on the database side: embedding comments, placing new ones, recomputing and reading maps.

The numeric work lives in ``forum.analysis`` (pure); these modules load what it needs, call it, and write
the results back: :mod:`.comments` (embedding and placing comments), :mod:`.recompute` (recomputing and
storing a story's map) and :mod:`.key_points` (how strongly comments make a key point). Functions flush and
never commit: the job or command that calls them owns the transaction. This package re-exports their
public names (``from forum.services import mapping; mapping.recompute_map(...)``).
"""

from forum.services.mapping.comments import (
    NEAREST_MIN_SIMILARITY,
    comments_needing_embedding,
    embed_comments,
    place_comments,
    text_hash,
    unplace_comment,
)
from forum.services.mapping.key_points import key_point_matches
from forum.services.mapping.recompute import (
    CURATED_MIN_SIMILARITY,
    MIN_COMMENTS_FOR_MAP,
    SIDE_VALUES,
    map_is_stale,
    recent_runs,
    recompute_map,
)

__all__ = [
    "CURATED_MIN_SIMILARITY",
    "MIN_COMMENTS_FOR_MAP",
    "NEAREST_MIN_SIMILARITY",
    "SIDE_VALUES",
    "comments_needing_embedding",
    "embed_comments",
    "key_point_matches",
    "map_is_stale",
    "place_comments",
    "recent_runs",
    "recompute_map",
    "text_hash",
    "unplace_comment",
]
