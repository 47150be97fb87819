"""The demo's simulated votes look like people's (issue 14): passes, readers who cross lines, and opinion
groups whose distinguishing statements show real proportions rather than 100% against 0%."""

from __future__ import annotations

import numpy as np

from forum.analysis.opinions import compute_opinion_groups
from forum.demo import generate_votes, load_demo


def test_demo_groups_show_real_proportions():
    data = load_demo()
    votes = generate_votes(data)
    users = {r.username: i for i, r in enumerate(data.readers)}
    cids = {c.id: j for j, c in enumerate(data.comments)}
    p = np.array([users[v.username] for v in votes])
    c = np.array([cids[v.comment_id] for v in votes])
    v = np.array([v.value for v in votes])
    assert 0.1 < (v == 0).mean() < 0.4, "pass votes are common but not the rule"
    r = compute_opinion_groups(p, c, v, len(users), len(cids))
    assert 2 <= r.k <= 5
    cs, shares, rest = r.comment_stats, [], []
    for g in r.groups:
        for s in g.representative:
            own = cs.group_agree if s.direction == "agree" else cs.group_disagree
            shares.append(own[g.index, s.comment] / cs.group_seen[g.index, s.comment])
            others = own[:, s.comment].sum() - own[g.index, s.comment]
            rest.append(others / (cs.group_seen[:, s.comment].sum() - cs.group_seen[g.index, s.comment]))
    shares, rest = np.array(shares), np.array(rest)
    assert (shares < 1).mean() >= 0.5, f"most distinguishing statements are not unanimous: {shares.round(2)}"
    assert (rest > 0).mean() >= 0.5, f"someone outside the group usually votes that way too: {rest.round(2)}"
    # readers who cross lines: most readers vote at least once against the lean of their own side
    pos = np.array([rd.position for rd in data.readers])
    stance = np.array([{"agree": 1, "disagree": -1}.get(cm.side or "", 0) for cm in data.comments])
    against = (np.sign(pos[p]) * stance[c] * v) < 0
    crossers = np.bincount(p[against], minlength=len(users)) > 0
    assert crossers.mean() > 0.6
