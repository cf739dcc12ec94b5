"""Tuning the learning rate and the hidden layers with a grid search
=================================================================

The learning rate (the course's alpha) and the size of the hidden layers are the
first hyperparameters to tune. This example searches both with scikit-learn's
``GridSearchCV`` for a ``StandardScaler`` + ``DeepNNClassifier`` pipeline on the
8x8 digits images, and draws the cross-validated accuracy of every pair as a heat
map.

It follows the course's hyperparameter tuning lesson ("Improving Deep Neural
Networks", week 3): alpha matters most, and its values are tried on a log scale
(0.0001, 0.001, 0.01, 0.1) rather than evenly, because a step from 0.0001 to 0.001
changes training as much as one from 0.01 to 0.1. Each candidate is judged on
data it was not trained on (the dev set, here three cross-validation folds), and
the test set is used once, at the end.
"""

# %%
# Data and pipeline
# -----------------
# The digits are 1797 images of 8x8 gray levels, 64 features from 0 to 16. The
# pipeline standardizes them (mean 0, variance 1 per pixel, learned on the
# training folds only) before the network: gradient descent works best on inputs
# of similar scale, as the course's "normalizing inputs" lesson shows.
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdeepnn import DeepNNClassifier

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
model = make_pipeline(StandardScaler(), DeepNNClassifier(max_iter=50, random_state=0))

# %%
# The grid
# --------
# Four architectures, from one layer of 8 units to two layers of 64, and four
# learning rates on a log scale: 16 candidates, each trained on three folds. Every
# fit is cut at ``max_iter=50`` epochs of Adam to keep the search quick, so the
# slowest learning rates have not converged when they stop: scikit-learn would
# warn about each of them, and this example silences that warning on purpose.
sizes = [(8,), (32,), (128,), (64, 64)]
learning_rates = [1e-4, 1e-3, 1e-2, 1e-1]
search = GridSearchCV(
    model,
    {
        "deepnnclassifier__hidden_layer_sizes": sizes,
        "deepnnclassifier__learning_rate": learning_rates,
    },
    cv=3,
)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    search.fit(X_train, y_train)

print(f"best parameters: {search.best_params_}")
print(f"best cross-validated accuracy: {search.best_score_:.3f}")
print(f"test accuracy of the refitted best pipeline: {search.score(X_test, y_test):.3f}")

# %%
# The heat map
# ------------
# ``cv_results_`` holds one entry per candidate; we place each candidate's mean
# accuracy over the three folds in a table of architectures (rows) by learning
# rates (columns), and annotate each cell with the mean and the standard
# deviation across folds.
results = search.cv_results_
mean = np.empty((len(sizes), len(learning_rates)))
std = np.empty_like(mean)
for candidate, params in enumerate(results["params"]):
    row = sizes.index(params["deepnnclassifier__hidden_layer_sizes"])
    column = learning_rates.index(params["deepnnclassifier__learning_rate"])
    mean[row, column] = results["mean_test_score"][candidate]
    std[row, column] = results["std_test_score"][candidate]

fig, ax = plt.subplots(figsize=(7, 5))
image = ax.imshow(mean, cmap="viridis", vmin=0, vmax=1)
for row in range(len(sizes)):
    for column in range(len(learning_rates)):
        value = mean[row, column]
        ax.text(
            column,
            row,
            f"{value:.3f}\n± {std[row, column]:.3f}",
            ha="center",
            va="center",
            color="black" if value > 0.6 else "white",
        )
ax.set_xticks(range(len(learning_rates)), [f"{rate:g}" for rate in learning_rates])
ax.set_yticks(range(len(sizes)), [str(size) for size in sizes])
ax.set_xlabel("learning_rate (alpha)")
ax.set_ylabel("hidden_layer_sizes")
ax.set_title("Digits: mean cross-validated accuracy (3 folds, 50 epochs of Adam)")
fig.colorbar(image, ax=ax, label="accuracy")
fig.tight_layout()
plt.show()

# %%
# Reading the map
# ---------------
# At ``learning_rate=0.0001`` 50 epochs are not enough for any architecture:
# the steps are too small, and none of the networks gets near its best. At 0.1
# the steps start to overshoot, worst for the deepest network. In between lies
# a broad band where most architectures do well: one more reason to search the
# learning rate first, and on a log scale. The best pipeline was refitted on
# the whole training set (``refit=True``) and scored once on the test set above.
best = search.best_estimator_[-1]
print(
    f"the best network trained {best.n_iter_} epochs on the whole training set, "
    f"final training loss {best.loss_:.4f}"
)
