"""The stopping rules of ``_stopping``, each alone, on sequences of values written here."""

import numpy as np
import pytest

from skdeepnn._batch_norm import BatchNorm
from skdeepnn._stopping import (
    AdaptiveLearningRate,
    BestWeights,
    DivergenceGuard,
    EpochLog,
    LowestLoss,
    NoImprovement,
    Oscillation,
)

# -- NoImprovement ------------------------------------------------------------------


def run(rule, values):
    """Feed ``values`` to ``rule``; the (new best?, count) after each."""
    return [(rule.update(v), rule.epochs_without_improvement) for v in values]


def test_no_improvement_counts_epochs_without_an_improvement_by_tol():
    rule = NoImprovement("training loss", tol=0.1, patience=3)
    assert run(rule, [1.0, 0.8, 0.75, 0.72, 0.69, 0.65, 1.5]) == [
        (True, 0),  # the first value is a best
        (True, 0),  # 0.2 below the best: an improvement
        (True, 1),  # a new best, but only 0.05 below the best: it does not count
        (True, 2),  # each small step is measured from the best so far, 0.75 ...
        (True, 3),  # ... 0.72: a slow drift never resets the count
        (True, 4),
        (False, 5),
    ]
    assert rule.best == 0.65 and rule.exhausted


def test_no_improvement_by_exactly_tol_counts():
    rule = NoImprovement("training loss", tol=0.25, patience=2)
    assert run(rule, [1.0, 0.75, 0.5, 0.5, 0.25]) == [
        (True, 0),
        (True, 0),
        (True, 0),
        (False, 1),  # equal to the best: no improvement
        (True, 0),
    ]


def test_nan_never_improves():
    rule = NoImprovement("validation score", tol=0.0, patience=5)
    assert run(rule, [np.nan, np.nan]) == [(False, 1), (False, 2)]
    assert rule.best == np.inf
    assert run(rule, [-0.5, np.nan, -0.7]) == [(True, 0), (False, 1), (True, 0)]
    assert rule.best == -0.7


def test_no_improvement_is_exhausted_after_patience_and_restarts():
    rule = NoImprovement("training loss", tol=0.0, patience=3)
    rule.update(1.0)
    for expected in [False, False, True]:
        rule.update(2.0)
        assert rule.exhausted == expected
    rule.update(2.0)
    assert rule.exhausted and rule.epochs_without_improvement == 4
    rule.restart()
    assert not rule.exhausted and rule.epochs_without_improvement == 0
    assert rule.best == 1.0  # the best is kept across a restart
    rule.update(1.0)  # equal to the best, with tol=0: an improvement by tol
    assert rule.epochs_without_improvement == 0


@pytest.mark.parametrize(
    ("quantity", "expected"),
    [("training loss", 0.4), ("validation loss", 0.6), ("validation score", -0.9)],
)
def test_value_picks_the_monitored_quantity(quantity, expected):
    rule = NoImprovement(quantity, tol=1e-4, patience=10)
    assert rule.value(0.4, val_loss=0.6, val_score=0.9) == expected


def test_value_of_a_training_loss_needs_no_validation():
    assert NoImprovement("training loss", 1e-4, 10).value(0.3) == 0.3


def test_a_rising_score_improves():
    rule = NoImprovement("validation score", tol=0.01, patience=2)
    values = [rule.value(None, None, score) for score in [0.5, 0.6, 0.605, 0.55]]
    assert run(rule, values) == [(True, 0), (True, 0), (True, 1), (False, 2)]
    assert rule.exhausted and rule.best == -0.605


def test_unknown_quantity_is_refused():
    with pytest.raises(ValueError, match="quantity must be one of"):
        NoImprovement("accuracy", 1e-4, 10)


# -- AdaptiveLearningRate ----------------------------------------------------------


class Optimizer:
    def __init__(self, learning_rate):
        self.learning_rate = learning_rate


def test_adaptive_divides_the_rate_by_5_and_restarts_the_count():
    optimizer = Optimizer(0.1)
    no_improvement = NoImprovement("training loss", 0.01, patience=2)
    run(no_improvement, [1.0, 1.0, 1.0])
    assert no_improvement.exhausted
    assert AdaptiveLearningRate().keeps_going(optimizer, no_improvement)
    assert optimizer.learning_rate == pytest.approx(0.02)
    assert no_improvement.epochs_without_improvement == 0


