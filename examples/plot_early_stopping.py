"""Early stopping: watch the validation loss turn up
==================================================

A large network trained long enough on noisy labels learns the noise: its training
loss keeps falling while the loss on data it never saw stops falling and then
rises. This example draws both curves with
:class:`~skdeepnn.plotting.LossCurveDisplay` for a ``DeepNNClassifier`` trained with
``early_stopping=True`` and for the same network trained for 300 epochs without it.

It illustrates two lessons of the course's second part ("Improving Deep Neural
Networks", week 1): the train / dev split tells bias from variance (a training
loss far below the dev loss is high variance, overfitting), and early stopping is a
regularizer: it keeps the weights of the epoch where the dev (validation) loss was
lowest, before the network had time to memorize the noise.
"""

# %%
# Noisy data, split three ways
# ----------------------------
# ``make_classification`` gives 20 features of which 6 carry the signal, and
# ``flip_y=0.1`` draws the label of a tenth of the samples at random, so that about
# 5 % of them carry a wrong label: no model can predict those, but a big enough
# network can memorize them. Half the samples are kept aside as a test set;
# the rest is split into a training set and a validation (the course's "dev") set.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_classification
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split

from skdeepnn import DeepNNClassifier
from skdeepnn.plotting import LossCurveDisplay

X, y = make_classification(
    n_samples=2000, n_features=20, n_informative=6, n_redundant=2, flip_y=0.1, random_state=0
)
X_rest, X_test, y_rest, y_test = train_test_split(X, y, test_size=0.5, stratify=y, random_state=0)
X_train, X_val, y_train, y_val = train_test_split(
    X_rest, y_rest, test_size=0.3, stratify=y_rest, random_state=0
)
print(f"train: {len(y_train)}, validation: {len(y_val)}, test: {len(y_test)} samples")

# %%
# The same network, with and without early stopping
# -------------------------------------------------
# Two hidden layers of 128 ReLU units, trained with Adam, is a lot of capacity for
# 700 training samples. Both networks get the same validation set through
# ``fit(..., X_val=, y_val=)``, so both record the validation loss and accuracy
# after every epoch; only the first one acts on them. With ``early_stopping=True``
# it stops once the validation loss has not improved for ``n_iter_no_change=20``
# epochs and puts back the weights of its best epoch, ``best_iteration_``.
# (Without ``X_val``, early stopping sets aside ``validation_fraction`` of the
# training data itself.) The second network has ``n_iter_no_change=np.inf``: it
# trains for all of its ``max_iter=300`` epochs.
params = dict(hidden_layer_sizes=(128, 128), learning_rate=1e-3, max_iter=300, random_state=0)
stopped = DeepNNClassifier(early_stopping=True, n_iter_no_change=20, **params)
stopped.fit(X_train, y_train, X_val=X_val, y_val=y_val)
full = DeepNNClassifier(n_iter_no_change=np.inf, **params)
full.fit(X_train, y_train, X_val=X_val, y_val=y_val)

print(
    f"early stopping: trained {stopped.n_iter_} epochs, kept the weights of epoch "
    f"{stopped.best_iteration_} (validation loss {stopped.best_loss_:.3f})"
)
print(
    f"no early stopping: trained {full.n_iter_} epochs, final validation loss "
    f"{full.validation_loss_curve_[-1]:.3f}"
)

# %%
# The loss curves
# ---------------
# :meth:`LossCurveDisplay.from_estimator <skdeepnn.plotting.LossCurveDisplay.from_estimator>`
# reads ``loss_curve_``, ``validation_loss_curve_``, ``validation_scores_`` and
# ``best_iteration_`` from the fitted estimator. The losses share the left axis;
# the validation accuracy has its own axis on the right. The dotted line marks the
# best iteration. On the right, the network that was not stopped drives its
# training loss towards zero while its validation loss climbs: it is memorizing
# the flipped labels. Its validation accuracy falls much less than its loss
# rises, because accuracy only asks which side of 0.5 a probability is on,
# while the cross-entropy also punishes a confident wrong answer.
fig, (left, right) = plt.subplots(ncols=2, figsize=(12, 4.5), sharey=True)
LossCurveDisplay.from_estimator(stopped, ax=left, name="early stopping")
left.set_title(f"early_stopping=True: stopped after {stopped.n_iter_} epochs")
LossCurveDisplay.from_estimator(full, ax=right, name="no early stopping")
right.set_title(f"early_stopping=False: {full.n_iter_} epochs")
fig.suptitle("DeepNNClassifier (128, 128) on noisy labels")
fig.tight_layout()
plt.show()

# %%
# What it means on the test set
# -----------------------------
# The test set played no part in training or stopping. The stopped network,
# trained for a fraction of the epochs, classifies about as well as the one
# trained for 300, and its probabilities are far better calibrated: the
# overfitted network is confidently wrong on the noisy samples, which the test
# log-loss (the cost function the course minimizes) shows plainly.
for name, model in [("early stopping", stopped), ("no early stopping", full)]:
    accuracy = model.score(X_test, y_test)
    test_loss = log_loss(y_test, model.predict_proba(X_test))
    train_accuracy = model.score(X_train, y_train)
    print(
        f"{name:>17}: train accuracy {train_accuracy:.3f}, test accuracy {accuracy:.3f}, "
        f"test log-loss {test_loss:.3f}"
    )
