import numpy as np

from forum.analysis.constrained import ConstrainedClusterer


class FakeBase:
    def fit(self, X, sides=None):
        self.seen = X.copy()
        self.labels_ = (X[:, 0] > 0).astype(np.int64)
        self.labels_[np.abs(X[:, 0]) < 0.1] = -1
        self.centroids_ = np.array([[-1.0, 0.0], [1.0, 0.0]], dtype=np.float32)
        return self


def test_fixed_rows_keep_their_group_and_the_rest_is_clustered_after_them():
    X = np.array([[0.0, 1.0], [0.0, 1.0], [1.0, 0.0], [-1.0, 0.0], [0.05, 1.0]], dtype=np.float32)
    fixed = np.array([0, 0, -1, -1, -1])
    base = FakeBase()
    c = ConstrainedClusterer(base, fixed, n_fixed=1).fit(X)
    assert c.labels_.tolist() == [0, 0, 2, 1, -1]
    assert len(base.seen) == 3, "only the free rows are clustered"
    assert np.allclose(c.centroids_[0], [0.0, 1.0]) and c.centroids_.shape == (3, 2)


def test_all_fixed_and_empty_curated_slot():
    X = np.eye(3, dtype=np.float32)
    c = ConstrainedClusterer(FakeBase(), np.array([1, 1, 1]), n_fixed=2).fit(X)
    assert c.labels_.tolist() == [1, 1, 1] and c.n_clusters_ == 2
    assert np.allclose(c.centroids_[0], 0.0)
