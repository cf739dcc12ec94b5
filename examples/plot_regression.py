"""Regression with DeepNNRegressor: squared error, Huber loss, and a linear baseline
===================================================================================

``DeepNNRegressor`` is the course's L-layer network with a linear output unit, the
house-price network of the first week: the hidden layers build features, and the
last layer combines them into a number. This example first fits a noisy sine
curve that has a few gross outliers, with the squared error and with the Huber
loss, and draws both fits over the data. It then measures the network on
scikit-learn's diabetes data against a linear model, ``Ridge``.

Two lessons: the loss is a modelling choice (the squared error lets a few bad
points pull the whole fit, the Huber loss bounds their pull), and a deep network
is not better by default. On a small table of ten features whose relation to the
target is close to linear, a well regularized linear model is hard to beat.
"""

# %%
# A sine curve with outliers
# --------------------------
# 200 points of ``sin(x)`` with a little Gaussian noise, of which 12 get pushed up
# by 3 to 5: sensor glitches, say. ``y`` is already of order 1, so it needs no
# standardizing here.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_diabetes
from sklearn.linear_model import Ridge
from sklearn.metrics import r2_score
from sklearn.model_selection import KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdeepnn import DeepNNRegressor

rng = np.random.default_rng(0)
x = np.sort(rng.uniform(-3, 3, size=200))
y = np.sin(x) + rng.normal(scale=0.1, size=x.size)
outliers = rng.choice(x.size, size=12, replace=False)
y[outliers] += rng.uniform(3, 5, size=outliers.size)
X = x.reshape(-1, 1)  # scikit-learn wants one row per sample, one column per feature

# %%
# Two losses, the same network
# ----------------------------
# Two hidden layers of 64 tanh units, trained with Adam. ``loss="squared_error"``
# minimizes ``(prediction - y)^2 / 2``: a residual of 4 weighs 16 times as much as
# a residual of 1, so the outliers drag the curve up. ``loss="huber"`` is the same
# near the target but grows only linearly beyond ``huber_delta`` (1.0, in the
# units of ``y``), so each outlier pulls with a bounded force.
fits = {}
for loss in ["squared_error", "huber"]:
    net = DeepNNRegressor(
        hidden_layer_sizes=(64, 64),
        activation="tanh",
        loss=loss,
        learning_rate=0.01,
        max_iter=1000,
        random_state=0,
    )
    fits[loss] = net.fit(X, y)

# How close is each fit to the true curve, the sine without noise or outliers?
x_grid = np.linspace(-3, 3, 300)
truth = np.sin(x_grid)
for loss, net in fits.items():
    prediction = net.predict(x_grid.reshape(-1, 1))
    print(
        f"{loss:>13}: {net.n_iter_} epochs, R² against sin(x) = {r2_score(truth, prediction):.3f}, "
        f"mean offset from sin(x) = {np.mean(prediction - truth):+.3f}"
    )

# %%
# The squared-error fit is lifted towards the outliers: the squared error is
# minimized by the mean, and 12 points about 4 too high lift the mean of 200 by
# about 0.2. It is also flattened: the outliers' squared residuals make up most
# of the loss and of its epoch-to-epoch noise, so the small gains of fitting the
# sine better do not register, and training stops early (after 10 epochs without
# an improvement of ``tol``). The Huber fit follows the sine, as a median would.
inliers = np.setdiff1d(np.arange(x.size), outliers)
fig, ax = plt.subplots(figsize=(8, 4.5))
ax.scatter(x[inliers], y[inliers], s=12, color="gray", alpha=0.6, label="data")
ax.scatter(x[outliers], y[outliers], s=30, color="tab:red", marker="x", label="outliers")
ax.plot(x_grid, truth, color="black", linestyle=":", label="sin(x), the truth")
colors = {"squared_error": "tab:orange", "huber": "tab:blue"}
for loss, net in fits.items():
    prediction = net.predict(x_grid.reshape(-1, 1))
    ax.plot(x_grid, prediction, color=colors[loss], linewidth=2, label=f'loss="{loss}"')
ax.set_xlabel("x")
ax.set_ylabel("y")
ax.set_title("DeepNNRegressor (64, 64) tanh: squared error vs Huber loss")
ax.legend()
fig.tight_layout()
plt.show()

# %%
# A real data set: diabetes
# -------------------------
# 442 patients, 10 features (age, sex, body mass index, blood pressure and six
# blood serum measurements), and a measure of the disease's progression one year
# later. The network gets both its inputs and its target standardized: the
# ``StandardScaler`` in the pipeline scales ``X``, and ``TransformedTargetRegressor``
# scales ``y`` for training and scales the predictions back. A target in the
# hundreds would otherwise start with huge gradients, and ``huber_delta`` and the
# L2 strength ``alpha`` are easier to choose on a target of unit scale. With so
# few samples the network is kept small and strongly regularized (``alpha=1.0``,
# the course's lambda, and early stopping).
#
# Both models are scored by 5-fold cross-validation with the coefficient of
# determination R² (1 is perfect, 0 is as good as predicting the mean).
X_diabetes, y_diabetes = load_diabetes(return_X_y=True)
models = {
    "Ridge (linear)": make_pipeline(StandardScaler(), Ridge(alpha=1.0)),
    "DeepNNRegressor (32,)": TransformedTargetRegressor(
        make_pipeline(
            StandardScaler(),
            DeepNNRegressor(
                hidden_layer_sizes=(32,),
                alpha=1.0,
                early_stopping=True,
                max_iter=1000,
                random_state=0,
            ),
        ),
        transformer=StandardScaler(),
    ),
}
cv = KFold(n_splits=5, shuffle=True, random_state=0)
scores = {}
for name, model in models.items():
    scores[name] = cross_val_score(model, X_diabetes, y_diabetes, cv=cv, scoring="r2")
    print(f"{name:>22}: R² = {scores[name].mean():.3f} ± {scores[name].std():.3f}")

# %%
# The network is no better than the linear model here, and both vary as much from
# fold to fold as they differ from each other: with about 350 training samples per
# fold and a nearly linear signal, the extra flexibility of hidden units buys
# nothing. Try a network when the relation
# is strongly non-linear (as the sine above) or the data are plentiful.
fig, ax = plt.subplots(figsize=(6, 4))
names = list(scores)
for position, name in enumerate(names):
    ax.scatter(
        np.full(5, position),
        scores[name],
        color="gray",
        zorder=3,
        label="a fold" if position == 0 else None,
    )
ax.bar(
    range(len(names)),
    [scores[name].mean() for name in names],
    yerr=[scores[name].std() for name in names],
    color=["tab:gray", "tab:blue"],
    alpha=0.7,
    capsize=6,
    label="mean ± std",
)
ax.set_xticks(range(len(names)), names)
ax.set_ylabel("R² (5-fold cross-validation)")
ax.set_title("Diabetes progression: linear model vs network")
ax.legend(loc="lower right")
fig.tight_layout()
plt.show()
