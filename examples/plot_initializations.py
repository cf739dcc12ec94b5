"""
Weight initialization: zeros, small random, He
==============================================

Before gradient descent takes its first step, the weights need values. Course
2 of the deep learning specialization (*Improving Deep Neural Networks*, week
1, the "Initialization" assignment) compares three choices on a circles data
set with the same 3-layer ReLU network:

* **zeros**: every hidden unit starts identical, gets the same gradient, and
  stays identical: the network cannot *break symmetry*;
* **small random** weights (``0.01 * N(0, 1)``): the symmetry is broken, but
  the signal shrinks layer after layer, so do the gradients, and learning
  barely starts;
* **He** initialization (``N(0, 2 / n_prev)``), made for ReLU layers: the
  signal keeps its size through the layers and training works.

The network is ``LINEAR -> RELU -> LINEAR -> RELU -> LINEAR -> SIGMOID`` with
10 and 5 hidden units, trained by full-batch gradient descent with a learning
rate of 0.01 for 15000 iterations, as in the course.
"""

# %%
# The data
# --------
# Two noisy concentric circles, 300 points to train on and 100 to test on.
# No straight line separates them, so the hidden layers have to work.

import textwrap
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_circles
from sklearn.inspection import DecisionBoundaryDisplay
from sklearn.model_selection import train_test_split

from skdeepnn import DeepNNClassifier

X, y = make_circles(n_samples=400, noise=0.05, random_state=1)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=100, stratify=y, random_state=0)

# %%
# Training with each initialization
# ---------------------------------
# Only ``init`` changes between the three networks; they share the random
# seed, the learning rate and the 15000 iterations (``tol=0`` and
# ``n_iter_no_change=np.inf`` turn the early stop off, ``alpha=0`` turns the
# L2 penalty off). Every warning the fits raise is recorded and printed:
# ``init="zeros"`` warns that it cannot break symmetry. Each fit takes a
# second or two.

inits = ["zeros", "small_random", "he"]
networks = {}
for init in inits:
    net = DeepNNClassifier(
        hidden_layer_sizes=(10, 5),
        activation="relu",
        init=init,
        solver="gd",
        learning_rate=0.01,
        max_iter=15000,
        tol=0,
        n_iter_no_change=np.inf,
        alpha=0.0,
        random_state=0,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        net.fit(X_train, y_train)
    networks[init] = net
    print(
        f"init={init!r:15} train accuracy {net.score(X_train, y_train):.1%}, "
        f"test accuracy {net.score(X_test, y_test):.1%}, "
        f"cost {net.loss_curve_[0]:.4f} -> {net.loss_curve_[-1]:.4f}"
    )
    for warning in caught:
        message = f"{warning.category.__name__}: {warning.message}"
        print(textwrap.fill(message, 100, initial_indent=" " * 4, subsequent_indent=" " * 8))

# %%
# With zeros, the cost never moves from its first value, ``log 2 = 0.693``
# (the classes are balanced, so the network starts by predicting 0.5 for
# every point): every hidden unit outputs ``relu(0) = 0``, so no weight
# receives any gradient. The estimator's ``UserWarning`` says why. The run
# also ends with a ``ConvergenceWarning`` about an oscillating loss; here
# that is a false alarm, as the flat curve below shows: the cost only changes
# in its last rounding digit.
#
# With small random weights, the cost falls by less than a millionth in
# 15000 iterations: the network is stuck on the plateau. Its outputs all stay
# within a millionth of 0.5, so the predicted classes are close to a coin
# toss. (The two flat lines lie on top of each other in the plot.)
# He initialization starts from a higher cost, since its output is not
# yet tuned, but brings it down to about 0.16, still falling when the 15000
# iterations end.

fig, ax = plt.subplots(figsize=(7, 4.5))
styles = {"zeros": dict(linewidth=4, alpha=0.5), "small_random": dict(linestyle="--"), "he": dict()}
for init, net in networks.items():
    ax.plot(net.loss_curve_, label=f'init="{init}"', **styles[init])
ax.set_xlabel("iteration")
ax.set_ylabel("cross-entropy cost")
ax.set_title("Training cost for three initializations")
ax.legend()
fig.tight_layout()
plt.show()

# %%
# Decision boundaries
# -------------------
# The zeros network predicts the same class everywhere and the small random
# one splits the plane along an arbitrary, jagged border; the He-initialized one
# draws a closed curve between the two circles. Training points are
# circles, test points are crosses.

fig, axes = plt.subplots(1, 3, figsize=(15, 4.8))
for ax, (init, net) in zip(axes, networks.items(), strict=True):
    DecisionBoundaryDisplay.from_estimator(
        net,
        X,
        ax=ax,
        response_method="predict",
        cmap="RdBu",
        alpha=0.4,
        grid_resolution=200,
        vmin=0,
        vmax=1,
    )
    ax.scatter(
        X_train[:, 0],
        X_train[:, 1],
        c=y_train,
        cmap="RdBu",
        s=15,
        edgecolor="k",
        linewidth=0.3,
        label="train",
    )
    ax.scatter(X_test[:, 0], X_test[:, 1], c=y_test, cmap="RdBu", s=25, marker="x", label="test")
    ax.set_title(
        f'init="{init}"\ntrain {net.score(X_train, y_train):.1%}, '
        f"test {net.score(X_test, y_test):.1%}"
    )
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.legend(loc="lower right")
fig.tight_layout()
plt.show()

# %%
# The course's assignment uses large random weights (``10 * N(0, 1)``) as its
# second case, which starts from a huge cost and learns slowly; here the
# opposite mistake, weights too small, is shown. Both teach the same thing:
# the scale of the initial weights matters, and ``"he"`` (the course's choice
# for ReLU layers) gets it right. For ``tanh`` layers, ``"xavier"`` plays the
# same role. skdeepnn's default, ``init="auto"``, picks ``"he"`` for ReLU
# layers trained by plain gradient descent, as here; with Adam (its default
# solver) it starts them as scikit-learn's MLP does (``"glorot_uniform"``),
# which learned better on small tabular data.
