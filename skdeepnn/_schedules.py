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
``adaptive``      :math:`\alpha_0`, divided by 5 each time the loss stops improving; this one
                  depends on the training history, so the training loop applies it
================  ===========================================================================
"""

SCHEDULES = ("constant", "invscaling", "inverse_time", "exponential", "step", "adaptive")


def scheduled_learning_rate(schedule, learning_rate, epoch, decay_rate, decay_steps, power_t):
    """The learning rate of ``epoch`` (counted from 0) under ``schedule``.

    Parameters
    ----------
    schedule : str
        One of ``SCHEDULES``; "adaptive" returns ``learning_rate`` unchanged.
    learning_rate : float
        The initial learning rate.
    epoch : int
    decay_rate : float
    decay_steps : int
    power_t : float

    Returns
    -------
    float
    """
    if schedule == "invscaling":
        return learning_rate / (epoch + 1) ** power_t
    if schedule == "inverse_time":
        return learning_rate / (1 + decay_rate * epoch)
    if schedule == "exponential":
        return learning_rate * decay_rate**epoch
    if schedule == "step":
        return learning_rate / (1 + decay_rate * (epoch // decay_steps))
    return learning_rate
