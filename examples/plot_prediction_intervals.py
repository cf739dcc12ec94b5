"""Prediction intervals with the pinball loss
=============================================

A network trained on the squared error predicts the conditional mean of ``y``; it
says nothing about how far from that mean a new target may fall.
``DeepNNRegressor(loss="quantile", quantile=(0.05, 0.5, 0.95))`` predicts three
conditional quantiles at once instead, from one network with an output unit
each: the 5% and 95% quantiles bound a 90% prediction interval, and the median is
a robust point prediction.

The data have a known conditional distribution: ``y = x sin(x) / 2 + e``, with
Gaussian noise ``e`` whose scale grows with ``|x|`` (heteroscedastic noise). So
the true quantiles are known, and we can check the intervals: about 90% of new
targets should fall inside them, and they should widen where the noise grows.
"""

# %%
# Data whose noise grows with ``|x|``
# -----------------------------------
# The tau-quantile of ``y`` given ``x`` is ``f(x) + s(x) Phi^{-1}(tau)``, with
# ``f(x) = x sin(x) / 2``, ``s(x) = 0.2 + 0.4 |x|`` and ``Phi`` the standard
# normal distribution function.
import matplotlib.pyplot as plt
import numpy as np
from scipy.stats import norm

from skdeepnn import DeepNNRegressor


def f(x):
    return x * np.sin(x) / 2


def s(x):
    return 0.2 + 0.4 * np.abs(x)


rng = np.random.default_rng(0)
x_train = rng.uniform(-4, 4, size=3000)
y_train = f(x_train) + s(x_train) * rng.standard_normal(x_train.size)
x_test = rng.uniform(-4, 4, size=5000)
y_test = f(x_test) + s(x_test) * rng.standard_normal(x_test.size)

# %%
# Three quantiles, one network
# ----------------------------
# ``predict`` returns one column per quantile, ``(n_samples, 3)``, sorted in each
# row: quantiles trained separately could cross, and ``predict`` repairs that by
# sorting them, which never increases the pinball loss.
quantiles = (0.05, 0.5, 0.95)
model = DeepNNRegressor(
    loss="quantile",
    quantile=quantiles,
    hidden_layer_sizes=(64, 64),
    learning_rate=0.01,
    max_iter=200,
    early_stopping=True,
    random_state=0,
).fit(x_train.reshape(-1, 1), y_train)

low, median, high = model.predict(x_test.reshape(-1, 1)).T
inside = (low <= y_test) & (y_test <= high)
print(f"Held-out targets inside the 90% interval: {inside.mean():.1%}")
print(
    f"score (D² pinball, mean over the quantiles): {model.score(x_test.reshape(-1, 1), y_test):.3f}"
)

# %%
# The intervals against the true quantiles
# ----------------------------------------
# Dashed: the true 5%, 50% and 95% quantiles. The learned band follows them, narrow
# near 0 and wide at the edges.
grid = np.linspace(-4, 4, 400)
predicted = model.predict(grid.reshape(-1, 1))
true = f(grid)[:, None] + s(grid)[:, None] * norm.ppf(quantiles)

fig, ax = plt.subplots(figsize=(8, 4.5))
ax.scatter(x_test[:1000], y_test[:1000], s=4, color="0.6", label="held-out data")
ax.fill_between(grid, predicted[:, 0], predicted[:, 2], alpha=0.3, label="predicted 90% interval")
ax.plot(grid, predicted[:, 1], color="C0", label="predicted median")
for j in range(3):
    ax.plot(grid, true[:, j], "k--", lw=1, label="true quantiles" if j == 0 else None)
ax.set_xlabel("x")
ax.set_ylabel("y")
ax.set_title(f"DeepNNRegressor(loss='quantile'): {inside.mean():.1%} of new targets inside")
ax.legend(loc="upper center")
plt.show()

# %%
# Coverage where the noise is small and where it is large
# -------------------------------------------------------
# A good interval holds about 90% of the targets everywhere, not only on average:
# its width adapts to the noise.
for name, rows in [("|x| < 1", np.abs(x_test) < 1), ("|x| > 3", np.abs(x_test) > 3)]:
    width = np.mean(high[rows] - low[rows])
    print(f"{name}: coverage {inside[rows].mean():.1%}, mean width {width:.2f}")
