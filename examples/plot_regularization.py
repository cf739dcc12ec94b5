"""
Regularization against overfitting: L2 and dropout
==================================================

A network much larger than its data can learn the training set by heart,
noise included, and then does worse on new data: it *overfits* (it has high
variance). Course 2 of the deep learning specialization (*Improving Deep
Neural Networks*), week 1, shows two cures on a small, noisy 2-D data set (the
positions where a goalkeeper's kicks land, in the "Regularization"
assignment):

* **L2 regularization** adds ``lambda / (2 m) * sum ||W||^2`` to the cost, so
  large weights cost something and the boundary gets smoother. Here
  ``lambda`` is the estimator's ``alpha``.
* **Dropout** switches off each hidden unit at random during training, with
  probability ``dropout`` (the course's ``1 - keep_prob``), so no unit can
  rely on a few others.

Instead of the course's football data, this example uses 150 training points
of two strongly overlapping moons, and a network far larger than they need:
two hidden layers of 50 ReLU units, 2751 parameters (the course's network has
20 and 3 units). It is trained by gradient descent with the course's learning
rate of 0.3, for 10000 iterations instead of the course's 30000, which keeps
the example fast and is enough to overfit.
"""

# %%
# The data
# --------
# ``noise=0.4`` makes the moons overlap, so no boundary can be right
# everywhere. The 2000 test points come from the same distribution; with that
# many, the test accuracy is measured to about one percentage point.

import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_moons
from sklearn.exceptions import ConvergenceWarning
from sklearn.inspection import DecisionBoundaryDisplay
from sklearn.model_selection import train_test_split

from skdeepnn import DeepNNClassifier

X, y = make_moons(n_samples=2150, noise=0.4, random_state=1)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, train_size=150, stratify=y, random_state=0
)


def make_network(alpha=0.0, dropout=0.0):
    return DeepNNClassifier(
        hidden_layer_sizes=(50, 50),
        activation="relu",
        solver="gd",
        learning_rate=0.3,
        max_iter=10000,
        tol=0,
        n_iter_no_change=np.inf,
        alpha=alpha,
        dropout=dropout,
        random_state=0,
    )


def fit_quietly(net):
    # Without regularization the cost keeps creeping down and can wobble at
    # this learning rate; the warnings about that are not the point here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return net.fit(X_train, y_train)


# %%
# Three networks
# --------------
# The same network is trained three times: without regularization, with an
# L2 penalty of ``alpha=0.7`` (the course's ``lambd = 0.7``), and with dropout
# of half of the hidden units. Each fit takes a few seconds.

models = {
    "no regularization": make_network(),
    "L2, alpha=0.7": make_network(alpha=0.7),
    "dropout=0.5": make_network(dropout=0.5),
}
for name, net in models.items():
    start = time.perf_counter()
    fit_quietly(net)
    print(
        f"{name:18} train accuracy {net.score(X_train, y_train):.1%}, "
        f"test accuracy {net.score(X_test, y_test):.1%} "
        f"({time.perf_counter() - start:.1f} s)"
    )

# %%
# Without regularization, the training accuracy is close to 100 % but the
# test accuracy is much lower: the gap between the two is the variance. Both
# cures give up some training accuracy, and gain more on the test set.
#
# The decision boundaries show why. The unregularized network draws pockets
# and thin fingers around single training points of the other class; the
# regularized ones draw simpler boundaries, with fewer and smaller pockets.
# Only the training points are plotted, to keep the figure readable.

fig, axes = plt.subplots(1, 3, figsize=(15, 4.8))
for ax, (name, net) in zip(axes, models.items(), strict=True):
    DecisionBoundaryDisplay.from_estimator(
        net,
        X_train,
        ax=ax,
        response_method="predict",
        cmap="RdBu",
        alpha=0.4,
        grid_resolution=250,
        vmin=0,
        vmax=1,
    )
    ax.scatter(
        X_train[:, 0], X_train[:, 1], c=y_train, cmap="RdBu", s=18, edgecolor="k", linewidth=0.4
    )
    ax.set_title(
        f"{name}\ntrain {net.score(X_train, y_train):.1%}, test {net.score(X_test, y_test):.1%}"
    )
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
fig.tight_layout()
plt.show()

# %%
# How much L2?
# ------------
# ``alpha`` is a hyperparameter: too little leaves the variance, too much
# shrinks the weights so far that the network cannot even fit the training
# data (high bias). Training the network for a range of ``alpha`` shows both
# ends. In practice ``alpha`` would be chosen on a validation set (for
# instance with :class:`~sklearn.model_selection.GridSearchCV`), not on the
# test set as in this illustration.

alphas = [0.01, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0]
train_scores, test_scores = [], []
for alpha in alphas:
    net = fit_quietly(make_network(alpha=alpha))
    train_scores.append(net.score(X_train, y_train))
    test_scores.append(net.score(X_test, y_test))
    print(f"alpha={alpha:<5g} train {train_scores[-1]:.1%}, test {test_scores[-1]:.1%}")

fig, ax = plt.subplots(figsize=(7, 4.5))
ax.plot(alphas, train_scores, "o-", label="training accuracy")
ax.plot(alphas, test_scores, "s-", label="test accuracy")
ax.set_xscale("log")
ax.set_xlabel("L2 strength alpha (log scale)")
ax.set_ylabel("accuracy")
ax.set_title("Training and test accuracy against the L2 penalty")
ax.legend()
fig.tight_layout()
plt.show()

# %%
# Up to ``alpha=1`` the training accuracy falls while the test accuracy rises
# (from about 80 % to 85 %): the variance shrinks. Beyond it both fall
# together, the sign of high bias, and at ``alpha=30`` the penalty wins
# outright: the weights shrink to nothing and the network predicts the same
# class everywhere (50 %). Dropout has the same kind of knob, the dropout
# rate.
