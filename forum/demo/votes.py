"""How the demo readers vote on each other's comments: a seeded simulation, pure (no Flask, no database).

Votes follow a small model: a reader leans towards comments on their own side of the question
(``position`` times the comment's stance), a little more towards arguments they care about, and
almost everyone agrees with comments making a *consensus* argument (common ground). Per-reader
Gaussian noise, drawn from a seeded generator, keeps the matrix human-looking; each reader also crosses
the line on some arguments (takes the other side there) and casts a few stray votes, so no opinion group
votes as one block and the opinion map shows real proportions.
"""

from __future__ import annotations

import random

from forum.demo.data import DemoArgument, DemoComment, DemoData, DemoReader, DemoVote

# Vote model parameters (see generate_votes).
MIN_VOTES, MAX_VOTES = 50, 140  # of 205 comments: about 23 votes per comment, so groups show proportions
POSITION_WEIGHT = 2.4  # how strongly a reader's position drives agreement with a stance
CARE_BONUS = 0.6  # extra lean towards an argument the reader cares about
CONSENSUS_LEAN = 1.5  # lean towards common-ground arguments, whatever the position
CONSENSUS_TILT = 0.5  # how much position still colours a common-ground comment
OFF_TOPIC_LEAN = -0.1  # off-topic comments: mostly passes
NOISE_SD = 0.75  # per-vote noise
BIAS_SD = 0.25  # per-reader agreeableness
PASS_BAND = 0.5  # |lean + noise| below this is a pass
CROSS_SHARE = 0.15  # chance that a reader takes the other side on one argument (readers who cross lines)
STRAY_SHARE = 0.06  # chance that a vote ignores the reader's leanings (misreading, mood, a stray click)


def _stance(comment: DemoComment, argument: DemoArgument | None) -> float:
    """+1 for a comment arguing "agree", -1 for "disagree", weaker when the author did not pick a side."""
    if comment.side == "agree":
        return 1.0
    if comment.side == "disagree":
        return -1.0
    if argument is None:
        return 0.0
    arg_stance = {"agree": 1.0, "disagree": -1.0}.get(argument.side, 0.0)
    return arg_stance * (0.5 if comment.side == "unsure" else 0.8)


def _lean(reader: DemoReader, comment: DemoComment, argument: DemoArgument | None) -> float:
    """How much the reader is inclined to agree (positive) or disagree (negative) before noise."""
    cares = argument is not None and argument.key in reader.arguments
    stance = _stance(comment, argument)
    if argument is not None and argument.consensus:
        return CONSENSUS_LEAN + CONSENSUS_TILT * reader.position * stance + (CARE_BONUS if cares else 0.0)
    if argument is None and comment.side is None:
        return OFF_TOPIC_LEAN
    lean = POSITION_WEIGHT * reader.position * stance
    if cares and lean >= 0:
        lean += CARE_BONUS
    return lean


def generate_votes(data: DemoData, seed: int = 7) -> list[DemoVote]:
    """Simulate the demo readers' votes on each other's comments.

    Each reader votes on a seeded random sample of 50-140 comments that are not their own, at most
    once per comment. The result is deterministic for a given ``seed`` (each reader draws from its
    own generator seeded by ``seed`` and the username) and ordered by reader, then comment.
    """
    arguments = {a.key: a for a in data.arguments}
    order = {c.id: i for i, c in enumerate(data.comments)}
    votes: list[DemoVote] = []
    for reader in data.readers:
        rng = random.Random(f"{seed}:{reader.username}")
        candidates = [c for c in data.comments if c.author != reader.username]
        count = min(len(candidates), rng.randint(MIN_VOTES, MAX_VOTES))
        chosen = sorted(rng.sample(candidates, count), key=lambda c: order[c.id])
        bias = rng.gauss(0.0, BIAS_SD)
        crossed = {a.key for a in data.arguments if not a.consensus and rng.random() < CROSS_SHARE}
        for comment in chosen:
            argument = arguments.get(comment.argument) if comment.argument else None
            lean = _lean(reader, comment, argument)
            if argument is not None and argument.key in crossed:
                lean = -lean
            score = lean + bias + rng.gauss(0.0, NOISE_SD)
            value = 1 if score > PASS_BAND else -1 if score < -PASS_BAND else 0
            if rng.random() < STRAY_SHARE:
                value = rng.choice((1, -1, 0))
            votes.append(DemoVote(reader.username, comment.id, value))
    return votes
