r"""Optimizers: small objects that update parameter arrays in place.

Each optimizer keeps its own state (velocities, squared-gradient averages, step
count), one array per parameter, and exposes one method::

    optimizer.update(params, grads)

which moves every ``params[i]`` against ``grads[i]``. The learning rate is the
attribute ``learning_rate``, so a training loop can change it between steps.
All arithmetic happens in the parameters' own dtype, and every ``y += a * x``
goes through BLAS's one-pass ``axpy`` (``_blas.add_scaled``).

The update rules follow the course (course 2, week 2), with ``v`` the exponentially
weighted average of the gradients and ``s`` that of their squares:

================  ===========================================================
gradient descent  :math:`\theta \leftarrow \theta - \alpha\, d\theta`
momentum          :math:`v \leftarrow \beta_1 v + (1 - \beta_1)\, d\theta;\;
                  \theta \leftarrow \theta - \alpha v`
RMSProp           :math:`s \leftarrow \beta_2 s + (1 - \beta_2)\, d\theta^2;\;
                  \theta \leftarrow \theta - \alpha\, d\theta / (\sqrt{s} + \epsilon)`
Adam              both averages, bias-corrected by :math:`1 - \beta^t`:
                  :math:`\theta \leftarrow \theta - \alpha\, \hat v / (\sqrt{\hat s} + \epsilon)`
================  ===========================================================
"""

import math

import numpy as np

from ._blas import add_scaled
from ._namespace import zeros_like


class GradientDescent:
    """Plain (mini-batch) gradient descent: ``theta -= learning_rate * dtheta``.

    Parameters
    ----------
    params : list of ndarray
        The arrays that will be updated; only their shapes and dtypes are read here.
    learning_rate : float
    """

    def __init__(self, params, learning_rate):
        self.learning_rate = learning_rate
        self.shapes = [p.shape for p in params]
        self._scratch = None  # allocated by the first step that needs one

    def __getstate__(self):
        # The scratch arrays hold nothing between steps: keep them out of pickles.
        return {**self.__dict__, "_scratch": None}

    def _step_buffers(self, grads):
        """Scratch arrays like ``grads``, allocated at the first call (and after unpickling)."""
        if self._scratch is None:
            self._scratch = [np.empty_like(g) for g in grads]
        return self._scratch

    def update(self, params, grads):
        """Take one step on every parameter, in place."""
        for param, grad in zip(params, grads, strict=True):
            add_scaled(grad, param, -self.learning_rate)

    def _state(self):
        """The arrays that carry the optimizer's memory from one step to the next."""
        return []

    def continue_from(self, previous):
        """Take over ``previous``'s state (averages, step count), so training goes on.

        ``previous`` must be an optimizer of the same kind over parameters of the
        same shapes; this optimizer keeps its own hyperparameters.
        """
        for mine, theirs in zip(self._state(), previous._state(), strict=True):
            mine[...] = theirs
        if hasattr(previous, "t"):  # Adam's step count, for its bias corrections
            self.t = previous.t


class Momentum(GradientDescent):
    r"""Gradient descent with momentum: steps along ``v``, the average of recent gradients.

    With ``nesterov=True`` the step looks ahead, the way Nesterov's accelerated
    gradient does: it moves along :math:`\beta_1 v + (1 - \beta_1)\, d\theta`, the
    average as it will be after one more step in the same direction.

    Parameters
    ----------
    params : list of ndarray
    learning_rate : float
    beta_1 : float
        Decay of the gradient average; about ``1 / (1 - beta_1)`` steps are averaged.
    nesterov : bool
    """

    def __init__(self, params, learning_rate, beta_1=0.9, nesterov=False):
        super().__init__(params, learning_rate)
        self.beta_1 = beta_1
        self.nesterov = nesterov
        self.velocities = [zeros_like(p) for p in params]

    def update(self, params, grads):
        """``v = beta_1 v + (1 - beta_1) dtheta``; ``theta -= learning_rate * v``."""
        for param, grad, v in zip(params, grads, self.velocities, strict=True):
            v *= self.beta_1
            add_scaled(grad, v, 1 - self.beta_1)
            if self.nesterov:  # step along beta_1 v + (1 - beta_1) g, v already updated
                add_scaled(v, param, -self.learning_rate * self.beta_1)
                add_scaled(grad, param, -self.learning_rate * (1 - self.beta_1))
            else:
                add_scaled(v, param, -self.learning_rate)

    def _state(self):
        return self.velocities


class RMSProp(GradientDescent):
    """RMSProp: divides each step by the root of the average squared gradient.

    Parameters
    ----------
    params : list of ndarray
    learning_rate : float
    beta_2 : float
        Decay of the squared-gradient average.
    epsilon : float
        Added to the root so that a zero average does not divide by zero.
    """

    def __init__(self, params, learning_rate, beta_2=0.999, epsilon=1e-8):
        super().__init__(params, learning_rate)
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.squared_averages = [zeros_like(p) for p in params]

    def _state(self):
        return self.squared_averages

    def update(self, params, grads):
        """``s = beta_2 s + (1 - beta_2) dtheta**2``; ``theta -= lr dtheta / (sqrt(s) + eps)``."""
        for param, grad, s, step in zip(
            params, grads, self.squared_averages, self._step_buffers(grads), strict=True
        ):
            s *= self.beta_2
            np.square(grad, out=step)
            add_scaled(step, s, 1 - self.beta_2)
            np.sqrt(s, out=step)
            step += self.epsilon
            np.divide(grad, step, out=step)
            add_scaled(step, param, -self.learning_rate)