def test_adaptive_refuses_once_the_rate_is_tiny():
    optimizer = Optimizer(1e-3)
    no_improvement = NoImprovement("training loss", 0.0, patience=1)
    adaptive = AdaptiveLearningRate()
    rates = [optimizer.learning_rate]
    while adaptive.keeps_going(optimizer, no_improvement):
        rates.append(optimizer.learning_rate)
        no_improvement.update(np.inf)  # exhausted again
    # 1.6e-6 is still above 1e-6, and is divided once more; 3.2e-7 is not.
    np.testing.assert_allclose(rates, 1e-3 / 5.0 ** np.arange(6))
    assert optimizer.learning_rate == pytest.approx(3.2e-7)
    # Refusing changes nothing: neither the rate nor the count.
    optimizer = Optimizer(1e-6)
    no_improvement = NoImprovement("training loss", 0.01, patience=1)
    run(no_improvement, [1.0, 1.0])
    assert not adaptive.keeps_going(optimizer, no_improvement)
    assert optimizer.learning_rate == 1e-6
    assert no_improvement.exhausted


# -- Oscillation ---------------------------------------------------------------------


def test_still_moving_looks_at_the_last_patience_changes():
    rule = Oscillation(patience=3, tol=0.01, dtype=np.float64)
    assert rule.still_moving([1.0, 0.5, 0.6, 0.5, 0.6])
    assert not rule.still_moving([1.0, 0.5, 0.505, 0.5, 0.505])
    # A large change more than patience steps back no longer counts.
    assert not rule.still_moving([5.0, 0.5, 0.5, 0.5, 0.5])
    assert rule.still_moving([5.0, 0.5, 0.5, 0.5])  # the 4.5 drop is among the last 3


def test_a_moving_loss_keeps_going_until_the_wait_is_over():
    rule = Oscillation(patience=2, tol=1e-3, dtype=np.float64)
    curve = [1.0, 0.8, 0.9, 0.8, 0.9]
    limit = Oscillation.PATIENCE_FACTOR * 2
    assert limit == 40
    for epochs_since_lowest in [0, 1, limit - 1]:
        assert rule.keeps_going(curve, epochs_since_lowest)
        assert not rule.oscillating
    assert not rule.keeps_going(curve, limit)
    assert rule.oscillating


def test_a_settled_loss_does_not_keep_going():
    rule = Oscillation(patience=3, tol=1e-3, dtype=np.float64)
    curve = [1.0, 0.5, 0.5001, 0.5, 0.5002]
    assert not rule.keeps_going(curve, 0)
    assert not rule.oscillating  # settled, not oscillating


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_changes_within_float_rounding_do_not_count(dtype):
    eps = float(np.finfo(dtype).eps)
    loss = 1000.0
    rule = Oscillation(patience=3, tol=0.0, dtype=dtype)
    # Changes of a few ulps of the loss: rounding noise, not movement, even with tol=0.
    jitter = [loss, loss + 4 * eps * loss, loss, loss + 8 * eps * loss]
    assert not rule.still_moving(jitter)
    assert not rule.keeps_going(jitter, 0)
    # Well above 64 ulps, it moves.
    moving = [loss, loss + 200 * eps * loss, loss, loss + 200 * eps * loss]
    assert rule.still_moving(moving)


# -- LowestLoss ------------------------------------------------------------------------


def test_lowest_loss_keeps_a_copy_at_the_lowest_cost():
    params = np.array([1.0, 2.0, 3.0])
    lowest = LowestLoss()
    lowest.restore(params)  # nothing offered yet: nothing to restore
    np.testing.assert_array_equal(params, [1.0, 2.0, 3.0])
    for cost, step in [(5.0, 0.0), (3.0, 1.0), (4.0, 10.0), (3.0, 100.0), (6.0, 1000.0)]:
        params += step
        lowest.offer(cost, params)
    # The lowest, 3.0, was first offered after the second step: [2, 3, 4].
    assert lowest.cost == 3.0
    np.testing.assert_array_equal(lowest.params, [2.0, 3.0, 4.0])
    assert lowest.params is not params
    params[:] = -1
    np.testing.assert_array_equal(lowest.params, [2.0, 3.0, 4.0])
    lowest.restore(params)
    np.testing.assert_array_equal(params, [2.0, 3.0, 4.0])


