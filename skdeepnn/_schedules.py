r"""Learning-rate schedules: the learning rate of each epoch, from the initial one.

With :math:`\alpha_0` the initial learning rate and :math:`t` the epoch counted from 0
(for ``solver="gd"``, the iteration):

================  ===========================================================================
``constant``      :math:`\alpha_0`
``invscaling``    :math:`\alpha_0 / (t + 1)^{p}` (scikit-learn's, with ``power_t`` = p)
``inverse_time``  :math:`\alpha_0 / (1 + r\, t)` (the course's ``update_lr``, ``decay_rate`` = r)
``exponential``   :math:`\alpha_0\, r^{t}`
``step``          :math:`\alpha_0 / (1 + r \lfloor t / s \rfloor)`: the course's staircase,
                  lowered every ``decay_steps`` = s epochs (``schedule_lr_decay``)
``cosine``        :math:`\alpha_{min} + \frac{1}{2}(\alpha_0 - \alpha_{min})
                  (1 + \cos(\pi\, t_{cur} / T_i))`: cosine annealing with warm restarts
                  (SGDR); :math:`t_{cur}` counts the epochs since the last restart, the
                  periods are :math:`T_0` = ``restart_period`` and
                  :math:`T_{i+1} = m\, T_i` (``restart_multiplier`` = m); the estimators
                  anneal to :math:`\alpha_{min} = 0`
``adaptive``      :math:`\alpha_0`, divided by 5 each time the loss stops improving; this one
                  depends on the training history, so the training loop applies it
================  ===========================================================================
"""

import math

SCHEDULES = (
    "constant", "invscaling", "inverse_time", "exponential", "step", "cosine", "adaptive",
)  # fmt: skip


def scheduled_learning_rate(schedule, learning_rate, epoch, **options):
    """The learning rate of ``epoch`` (counted from 0) under ``schedule``.

    Parameters
    ----------
    schedule : str
        One of ``SCHEDULES``; "adaptive" returns ``learning_rate`` unchanged.
    learning_rate : float
        The initial learning rate.
    epoch : int
    **options
        The schedule's constants: ``decay_rate`` (float), ``decay_steps`` (int),
        ``power_t`` (float), ``restart_period`` (int) and ``restart_multiplier``
        (int); each schedule reads its own.

    Returns
    -------
    float
    """
    if schedule == "invscaling":
        return learning_rate / (epoch + 1) ** options["power_t"]
    if schedule == "inverse_time":
        return learning_rate / (1 + options["decay_rate"] * epoch)
    if schedule == "exponential":
        return learning_rate * options["decay_rate"] ** epoch
    if schedule == "step":
        return learning_rate / (1 + options["decay_rate"] * (epoch // options["decay_steps"]))
    if schedule == "cosine":
        return cosine_restarts(
            learning_rate, epoch, options["restart_period"], options["restart_multiplier"]
        )
    return learning_rate


def cosine_restarts(learning_rate, epoch, period, multiplier=1, min_rate=0.0):
    r"""Cosine annealing with warm restarts (SGDR: Loshchilov & Hutter, ICLR 2017).

    .. math::
        \alpha_t = \alpha_{min} + \frac{1}{2} (\alpha_0 - \alpha_{min})
                   \left(1 + \cos\left(\pi \frac{t_{cur}}{T_i}\right)\right)

    where period :math:`i` lasts :math:`T_i = T_0 m^i` epochs and :math:`t_{cur}` is the
    number of epochs since it began: the rate starts each period at :math:`\alpha_0`
    and falls along half a cosine towards :math:`\alpha_{min}`, which the period's last
    epoch nearly reaches, then restarts.

    Parameters
    ----------
    learning_rate : float
        :math:`\alpha_0`.
    epoch : int
        :math:`t`, counted from 0.
    period : int
        :math:`T_0`, at least 1.
    multiplier : int, default=1
        :math:`m`, at least 1.
    min_rate : float, default=0.0
        :math:`\alpha_{min}`.

    Returns
    -------
    float
    """
    t_cur, length = float(epoch), float(period)
    if multiplier == 1:
        t_cur %= length
    while t_cur >= length:  # the periods grow geometrically: a few turns
        t_cur -= length
        length *= multiplier
    return min_rate + (learning_rate - min_rate) * (1 + math.cos(math.pi * t_cur / length)) / 2