class Adam(GradientDescent):
    """Adam: momentum and RMSProp together, with bias correction.

    Parameters
    ----------
    params : list of ndarray
    learning_rate : float
    beta_1 : float
        Decay of the gradient average ``v``.
    beta_2 : float
        Decay of the squared-gradient average ``s``.
    epsilon : float

    Attributes
    ----------
    t : int
        The number of steps taken; the bias corrections divide by ``1 - beta**t``.
    """

    def __init__(self, params, learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
        super().__init__(params, learning_rate)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.t = 0
        self.velocities = [zeros_like(p) for p in params]
        self.squared_averages = [zeros_like(p) for p in params]

    def _state(self):
        return self.velocities + self.squared_averages

    def next_step(self):
        r"""Count a step, and return its ``(epsilon, step_size)`` with the bias corrections
        folded in: with :math:`c = \sqrt{1 - \beta_2^t}`,

        .. math::
            \alpha \frac{\hat v}{\sqrt{\hat s} + \epsilon}
            = \frac{\alpha c}{1 - \beta_1^t} \cdot \frac{v}{\sqrt{s} + \epsilon c}

        so that a step needs no pass to divide ``v`` and ``s`` by their corrections.
        The fused kernels (``_kernels``) take the same two numbers.
        """
        self.t += 1
        v_correction = 1 - self.beta_1**self.t
        s_root_correction = math.sqrt(1 - self.beta_2**self.t)
        return (
            self.epsilon * s_root_correction,
            self.learning_rate * s_root_correction / v_correction,
        )

    def update(self, params, grads):
        r"""One Adam step on every parameter, in place.

        .. math::
            \hat v = \frac{v}{1 - \beta_1^t}, \quad
            \hat s = \frac{s}{1 - \beta_2^t}, \quad
            \theta \leftarrow \theta - \alpha \frac{\hat v}{\sqrt{\hat s} + \epsilon}
        """
        epsilon, step_size = self.next_step()
        for param, grad, v, s, step in zip(
            params,
            grads,
            self.velocities,
            self.squared_averages,
            self._step_buffers(grads),
            strict=True,
        ):
            # The textbook two-term averages: rewriting them as v += (1 - beta)(g - v)
            # saves a pass but, in float32, loses g when beta is 0 and v >> g.
            v *= self.beta_1
            add_scaled(grad, v, 1 - self.beta_1)
            s *= self.beta_2
            np.square(grad, out=step)
            add_scaled(step, s, 1 - self.beta_2)
            np.sqrt(s, out=step)
            step += epsilon
            np.divide(v, step, out=step)
            add_scaled(step, param, -step_size)


#: The optimizer behind each solver; "gd" and "sgd" differ only in batching.
OPTIMIZERS = {
    "gd": GradientDescent,
    "sgd": GradientDescent,
    "momentum": Momentum,
    "rmsprop": RMSProp,
    "adam": Adam,
}


def make_optimizer(solver, params, learning_rate, options, previous=None, keep_rate=False):
    """The optimizer of ``solver`` over ``params``; it takes over ``previous``'s state when it can.

    The state (averages, step count) carries over when the solver and the
    parameter shapes are the same (warm start, partial_fit); the hyperparameters
    are always the given ones, and so is the learning rate unless ``keep_rate``
    (the "adaptive" schedule, whose rate is part of the history).

    Parameters
    ----------
    solver : str
        A key of ``OPTIMIZERS``.
    params : list of ndarray
    learning_rate : float
    options : dict
        ``beta_1``, ``beta_2``, ``epsilon`` and ``nesterov``: each optimizer takes
        the ones it uses.
    previous : optimizer, optional
    keep_rate : bool, default=False
    """
    wanted = {
        "gd": (),
        "sgd": (),
        "momentum": ("beta_1", "nesterov"),
        "rmsprop": ("beta_2", "epsilon"),
        "adam": ("beta_1", "beta_2", "epsilon"),
    }[solver]
    # Python floats, not NumPy scalars: a np.float64 factor would make every
    # in-place update of a float32 array compute in float64.
    optimizer = OPTIMIZERS[solver](
        params, float(learning_rate), **{name: options[name] for name in wanted}
    )
    if type(previous) is type(optimizer) and previous.shapes == [p.shape for p in params]:
        optimizer.continue_from(previous)
        if keep_rate:
            optimizer.learning_rate = previous.learning_rate
    return optimizer


#: Each optimizer class by its name, as model files and pickles record it.
OPTIMIZER_CLASSES = {cls.__name__: cls for cls in (GradientDescent, Momentum, RMSProp, Adam)}


def optimizer_state(optimizer):
    """The optimizer as plain data (its class name, hyperparameters, step count and state
    arrays), for a pickle or a skops file to hold without any skdeepnn class."""
    attributes = {name: value for name, value in vars(optimizer).items() if name != "_scratch"}
    return {"name": type(optimizer).__name__, **attributes}


def optimizer_from_state(state):
    """The optimizer that ``optimizer_state`` described."""
    optimizer = object.__new__(OPTIMIZER_CLASSES[state["name"]])
    vars(optimizer).update({name: value for name, value in state.items() if name != "name"})
    optimizer._scratch = None
    return optimizer