def test_lowest_loss_ignores_nan():
    lowest = LowestLoss()
    params = np.zeros(2)
    lowest.offer(np.nan, params)
    assert lowest.cost == np.inf and lowest.params is None
    lowest.offer(1.0, params)
    lowest.offer(np.nan, params + 5)
    assert lowest.cost == 1.0
    np.testing.assert_array_equal(lowest.params, [0.0, 0.0])


# -- BestWeights ----------------------------------------------------------------------


def test_best_weights_save_and_restore_params():
    best = BestWeights()
    assert not best.saved
    params = np.array([0.5, -1.0])
    best.save(params)
    assert best.saved
    params *= 10
    best.restore(params)
    np.testing.assert_array_equal(params, [0.5, -1.0])


def test_best_weights_restore_in_place():
    """coefs_ and intercepts_ are views of params: restoring must write into it."""
    params = np.arange(6.0)
    W = params[:4].reshape(2, 2)
    best = BestWeights()
    best.save(params)
    params[:] = 0
    best.restore(params)
    np.testing.assert_array_equal(W, [[0.0, 1.0], [2.0, 3.0]])


def test_best_weights_keep_batch_norm_running_statistics():
    batch_norm = BatchNorm.initial([3], 0.9, np.float64)
    batch_norm.running_means[0][:] = [1.0, 2.0, 3.0]
    batch_norm.running_vars[0][:] = [4.0, 5.0, 6.0]
    batch_norm.n_updates = 7
    params = np.ones(4)
    best = BestWeights()
    best.save(params, batch_norm)
    # Training goes on: the weights and the running statistics move (in place).
    params += 1
    batch_norm.running_means[0] *= -1
    batch_norm.running_vars[0] += 10
    batch_norm.n_updates = 20
    means, variances = batch_norm.running_means[0], batch_norm.running_vars[0]
    best.restore(params, batch_norm)
    np.testing.assert_array_equal(params, np.ones(4))
    np.testing.assert_array_equal(batch_norm.running_means[0], [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(batch_norm.running_vars[0], [4.0, 5.0, 6.0])
    assert batch_norm.n_updates == 7
    # The same arrays, refilled: whatever holds them (a fitted attribute) sees the best.
    assert batch_norm.running_means[0] is means and batch_norm.running_vars[0] is variances


# -- DivergenceGuard -------------------------------------------------------------------


@pytest.mark.parametrize("first", [1e-6, 2.3, 1e10])
def test_divergence_needs_patience_rising_epochs_far_above_the_first(first):
    """Only the ratio to the first epoch counts, with a floor of 1 under it."""
    guard = DivergenceGuard(learning_rate=0.1)
    limit = DivergenceGuard.FACTOR * max(first, 1.0)
    guard.check_epoch(first, 1)
    assert guard.limit == limit
    guard.check_epoch(limit * 2, 2)
    guard.check_epoch(limit * 3, 3)  # rising, above, but only twice
    guard.check_epoch(limit * 2.5, 4)  # falling: the count starts again
    guard.check_epoch(limit * 2.6, 5)
    guard.check_epoch(limit * 2.7, 6)
    with pytest.raises(ValueError, match=r"diverged at iteration 7: the loss .* has risen"):
        guard.check_epoch(limit * 2.8, 7)


def test_a_jump_from_almost_nothing_to_little_is_no_divergence():
    """Adam's first steps from a perfect start: 1e-13 to 1e-7 is not a rise to alarm."""
    guard = DivergenceGuard(learning_rate=0.001)
    for iteration, loss in enumerate([4.7e-13, 1e-9, 1e-8, 1e-7, 4.8e-7, 5e-7], 1):
        guard.check_epoch(loss, iteration)


def test_a_large_loss_that_falls_is_no_divergence():
    """At a high learning rate the first epochs' cross-entropy can be in the thousands
    and still fall to a good model: no epoch is compared with an absolute bound."""
    guard = DivergenceGuard(learning_rate=10)
    for iteration, loss in enumerate([15550.0, 7345.5, 2863.4, 1270.8, 1784.8, 1.2, 0.3], 1):
        # one batch far above the epoch's mean
        assert guard.on_epoch_end(None, EpochLog(iteration, loss, loss * 40)) is None


def test_a_steady_score_with_a_falling_validation_loss_is_progress():
    """Accuracy often stays flat for the first epochs while the loss falls: that is
    progress, and of two epochs with the same score the lower loss is the better."""
    rule = NoImprovement("validation score", tol=0.01, patience=3)
    epochs = [(0.5, 0.70), (0.5, 0.65), (0.5, 0.649), (0.5, 0.60), (0.48, 0.50), (0.5, 0.61)]
    assert [
        (rule.update(-score, loss), rule.epochs_without_improvement) for score, loss in epochs
    ] == [
        (True, 0),
        (True, 0),  # same score, loss 0.05 lower: progress, and the better epoch
        (True, 1),  # same score, loss lower by less than tol: better, but no progress
        (True, 0),
        (False, 1),  # a lower score, whatever the loss
        (False, 2),  # the same score, but a higher loss than the best's
    ]
    assert rule.best == -0.5 and rule.best_tie == 0.60
    # A loss is monitored without a tie-breaker.
    loss_rule = NoImprovement("validation loss", tol=0.01, patience=3)
    assert [loss_rule.update(v, val_loss=v) for v in [0.5, 0.5]] == [True, False]


def test_scores_within_tol_tie_and_the_lower_loss_breaks_the_tie():
    """A weighted score can wobble far below tol while the loss falls: the checkpoint
    follows the loss, and the count of epochs without progress stays at 0."""
    rule = NoImprovement("validation score", tol=1e-4, patience=3)
    epochs = [(0.3333334, 0.04), (0.3333331, 0.02), (0.3333333, 0.01), (0.3333332, 0.00995)]
    results = [
        (rule.update(rule.value(None, loss, score), loss), rule.epochs_without_improvement)
        for score, loss in epochs
    ]
    # The last loss fell by less than tol: a new best (lower loss), but no progress.
    assert results == [(True, 0), (True, 0), (True, 0), (True, 1)]
    assert rule.best == -0.3333334  # the best score seen, not the checkpoint's
    assert rule.best_tie == 0.00995
    # A higher score by less than tol, with a higher loss: noise, not a new best.
    assert rule.update(-0.33334, 0.5) is False


def test_a_first_epoch_that_blew_up_is_measured_against_the_starting_loss():
    """The limit comes from the first batch's cost, at the starting weights: an epoch
    loss of 1e213 that keeps rising is divergence even though epoch 1 was as high."""
    guard = DivergenceGuard(learning_rate=0.1)
    guard.on_epoch_end(None, EpochLog(1, 2.68e213, first_cost=328.0))  # before any step
    assert guard.limit == DivergenceGuard.FACTOR * 328.0
    guard.on_epoch_end(None, EpochLog(2, 1.51e214, first_cost=1e200))  # the limit stays
    assert guard.limit == DivergenceGuard.FACTOR * 328.0
    guard.on_epoch_end(None, EpochLog(3, 2.00e214, first_cost=1e200))
    with pytest.raises(ValueError, match=r"iteration 4: .* 10000 times the starting loss"):
        guard.on_epoch_end(None, EpochLog(4, 2.10e214, first_cost=1e200))


def test_ending_on_a_loss_equal_to_the_lowest_up_to_rounding_is_not_oscillation():
    oscillation = Oscillation(patience=10, tol=0.0, dtype=np.float64)
    lowest = 0.6931471805599453
    assert not oscillation.above_lowest(lowest + 2e-16, lowest)  # one ulp above
    assert oscillation.above_lowest(lowest + 1e-9, lowest)
    assert not Oscillation(10, 1e-4, np.float64).above_lowest(lowest + 1e-5, lowest)
