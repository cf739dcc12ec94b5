"""
Choosing the learning rate of gradient descent
==============================================

The learning rate is the size of each gradient descent step. Course 1 of
*Neural Networks and Deep Learning* makes the point twice: in week 2, where the
cat classifier's cost is plotted for learning rates of 0.01, 0.001 and 0.0001,
and in week 4, where the learning rate is the first hyperparameter to tune. Too
small a rate makes the cost crawl down; too large a rate overshoots the
minimum, so the cost jumps around, lands somewhere poor, or grows without
bound.

Here a small network (one hidden layer of 10 ReLU units) is trained by
full-batch gradient descent (``solver="gd"``) on the same two-moons data for
2000 iterations at learning rates from 0.001 to 100, and the cost of every
iteration is read from ``loss_curve_``.
"""

# %%
# The data and the network
# ------------------------
# The two moons have features of order 1, so no scaling is needed. Every run
# starts from the same weights (``random_state=0``) and trains for exactly
# 2000 iterations: ``tol=0`` and ``n_iter_no_change=np.inf`` switch off the
# early stop, and ``alpha=0`` leaves out the L2 penalty, so the curves differ
# by the learning rate only.

import textwrap
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_moons
from sklearn.exceptions import ConvergenceWarning

from skdeepnn import DeepNNClassifier

X, y = make_moons(n_samples=300, noise=0.2, random_state=0)


def make_network(learning_rate):
    return DeepNNClassifier(
        hidden_layer_sizes=(10,),
        activation="relu",
        solver="gd",
        learning_rate=learning_rate,
        max_iter=2000,
        tol=0,
        n_iter_no_change=np.inf,
        alpha=0.0,
        random_state=0,
    )


# %%
# Training at each learning rate
# ------------------------------
# When the cost keeps rising far above where it started, the estimator stops
# and raises a ``ValueError`` that names the iteration and suggests a fix. We
# catch it and print its message: seeing it is part of the lesson. Runs that
# end while the cost still jumps up and down give a ``ConvergenceWarning``
# (the model then keeps the weights with the lowest cost); those warnings are
# silenced here, since the plot shows the same thing.

learning_rates = [0.001, 0.01, 0.1, 1.0, 3.0, 10.0, 100.0]
curves, accuracies = {}, {}
for lr in learning_rates:
    net = make_network(lr)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            net.fit(X, y)
    except ValueError as error:
        # The error's message, wrapped to the 100 columns the documentation shows.
        print(textwrap.fill(f"learning_rate={lr:g}: {error}", 100, subsequent_indent=" " * 4))
        continue
    curves[lr] = np.asarray(net.loss_curve_)
    accuracies[lr] = net.score(X, y)
    print(
        f"learning_rate={lr:g}: first cost {curves[lr][0]:.3f}, "
        f"highest {curves[lr].max():.3f}, last {curves[lr][-1]:.4f}, "
        f"training accuracy {accuracies[lr]:.1%}"
    )

# %%
# The cost curves
# ---------------
# * **0.001 and 0.01** are too small: after 2000 iterations the cost is still
#   falling slowly, and the network has not yet learned the moons' curved shape.
# * **0.1** is safe but still slow.
# * **1.0** works well: the cost falls fast and smoothly to about 0.045.
# * **3.0** falls even faster at first, to about the same cost, then the
#   steps overshoot: the cost zigzags (the jagged line) instead of settling.
#   The training accuracy is as high, but the rate is at the edge of what
#   gradient descent can take here.
# * **10** overshoots from the very first steps (the cost jumps from 1.05 to
#   2.6) and lands on a plateau near 0.25 that it never leaves: a much worse
#   model, though its steps no longer blow up.
# * **100** is not plotted: its cost exploded within a few iterations, and
#   the fit raised the error printed above.
#
# The y axis is logarithmic, so the small costs at the end can be told apart.

fig, (ax_cost, ax_acc) = plt.subplots(1, 2, figsize=(13, 4.8), width_ratios=[2, 1])
colors = plt.cm.viridis(np.linspace(0, 0.9, len(curves)))
for color, (lr, curve) in zip(colors, curves.items(), strict=True):
    ax_cost.plot(curve, color=color, label=f"learning_rate = {lr:g}", linewidth=1)
ax_cost.set_yscale("log")
ax_cost.set_xlabel("iteration")
ax_cost.set_ylabel("cross-entropy cost (log scale)")
ax_cost.set_title("Training cost of gradient descent")
ax_cost.legend()

labels = [f"{lr:g}" for lr in learning_rates]
heights = [accuracies.get(lr, 0.0) for lr in learning_rates]
bars = ax_acc.bar(labels, heights, color="tab:blue")
for bar, lr in zip(bars, learning_rates, strict=True):
    text = f"{accuracies[lr]:.0%}" if lr in accuracies else "diverged"
    ax_acc.annotate(
        text,
        (bar.get_x() + bar.get_width() / 2, bar.get_height()),
        ha="center",
        va="bottom",
        fontsize=9,
    )
ax_acc.set_ylim(0, 1.08)
ax_acc.set_xlabel("learning rate")
ax_acc.set_ylabel("training accuracy")
ax_acc.set_title("Accuracy after 2000 iterations")
fig.tight_layout()
plt.show()

# %%
# In practice, try rates a factor of about 3 to 10 apart, as here, plot the
# costs, and keep the largest rate whose cost still falls smoothly. The
# mini-batch optimizers of course 2 (momentum, RMSProp, Adam; see the
# optimizers example) and learning-rate decay (``lr_schedule``) make this
# choice less delicate.
