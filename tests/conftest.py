"""Data shared by several test modules."""

import pytest
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split


@pytest.fixture(scope="session")
def noisy():
    """A small noisy set that a large network overfits: its validation loss turns up.

    Returns ``X_train, X_val, y_train, y_val``.
    """
    X, y = make_classification(
        n_samples=400, n_features=20, n_informative=5, flip_y=0.2, random_state=0
    )
    return train_test_split(X, y, test_size=0.3, random_state=0)
