r"""Optimizers: small objects that update parameter arrays in place.

Each optimizer keeps its own state (velocities, squared-gradient averages, step
count), one array per parameter, and exposes one method::

    optimizer.update(params, grads)

which moves every ``params[i]`` against ``grads[i]``. The learning rate is the
attribute ``learning_rate``, so a training loop can change it between steps.
All arithmetic happens in the parameters' own dtype.

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
        self._scratch = [np.empty_like(p) for p in params]

    def update(self, params, grads):
        """Take one step on every parameter, in place."""
        for param, grad, step in zip(params, grads, self._scratch, strict=True):
            np.multiply(grad, self.learning_rate, out=step)
            param -= step


class Momentum(GradientDescent):
    """Gradient descent with momentum: steps along ``v``, the average of recent gradients.

    Parameters
    ----------
    params : list of ndarray
    learning_rate : float
    beta_1 : float
        Decay of the gradient average; about ``1 / (1 - beta_1)`` steps are averaged.
    """

    def __init__(self, params, learning_rate, beta_1=0.9):
        super().__init__(params, learning_rate)
        self.beta_1 = beta_1
        self.velocities = [np.zeros_like(p) for p in params]

    def update(self, params, grads):
        """``v = beta_1 v + (1 - beta_1) dtheta``; ``theta -= learning_rate * v``."""
        for param, grad, v, step in zip(params, grads, self.velocities, self._scratch, strict=True):
            np.subtract(grad, v, out=step)  # v += (1 - beta_1) (g - v)
            step *= 1 - self.beta_1
            v += step
            np.multiply(v, self.learning_rate, out=step)
            param -= step


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
        self.squared_averages = [np.zeros_like(p) for p in params]

    def update(self, params, grads):
        """``s = beta_2 s + (1 - beta_2) dtheta**2``; ``theta -= lr dtheta / (sqrt(s) + eps)``."""
        for param, grad, s, step in zip(
            params, grads, self.squared_averages, self._scratch, strict=True
        ):
            np.square(grad, out=step)  # s += (1 - beta_2) (g**2 - s)
            step -= s
            step *= 1 - self.beta_2
            s += step
            np.sqrt(s, out=step)
            step += self.epsilon
            np.divide(grad, step, out=step)
            step *= self.learning_rate
            param -= step


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
        self.velocities = [np.zeros_like(p) for p in params]
        self.squared_averages = [np.zeros_like(p) for p in params]

    def update(self, params, grads):
        r"""One Adam step on every parameter, in place.

        .. math::
            \hat v = \frac{v}{1 - \beta_1^t}, \quad
            \hat s = \frac{s}{1 - \beta_2^t}, \quad
            \theta \leftarrow \theta - \alpha \frac{\hat v}{\sqrt{\hat s} + \epsilon}
        """
        self.t += 1
        # With c1 = 1 - beta_1**t and c2 = sqrt(1 - beta_2**t), the step
        # lr * (v / c1) / (sqrt(s) / c2 + eps) equals
        # (lr * c2 / c1) * v / (sqrt(s) + eps * c2): two constants instead of two passes.
        c1 = 1 - self.beta_1**self.t
        c2 = math.sqrt(1 - self.beta_2**self.t)
        for param, grad, v, s, step in zip(
            params, grads, self.velocities, self.squared_averages, self._scratch, strict=True
        ):
            # v += (1 - beta_1) (g - v) is beta_1 v + (1 - beta_1) g, in one pass fewer.
            np.subtract(grad, v, out=step)
            step *= 1 - self.beta_1
            v += step
            np.square(grad, out=step)
            step -= s
            step *= 1 - self.beta_2
            s += step
            np.sqrt(s, out=step)
            step += self.epsilon * c2
            np.divide(v, step, out=step)
            step *= self.learning_rate * c2 / c1
            param -= step


#: The optimizer behind each solver; "gd" and "sgd" differ only in batching.
OPTIMIZERS = {
    "gd": GradientDescent,
    "sgd": GradientDescent,
    "momentum": Momentum,
    "rmsprop": RMSProp,
    "adam": Adam,
}
