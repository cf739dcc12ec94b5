"""Multilabel classification: one sigmoid unit per label
======================================================

Some samples carry several labels at once: a photo can show a cat *and* a dog, a
news article can be about sport *and* money. ``DeepNNClassifier`` accepts such
targets as an indicator matrix ``Y`` of shape (n_samples, n_labels), with a 1
where a sample has the label, and gives its output layer one sigmoid unit per
label, trained on the binary cross-entropy of each. This example compares it,
label by label, with logistic regressions that learn each label on its own.

The course's lesson here is the choice of the output layer: softmax when each
sample belongs to exactly one of several classes (its probabilities sum to 1),
and a sigmoid per output when the labels are separate yes/no questions (each
probability stands alone). The hidden layers are shared by all the labels, so
what one label's units learn can serve the others.
"""

# %%
# Data
# ----
# ``make_multilabel_classification`` draws documents of word counts (20 features)
# from 5 topics; each document has about 2 topics on average.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_multilabel_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, hamming_loss
from sklearn.model_selection import train_test_split
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdeepnn import DeepNNClassifier, LogisticRegressionGD

X, Y = make_multilabel_classification(
    n_samples=2000, n_features=20, n_classes=5, n_labels=2, random_state=0
)
X_train, X_test, Y_train, Y_test = train_test_split(X, Y, test_size=0.3, random_state=0)
print(f"Y has shape {Y.shape}; the first rows:\n{Y[:3]}")
print(f"labels per sample: {Y.sum(axis=1).mean():.2f} on average")

# %%
# Three models
# ------------
# - ``OneVsRestClassifier(LogisticRegression())``: scikit-learn fits one logistic
#   regression per label, each on its own.
# - ``LogisticRegressionGD``: the course's logistic regression, which also takes
#   an indicator matrix: one sigmoid per label and no hidden layer, the same model
#   as the one above, trained by gradient descent.
# - ``DeepNNClassifier`` with a hidden layer of 64 ReLU units shared by the five
#   sigmoid outputs, and early stopping on a validation split.
#
# All three see standardized word counts. Nothing in the call says "multilabel":
# a 2-D ``Y`` of 0s and 1s is enough.
models = {
    "OneVsRest LogisticRegression": make_pipeline(
        StandardScaler(), OneVsRestClassifier(LogisticRegression(max_iter=1000))
    ),
    "LogisticRegressionGD": make_pipeline(StandardScaler(), LogisticRegressionGD()),
    "DeepNNClassifier (64,)": make_pipeline(
        StandardScaler(),
        DeepNNClassifier(hidden_layer_sizes=(64,), early_stopping=True, random_state=0),
    ),
}
for model in models.values():
    model.fit(X_train, Y_train)

net = models["DeepNNClassifier (64,)"]
proba = net.predict_proba(X_test[:2])
print(f"predict_proba gives one probability per label:\n{proba.round(3)}")
print(f"their row sums ({proba.sum(axis=1).round(2)}) need not be 1: each is its own sigmoid")

# %%
# Scores
# ------
# Three ways to score a multilabel prediction:
#
# - the F1 score of each label (the harmonic mean of its precision and recall);
# - the Hamming loss: the fraction of the (sample, label) entries that are
#   wrong, lower is better;
# - the subset accuracy: the fraction of samples whose labels are all right, a
#   strict score (``DeepNNClassifier.score`` and its validation score report it).
f1 = {}
for name, model in models.items():
    Y_pred = model.predict(X_test)
    f1[name] = f1_score(Y_test, Y_pred, average=None)
    print(
        f"{name:>28}: Hamming loss {hamming_loss(Y_test, Y_pred):.3f}, "
        f"subset accuracy {accuracy_score(Y_test, Y_pred):.3f}, "
        f"mean F1 {f1[name].mean():.3f}"
    )

# %%
# F1 per label
# ------------
# The two logistic regressions agree label by label, as they should: they are
# the same model. The network does better on four of the five labels: its
# hidden layer, shared by the labels, learns features of the word counts that
# serve several topics at once, and combinations of counts that a logistic
# regression, linear in the counts, cannot express.
labels = np.arange(Y.shape[1])
width = 0.27
fig, ax = plt.subplots(figsize=(8, 4.5))
for offset, (name, scores) in enumerate(f1.items()):
    ax.bar(labels + (offset - 1) * width, scores, width, label=name)
ax.set_xticks(labels, [f"label {label}" for label in labels])
ax.set_ylim(0, 1.1)
ax.set_ylabel("F1 score on the test set")
ax.set_title("Multilabel topics: F1 of each label")
ax.legend(loc="upper center", ncols=3, fontsize="small")
fig.tight_layout()
plt.show()
