"""Pure analysis: embeddings -> viewpoints -> summaries -> map layout; votes -> opinion groups.

Nothing here imports Flask or the database; modules take texts and arrays and return dataclasses.
Entry points: :func:`forum.analysis.pipeline.build_map`, :func:`forum.analysis.embedders.make_embedder`,
:func:`forum.analysis.identity.match_viewpoints`. Heavy libraries (torch) load lazily, on first use.
"""
