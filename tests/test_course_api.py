"""skdeepnn.course against the course's published values, the estimators, and calculus.

The inputs of each published test case are rebuilt here the way the course's test-case
function builds them (the same seed, the same draws in the same order), and the
outputs are compared with the values the course publishes, typed in below. The
sources, named in each test:

* [C1W4] Course 1, week 4, assignment 1, "Building your Deep Neural Network: Step by
  Step": the test cases of ``testCases_v4a.py``, and the expected values of the
  assignment's ``public_tests.py`` and of the notebook's "Expected output" cells.
* [C2W1-init], [C2W1-reg], [C2W1-gc] Course 2, week 1: the "Initialization",
  "Regularization" and "Gradient Checking" notebooks (expected-output cells), and the
  Gradient Checking assignment's ``public_tests.py``.
* [C2W2] Course 2, week 2, "Optimization methods": the test cases of ``testCases.py``;
  the "Expected Output" cells of the notebook release that imports them ("the
  notebook"); and two releases of the assignment's ``public_tests.py``: "release A",
  whose expected values are typed into ``expected_*`` dictionaries, and "release B",
  whose tests assert ``np.allclose`` on values typed inline.

Values printed with 8 decimals are compared to that precision (half a unit in the last
printed place); longer ones to their printed digits.
"""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from skdeepnn import DeepNNClassifier
from skdeepnn._checks import make_generator
from skdeepnn._initializers import INITIALIZERS
from skdeepnn.course import (
    L_model_backward,
    L_model_forward,
    compute_cost,
    compute_cost_with_regularization,
    dictionary_to_vector,
    gradient_check_n,
    gradients_to_vector,
    initialize_adam,
    initialize_parameters,
    initialize_parameters_deep,
    initialize_velocity,
    linear_activation_backward,
    linear_activation_forward,
    linear_backward,
    linear_forward,
    parameters_from_estimator,
    predict,
    random_mini_batches,
    relu,
    relu_backward,
    sigmoid,
    sigmoid_backward,
    update_parameters,
    update_parameters_with_adam,
    update_parameters_with_momentum,
    vector_to_dictionary,
)


def assert_published(actual, published, decimals=8):
    """``actual`` agrees with ``published``, a value printed with ``decimals`` decimals."""
    tolerance = 0.5 * 10.0**-decimals
    np.testing.assert_allclose(actual, published, rtol=0, atol=tolerance * (1 + 1e-6))


def assert_published_scientific(actual, published):
    """``actual`` agrees with ``published``, printed in scientific notation with an
    8-decimal mantissa."""
    np.testing.assert_allclose(actual, published, rtol=5e-9 * (1 + 1e-6), atol=0)


def course_parameters(rng, shapes):
    """``{"W1": rng.randn(*shapes[0]), "b1": rng.randn(*shapes[1]), ...}``, drawn in order,
    as the course's test cases draw W1, b1, W2, b2, ..."""
    parameters = {}
    for i, shape in enumerate(shapes):
        parameters[f"{'Wb'[i % 2]}{i // 2 + 1}"] = rng.randn(*shape)
    return parameters


# -- [C1W4] Building your Deep Neural Network: Step by Step -------------------------------


def test_initialize_parameters_two_layers():
    # [C1W4] public_tests.py, initialize_parameters_test: n_x, n_h, n_y = 3, 2, 1, after
    # np.random.seed(1) (which the course's initialize_parameters calls).
    parameters = initialize_parameters(3, 2, 1, random_state=1)
    assert_published(
        parameters["W1"],
        [[0.01624345, -0.00611756, -0.00528172], [-0.01072969, 0.00865408, -0.02301539]],
    )
    assert_published(parameters["b1"], [[0.0], [0.0]])
    assert_published(parameters["W2"], [[0.01744812, -0.00761207]])
    assert_published(parameters["b2"], [[0.0]])


def test_initialize_parameters_deep():
    # [C1W4] public_tests.py, initialize_parameters_deep_test: layer_dims = [5, 4, 3],
    # after np.random.seed(3) (which the course's initialize_parameters_deep calls).
    parameters = initialize_parameters_deep([5, 4, 3], random_state=3)
    assert_published(
        parameters["W1"],
        [
            [0.01788628, 0.0043651, 0.00096497, -0.01863493, -0.00277388],
            [-0.00354759, -0.00082741, -0.00627001, -0.00043818, -0.00477218],
            [-0.01313865, 0.00884622, 0.00881318, 0.01709573, 0.00050034],
            [-0.00404677, -0.0054536, -0.01546477, 0.00982367, -0.01101068],
        ],
    )
    assert_published(parameters["b1"], np.zeros((4, 1)))
    assert_published(
        parameters["W2"],
        [
            [-0.01185047, -0.0020565, 0.01486148, 0.00236716],
            [-0.01023785, -0.00712993, 0.00625245, -0.00160513],
            [-0.00768836, -0.00230031, 0.00745056, 0.01976111],
        ],
    )
    assert_published(parameters["b2"], np.zeros((3, 1)))


def test_linear_forward():
    # [C1W4] testCases_v4a.py, linear_forward_test_case: seed 1, A = randn(3, 2),
    # W = randn(1, 3), b = randn(1, 1).
    rng = np.random.RandomState(1)
    A, W, b = rng.randn(3, 2), rng.randn(1, 3), rng.randn(1, 1)
    Z, cache = linear_forward(A, W, b)
    # [C1W4] notebook, exercise "linear_forward", expected output (and public_tests.py).
    assert_published(Z, [[3.26295337, -1.23429987]])
    assert cache[0] is A and cache[1] is W and cache[2] is b


def test_linear_activation_forward():
    # [C1W4] testCases_v4a.py, linear_activation_forward_test_case: seed 2,
    # A_prev = randn(3, 2), W = randn(1, 3), b = randn(1, 1).
    rng = np.random.RandomState(2)
    A_prev, W, b = rng.randn(3, 2), rng.randn(1, 3), rng.randn(1, 1)
    A_sigmoid, (_, Z) = linear_activation_forward(A_prev, W, b, activation="sigmoid")
    A_relu, _ = linear_activation_forward(A_prev, W, b, activation="relu")
    # [C1W4] public_tests.py, linear_activation_forward_test: expected_Z, expected_A_sigmoid,
    # expected_A_relu.
    assert_published(Z, [[3.43896131, -2.08938436]])
    assert_published(A_sigmoid, [[0.96890023, 0.11013289]])
    assert_published(A_relu, [[3.43896131, 0.0]])


def test_L_model_forward_two_hidden_layers():
    # [C1W4] testCases_v4a.py, L_model_forward_test_case_2hidden: seed 6, X = randn(5, 4),
    # then W1 (4, 5), b1 (4, 1), W2 (3, 4), b2 (3, 1), W3 (1, 3), b3 (1, 1).
    rng = np.random.RandomState(6)
    X = rng.randn(5, 4)
    parameters = course_parameters(rng, [(4, 5), (4, 1), (3, 4), (3, 1), (1, 3), (1, 1)])
    AL, caches = L_model_forward(X, parameters)
    # [C1W4] notebook, exercise "L_model_forward", expected output; public_tests.py,
    # L_model_forward_test: expected_AL and the Z and A of expected_cache.
    assert_published(AL, [[0.03921668, 0.70498921, 0.19734387, 0.04728177]])
    assert len(caches) == 3
    (_, _, _), Z1 = caches[0]
    (A1, _, _), Z2 = caches[1]
    (A2, _, _), Z3 = caches[2]
    assert_published(
        Z1,
        [
            [-5.23825714, 3.18040136, 0.4074501, -1.88612721],
            [-2.77358234, -0.56177316, 3.18141623, -0.99209432],
            [4.18500916, -1.78006909, -0.14502619, 2.72141638],
            [5.05850802, -1.25674082, -3.54566654, 3.82321852],
        ],
    )
    assert_published(
        A1,
        [
            [0.0, 3.18040136, 0.4074501, 0.0],
            [0.0, 0.0, 3.18141623, 0.0],
            [4.18500916, 0.0, 0.0, 2.72141638],
            [5.05850802, 0.0, 0.0, 3.82321852],
        ],
    )
    assert_published(
        Z2,
        [
            [2.2644603, 1.09971298, -2.90298027, 1.54036335],
            [6.33722569, -2.38116246, -4.11228806, 4.48582383],
            [10.37508342, -0.66591468, 1.63635185, 8.17870169],
        ],
    )
    assert_published(
        A2,
        [
            [2.2644603, 1.09971298, 0.0, 1.54036335],
            [6.33722569, 0.0, 0.0, 4.48582383],
            [10.37508342, 0.0, 1.63635185, 8.17870169],
        ],
    )
    assert_published(Z3, [[-3.19864676, 0.87117055, -1.40297864, -3.00319435]])


def test_compute_cost():
    # [C1W4] testCases_v4a.py, compute_cost_test_case: Y = [[1, 1, 0]], AL = [[.8, .9, .4]].
    cost = compute_cost(np.array([[0.8, 0.9, 0.4]]), np.array([[1, 1, 0]]))
    # [C1W4] notebook (v4a), exercise "compute_cost", expected output: 0.2797765635793422
    # (public_tests.py prints it as 0.27977656).
    np.testing.assert_allclose(cost, 0.2797765635793422, rtol=1e-14)


def test_linear_backward():
    # [C1W4] testCases_v4a.py, linear_backward_test_case: seed 1, dZ = randn(3, 4),
    # A = randn(5, 4), W = randn(3, 5), b = randn(3, 1).
    rng = np.random.RandomState(1)
    dZ, A, W, b = rng.randn(3, 4), rng.randn(5, 4), rng.randn(3, 5), rng.randn(3, 1)
    dA_prev, dW, db = linear_backward(dZ, (A, W, b))
    # [C1W4] public_tests.py, linear_backward_test: expected_dA_prev, expected_dW, expected_db.
    assert_published(
        dA_prev,
        [
            [-1.15171336, 0.06718465, -0.3204696, 2.09812712],
            [0.60345879, -3.72508701, 5.81700741, -3.84326836],
            [-0.4319552, -1.30987417, 1.72354705, 0.05070578],
            [-0.38981415, 0.60811244, -1.25938424, 1.47191593],
            [-2.52214926, 2.67882552, -0.67947465, 1.48119548],
        ],
    )
    assert_published(
        dW,
        [
            [0.07313866, -0.0976715, -0.87585828, 0.73763362, 0.00785716],
            [0.85508818, 0.37530413, -0.59912655, 0.71278189, -0.58931808],
            [0.97913304, -0.24376494, -0.08839671, 0.55151192, -0.10290907],
        ],
    )
    assert_published(db, [[-0.14713786], [-0.11313155], [-0.13209101]])


def test_linear_activation_backward():
    # [C1W4] testCases_v4a.py, linear_activation_backward_test_case: seed 2,
    # dA = randn(1, 2), A = randn(3, 2), W = randn(1, 3), b = randn(1, 1), Z = randn(1, 2).
    rng = np.random.RandomState(2)
    dA, A, W, b, Z = (rng.randn(*shape) for shape in [(1, 2), (3, 2), (1, 3), (1, 1), (1, 2)])
    cache = ((A, W, b), Z)
    # [C1W4] public_tests.py, linear_activation_backward_test: the sigmoid and relu outputs.
    dA_prev, dW, db = linear_activation_backward(dA, cache, activation="sigmoid")
    assert_published(
        dA_prev,
        [[0.11017994, 0.01105339], [0.09466817, 0.00949723], [-0.05743092, -0.00576154]],
    )
    assert_published(dW, [[0.10266786, 0.09778551, -0.01968084]])
    assert_published(db, [[-0.05729622]])
    dA_prev, dW, db = linear_activation_backward(dA, cache, activation="relu")
    assert_published(dA_prev, [[0.44090989, 0.0], [0.37883606, 0.0], [-0.2298228, 0.0]])
    assert_published(dW, [[0.44513824, 0.37371418, -0.10478989]])
    assert_published(db, [[-0.20837892]])


def test_L_model_backward():
    # [C1W4] testCases_v4a.py, L_model_backward_test_case: seed 3, AL = randn(1, 2),
    # Y = [[1, 0]], then A1 (4, 2), W1 (3, 4), b1 (3, 1), Z1 (3, 2), A2 (3, 2), W2 (1, 3),
    # b2 (1, 1), Z2 (1, 2). AL is drawn independently of Z2 (it is not even in (0, 1)).
    rng = np.random.RandomState(3)
    AL = rng.randn(1, 2)
    Y = np.array([[1, 0]])
    A1, W1, b1, Z1 = rng.randn(4, 2), rng.randn(3, 4), rng.randn(3, 1), rng.randn(3, 2)
    A2, W2, b2, Z2 = rng.randn(3, 2), rng.randn(1, 3), rng.randn(1, 1), rng.randn(1, 2)
    caches = [((A1, W1, b1), Z1), ((A2, W2, b2), Z2)]
    grads = L_model_backward(AL, Y, caches)
    # [C1W4] public_tests.py, L_model_backward_test: expected_output.
    assert_published(
        grads["dA1"],
        [[0.12913162, -0.44014127], [-0.14175655, 0.48317296], [0.01663708, -0.05670698]],
    )
    assert_published(grads["dW2"], [[-0.39202432, -0.13325855, -0.04601089]])
    assert_published(grads["db2"], [[0.15187861]])
    assert_published(
        grads["dA0"],
        [[0.0, 0.52257901], [0.0, -0.3269206], [0.0, -0.32070404], [0.0, -0.74079187]],
    )
    assert_published(
        grads["dW1"],
        [
            [0.41010002, 0.07807203, 0.13798444, 0.10502167],
            [0.0, 0.0, 0.0, 0.0],
            [0.05283652, 0.01005865, 0.01777766, 0.0135308],
        ],
    )
    assert_published(grads["db1"], [[-0.22007063], [0.0], [-0.02835349]])


def test_update_parameters():
    # [C1W4] testCases_v4a.py, update_parameters_test_case: seed 2 for W1 (3, 4), b1 (3, 1),
    # W2 (1, 3), b2 (1, 1); seed 3 for their gradients, in the same order; rate 0.1.
    parameters = course_parameters(np.random.RandomState(2), [(3, 4), (3, 1), (1, 3), (1, 1)])
    drawn = course_parameters(np.random.RandomState(3), [(3, 4), (3, 1), (1, 3), (1, 1)])
    grads = {"d" + key: value for key, value in drawn.items()}
    updated = update_parameters(parameters, grads, 0.1)
    # [C1W4] public_tests.py, update_parameters_test: expected_W1, b1, W2, b2.
    assert_published(
        updated["W1"],
        [
            [-0.59562069, -0.09991781, -2.14584584, 1.82662008],
            [-1.76569676, -0.80627147, 0.51115557, -1.18258802],
            [-1.0535704, -0.86128581, 0.68284052, 2.20374577],
        ],
    )
    assert_published(updated["b1"], [[-0.04659241], [-1.28888275], [0.53405496]])
    assert_published(updated["W2"], [[-0.55569196, 0.0354055, 1.32964895]])
    assert_published(updated["b2"], [[-0.84610769]])


# -- [C2W1] Initialization, Regularization, Gradient Checking ---------------------------


def test_he_initialization():
    # [C2W1-init] notebook, exercise "initialize_parameters_he": layers_dims = [2, 4, 1],
    # after np.random.seed(3); expected output.
    parameters = initialize_parameters_deep([2, 4, 1], init="he", random_state=3)
    assert_published(
        parameters["W1"],
        [
            [1.78862847, 0.43650985],
            [0.09649747, -1.8634927],
            [-0.2773882, -0.35475898],
            [-0.08274148, -0.62700068],
        ],
    )
    assert_published(parameters["b1"], np.zeros((4, 1)))
    assert_published(parameters["W2"], [[-0.03098412, -0.33744411, -0.92904268, 0.62552248]])
    assert_published(parameters["b2"], [[0.0]])


def test_compute_cost_with_regularization():
    # [C2W1-reg] testCases.py, compute_cost_with_regularization_test_case: seed 1,
    # W1 (2, 3), b1 (2, 1), W2 (3, 2), b2 (3, 1), W3 (1, 3), b3 (1, 1), and a3 as typed.
    parameters = course_parameters(
        np.random.RandomState(1), [(2, 3), (2, 1), (3, 2), (3, 1), (1, 3), (1, 1)]
    )
    Y = np.array([[1, 1, 0, 1, 0]])
    A3 = np.array([[0.40682402, 0.01629284, 0.16722898, 0.10118111, 0.40682402]])
    cost = compute_cost_with_regularization(A3, Y, parameters, lambd=0.1)
    # [C2W1-reg] notebook, exercise "compute_cost_with_regularization", expected output.
    assert_published(cost, 1.78648594516, decimals=11)


def gradient_check_case():
    """[C2W1-gc] testCases.py, gradient_check_n_test_case: seed 1, x = randn(4, 3),
    y = [1, 1, 0], then W1 (5, 4), b1 (5, 1), W2 (3, 5), b2 (3, 1), W3 (1, 3), b3 (1, 1)."""
    rng = np.random.RandomState(1)
    X = rng.randn(4, 3)
    Y = np.array([1, 1, 0])
    parameters = course_parameters(rng, [(5, 4), (5, 1), (3, 5), (3, 1), (1, 3), (1, 1)])
    return X, Y, parameters


def test_gradient_check_finds_the_course_s_planted_bugs(capsys):
    X, Y, parameters = gradient_check_case()
    AL, caches = L_model_forward(X, parameters)
    grads = L_model_backward(AL, Y, caches)
    # The notebook's backward_propagation_n plants two bugs for the check to find: its
    # dW2 is twice the gradient, and its db1 four times.
    buggy = dict(grads, dW2=2 * grads["dW2"], db1=4 * grads["db1"])
    # [C2W1-gc] public_tests.py, gradient_check_n_test: expected_output_1 (the notebook
    # prints 0.2850931567761624).
    difference = gradient_check_n(parameters, buggy, X, Y, 1e-7, True)
    np.testing.assert_allclose(difference, 0.2850931567761623, rtol=1e-10)
    assert "There is a mistake in the backward propagation!" in capsys.readouterr().out


def test_gradient_check_of_the_right_gradients():
    X, Y, parameters = gradient_check_case()
    AL, caches = L_model_forward(X, parameters)
    grads = L_model_backward(AL, Y, caches)
    # [C2W1-gc] public_tests.py, gradient_check_n_test: expected_output_2, the difference
    # once the bugs are fixed. It is the rounding noise of the finite differences
    # (about 1e-16 / 1e-7 per entry), so it depends on the last bits of each cost:
    # compute_cost goes through the core's loss on logits, which rounds differently
    # from the course's log(AL), and the course's own releases print
    # 1.1890913022840002e-07 and 1.1890913024229996e-07. Three digits are reproduced.
    np.testing.assert_allclose(
        gradient_check_n(parameters, grads, X, Y), 1.1890913024229996e-07, rtol=1e-3
    )


# -- [C2W2] Optimization methods -------------------------------------------------------


def optimization_case():
    """[C2W2] testCases.py, update_parameters_with_momentum_test_case (and the gd and
    adam test cases): seed 1, W1 (2, 3), b1 (2, 1), W2 (3, 3), b2 (3, 1), then their
    gradients in the same order. (W2 does not fit after W1: only the updates are tested.)"""
    rng = np.random.RandomState(1)
    shapes = [(2, 3), (2, 1), (3, 3), (3, 1)]
    parameters = course_parameters(rng, shapes)
    grads = {"d" + key: value for key, value in course_parameters(rng, shapes).items()}
    return parameters, grads


# [C2W2] public_tests.py, update_parameters_with_momentum_test, expected_v; the same
# values are v after Adam's first step from zero averages with beta1 = 0.9 (the notebook,
# exercise "update_parameters_with_adam", expected output).
MOMENTUM_V = {
    "dW1": [[-0.11006192, 0.11447237, 0.09015907], [0.05024943, 0.09008559, -0.06837279]],
    "db1": [[-0.01228902], [-0.09357694]],
    "dW2": [
        [-0.02678881, 0.05303555, -0.06916608],
        [-0.03967535, -0.06871727, -0.08452056],
        [-0.06712461, -0.00126646, -0.11173103],
    ],
    "db2": [[0.02344157], [0.16598022], [0.07420442]],
}


def test_update_parameters_with_gd():
    parameters, grads = optimization_case()
    updated = update_parameters(parameters, grads, learning_rate=0.01)
    # [C2W2] public_tests.py, update_parameters_with_gd_test: expected_output.
    assert_published(
        updated["W1"],
        [[1.63535156, -0.62320365, -0.53718766], [-1.07799357, 0.85639907, -2.29470142]],
    )
    assert_published(updated["b1"], [[1.74604067], [-0.75184921]])
    assert_published(
        updated["W2"],
        [
            [0.32171798, -0.25467393, 1.46902454],
            [-2.05617317, -0.31554548, -0.3756023],
            [1.1404819, -1.09976462, -0.1612551],
        ],
    )
    assert_published(updated["b2"], [[-0.88020257], [0.02561572], [0.57539477]])


def test_initialize_velocity_and_adam():
    parameters, _ = optimization_case()
    # [C2W2] public_tests.py, initialize_velocity_test and initialize_adam_test: zeros of
    # each parameter's shape, under the keys dW1, db1, dW2, db2.
    for averages in (initialize_velocity(parameters), *initialize_adam(parameters)):
        assert sorted(averages) == ["dW1", "dW2", "db1", "db2"]
        for key, average in averages.items():
            assert_published(average, np.zeros(parameters[key[1:]].shape))


def test_update_parameters_with_momentum():
    parameters, grads = optimization_case()
    v = initialize_velocity(parameters)
    updated, v = update_parameters_with_momentum(parameters, grads, v, beta=0.9, learning_rate=0.01)
    # [C2W2] public_tests.py, update_parameters_with_momentum_test: expected_parameters,
    # expected_v.
    assert_published(
        updated["W1"],
        [[1.62544598, -0.61290114, -0.52907334], [-1.07347112, 0.86450677, -2.30085497]],
    )
    assert_published(updated["b1"], [[1.74493465], [-0.76027113]])
    assert_published(
        updated["W2"],
        [
            [0.31930698, -0.24990073, 1.4627996],
            [-2.05974396, -0.32173003, -0.38320915],
            [1.13444069, -1.0998786, -0.1713109],
        ],
    )
    assert_published(updated["b2"], [[-0.87809283], [0.04055394], [0.58207317]])
    for key, published in MOMENTUM_V.items():
        assert_published(v[key], published)


def test_update_parameters_with_adam_default_hyperparameters():
    parameters, grads = optimization_case()
    v, s = initialize_adam(parameters)
    updated, v, s = update_parameters_with_adam(parameters, grads, v, s, t=2)
    # [C2W2] public_tests.py, release B, update_parameters_with_adam_test: t = 2,
    # learning_rate = 0.01, default betas and epsilon.
    assert_published(
        updated["W1"],
        [[1.63178673, -0.61919778, -0.53561312], [-1.08040999, 0.85796626, -2.29409733]],
    )
    assert_published(updated["b1"], [[1.75225313], [-0.75376553]])
    assert_published(
        updated["W2"],
        [
            [0.32648046, -0.25681174, 1.46954931],
            [-2.05269934, -0.31497584, -0.37661299],
            [1.14121081, -1.09244991, -0.16498684],
        ],
    )
    assert_published(updated["b2"], [[-0.88529979], [0.03477238], [0.57537385]])
    # [C2W2] the notebook, exercise "update_parameters_with_adam", expected output: v and s.
    # (Its parameters: test_update_parameters_with_adam_notebook_parameters.)
    for key, published in MOMENTUM_V.items():
        assert_published(v[key], published)
    assert_published(
        s["dW1"], [[0.00121136, 0.00131039, 0.00081287], [0.0002525, 0.00081154, 0.00046748]]
    )
    assert_published_scientific(s["db1"], [[1.51020075e-05], [8.75664434e-04]])
    assert_published_scientific(
        s["dW2"],
        [
            [7.17640232e-05, 2.81276921e-04, 4.78394595e-04],
            [1.57413361e-04, 4.72206320e-04, 7.14372576e-04],
            [4.50571368e-04, 1.60392066e-07, 1.24838242e-03],
        ],
    )
    assert_published_scientific(s["db2"], [[5.49507194e-05], [2.75494327e-03], [5.50629536e-04]])


# [C2W2] public_tests.py, release A, update_parameters_with_adam_test: t = 2,
# learning_rate = 0.02, beta1 = 0.8, beta2 = 0.888, epsilon = 1e-2.
ADAM_RELEASE_A = {"t": 2, "learning_rate": 0.02, "beta1": 0.8, "beta2": 0.888, "epsilon": 1e-2}
ADAM_RELEASE_A_PARAMETERS = {
    "W1": [[1.63949493, -0.62691477, -0.54326465], [-1.08769515, 0.85031501, -2.28657079]],
    "b1": [[1.7549895], [-0.7461017]],
    "W2": [
        [0.33262355, -0.26414959, 1.47708248],
        [-2.0457142, -0.30744639, -0.36898502],
        [1.14872646, -1.09849003, -0.15727519],
    ],
    "b2": [[-0.89102966], [0.02699863], [0.56780324]],
}


def test_update_parameters_with_adam_release_a_averages():
    parameters, grads = optimization_case()
    v, s = initialize_adam(parameters)
    _, v, s = update_parameters_with_adam(parameters, grads, v, s, **ADAM_RELEASE_A)
    # [C2W2] public_tests.py, release A, update_parameters_with_adam_test: expected_v, expected_s.
    assert_published(
        v["dW1"], [[-0.22012384, 0.22894474, 0.18031814], [0.10049887, 0.18017119, -0.13674557]]
    )
    assert_published(
        v["dW2"],
        [
            [-0.05357762, 0.10607109, -0.13833215],
            [-0.07935071, -0.13743454, -0.16904113],
            [-0.13424923, -0.00253292, -0.22346207],
        ],
    )
    assert_published(v["db1"], [[-0.02457805], [-0.18715389]])
    assert_published(v["db2"], [[0.04688314], [0.33196044], [0.14840883]])
    assert_published(
        s["dW1"], [[0.13567261, 0.14676395, 0.09104097], [0.02828006, 0.09089264, 0.05235818]]
    )
    assert_published(
        s["dW2"],
        [
            [0.00803757, 0.03150302, 0.05358019],
            [0.0176303, 0.05288711, 0.08000973],
            [5.04639932e-02, 1.79639114e-05, 1.39818830e-01],
        ],
    )
    assert_published(s["db1"], [[0.00169142], [0.09807442]])
    assert_published(s["db2"], [[0.00615448], [0.30855365], [0.06167051]])


def test_update_parameters_with_adam_release_a_parameters():
    parameters, grads = optimization_case()
    v, s = initialize_adam(parameters)
    updated, _, _ = update_parameters_with_adam(
        parameters, grads, v, s, **ADAM_RELEASE_A, epsilon_inside_sqrt=True
    )
    # [C2W2] public_tests.py, release A, update_parameters_with_adam_test: expected_parameters.
    # They divide by sqrt(s_hat + epsilon), not by the sqrt(s_hat) + epsilon of the
    # course's formula.
    for key, published in ADAM_RELEASE_A_PARAMETERS.items():
        assert_published(updated[key], published)


def test_update_parameters_with_adam_notebook_parameters():
    parameters, grads = optimization_case()
    v, s = initialize_adam(parameters)
    updated, _, _ = update_parameters_with_adam(
        parameters, grads, v, s, t=2, epsilon_inside_sqrt=True
    )
    # [C2W2] the notebook, exercise "update_parameters_with_adam", expected output. Its
    # W2[2, 1] and b2[0] are what sqrt(s_hat + epsilon) gives: the formula's step ends
    # in -1.09244991 and -0.88529979 (test_update_parameters_with_adam_default_hyperparameters).
    assert_published(
        updated["W1"],
        [[1.63178673, -0.61919778, -0.53561312], [-1.08040999, 0.85796626, -2.29409733]],
    )
    assert_published(updated["b1"], [[1.75225313], [-0.75376553]])
    assert_published(
        updated["W2"],
        [
            [0.32648046, -0.25681174, 1.46954931],
            [-2.05269934, -0.31497584, -0.37661299],
            [1.14121081, -1.09245036, -0.16498684],
        ],
    )
    assert_published(updated["b2"], [[-0.88529978], [0.03477238], [0.57537385]])


def test_adam_steps_by_the_course_s_formula():
    """Against the formula written out by hand, where epsilon's place matters."""
    parameters, grads = optimization_case()
    v0, s0 = initialize_adam(parameters)
    t, rate, epsilon = (
        ADAM_RELEASE_A["t"],
        ADAM_RELEASE_A["learning_rate"],
        ADAM_RELEASE_A["epsilon"],
    )
    for inside in (False, True):
        updated, v, s = update_parameters_with_adam(
            parameters, grads, v0, s0, **ADAM_RELEASE_A, epsilon_inside_sqrt=inside
        )
        for key, value in parameters.items():
            v_hat = v["d" + key] / (1 - ADAM_RELEASE_A["beta1"] ** t)
            s_hat = s["d" + key] / (1 - ADAM_RELEASE_A["beta2"] ** t)
            root = np.sqrt(s_hat + epsilon) if inside else np.sqrt(s_hat) + epsilon
            np.testing.assert_allclose(updated[key], value - rate * v_hat / root, rtol=1e-13)


def test_random_mini_batches_small_case():
    # [C2W2] public_tests.py, release A, random_mini_batches_test: seed 1, X = randn(7, 3),
    # Y = randn(1, 3) < 0.5, mini_batch_size = 2, and the function's default seed 0.
    rng = np.random.RandomState(1)
    X = rng.randn(7, 3)
    Y = rng.randn(1, 3) < 0.5
    batches = random_mini_batches(X, Y, 2)
    # [C2W2] public_tests.py, release A, random_mini_batches_test: expected_output.
    assert len(batches) == 2
    assert_published(
        batches[0][0],
        [
            [-0.52817175, -0.61175641],
            [-2.3015387, 0.86540763],
            [0.3190391, -0.7612069],
            [-2.06014071, 1.46210794],
            [1.13376944, -0.38405435],
            [-0.87785842, -0.17242821],
            [-1.10061918, 0.58281521],
        ],
    )
    np.testing.assert_array_equal(batches[0][1], [[False, False]])
    assert_published(
        batches[1][0],
        [
            [1.62434536],
            [-1.07296862],
            [1.74481176],
            [-0.24937038],
            [-0.3224172],
            [-1.09989127],
            [0.04221375],
        ],
    )
    np.testing.assert_array_equal(batches[1][1], [[False]])


def test_random_mini_batches_cat_sized_case():
    # [C2W2] testCases.py, random_mini_batches_test_case: seed 1, X = randn(12288, 148),
    # Y = randn(1, 148) < 0.5, mini_batch_size = 64, default seed 0.
    rng = np.random.RandomState(1)
    X = rng.randn(12288, 148)
    Y = rng.randn(1, 148) < 0.5
    batches = random_mini_batches(X, Y, 64)
    # [C2W2] the notebook, exercise "random_mini_batches", expected output.
    assert [batch_X.shape for batch_X, _ in batches] == [(12288, 64), (12288, 64), (12288, 20)]
    assert [batch_Y.shape for _, batch_Y in batches] == [(1, 64), (1, 64), (1, 20)]
    assert_published(batches[0][0][0][0:3], [0.90085595, -0.7612069, 0.2344157])


def test_random_mini_batches_of_numbered_examples():
    # [C2W2] public_tests.py, release B, random_mini_batches_test: X numbers its entries,
    # example by example; seed 1 for Y; seed 0 for the batches.
    n_x, m = 12288, 148
    X = np.arange(n_x * m).reshape(m, n_x).T
    Y = np.random.RandomState(1).randn(1, m) < 0.5
    batches = random_mini_batches(X, Y, 64, 0)
    assert [batch_X.shape for batch_X, _ in batches] == [(12288, 64), (12288, 64), (12288, 20)]
    assert [batch_Y.shape for _, batch_Y in batches] == [(1, 64), (1, 64), (1, 20)]
    np.testing.assert_array_equal(batches[0][0][0][0:3], [294912, 86016, 454656])
    np.testing.assert_array_equal(batches[1][0][-1][0:3], [172031, 1290239, 1474559])
    np.testing.assert_array_equal(batches[2][0][-1][0:3], [1425407, 1769471, 897023])


# -- consistency with the estimators ----------------------------------------------------


@pytest.fixture(scope="module")
def binary_problem():
    rng = np.random.RandomState(0)
    X = rng.randn(30, 4)
    y = (X[:, 0] + X[:, 1] ** 2 > 0.5).astype(int)
    return X, y


GD_SETTINGS = dict(
    hidden_layer_sizes=(5, 3),
    activation="relu",
    solver="gd",
    alpha=0,
    tol=0,
    learning_rate=0.5,
    random_state=7,
)


def fit_quietly(estimator, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # one step cannot converge
        return estimator.fit(X, y)


@pytest.mark.parametrize("init", ["he", "small_random"])
def test_one_gd_step_of_the_estimator_is_one_course_step(binary_problem, init):
    X, y = binary_problem
    net = fit_quietly(DeepNNClassifier(max_iter=1, init=init, **GD_SETTINGS), X, y)

    # The estimator's starting point: coefs_[l-1] = W[l].T drawn by the core initializer
    # from the fit's generator, layer after layer; zero hidden biases; and an output bias
    # at the logit of the class frequency, so that it first predicts the prior.
    rng = make_generator(GD_SETTINGS["random_state"])
    layer_dims = [X.shape[1], *GD_SETTINGS["hidden_layer_sizes"], 1]
    parameters = {}
    for l in range(1, len(layer_dims)):
        parameters[f"W{l}"] = INITIALIZERS[init](layer_dims[l - 1], layer_dims[l], rng).T
        parameters[f"b{l}"] = np.zeros((layer_dims[l], 1))
    share = y.mean()
    parameters[f"b{len(layer_dims) - 1}"][:] = np.log(share / (1 - share))

    AL, caches = L_model_forward(X.T, parameters)
    grads = L_model_backward(AL, y.reshape(1, -1), caches)
    expected = update_parameters(parameters, grads, GD_SETTINGS["learning_rate"])

    fitted = parameters_from_estimator(net)
    for l, (W_rows, b_rows) in enumerate(zip(net.coefs_, net.intercepts_, strict=True), start=1):
        np.testing.assert_allclose(fitted[f"W{l}"], W_rows.T)  # the layouts' relation
        np.testing.assert_allclose(W_rows.T, expected[f"W{l}"], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(b_rows[:, None], expected[f"b{l}"], rtol=1e-12, atol=1e-15)
    # The estimator's first recorded loss is the cost at the starting point.
    np.testing.assert_allclose(net.loss_curve_[0], compute_cost(AL, y), rtol=1e-12)


def test_a_warm_started_gd_step_is_one_course_step(binary_problem):
    X, y = binary_problem
    net = fit_quietly(DeepNNClassifier(max_iter=1, **GD_SETTINGS), X, y)
    before = parameters_from_estimator(net)
    fit_quietly(net.set_params(warm_start=True), X, y)

    AL, caches = L_model_forward(X.T, before)
    grads = L_model_backward(AL, y.reshape(1, -1), caches)
    expected = update_parameters(before, grads, GD_SETTINGS["learning_rate"])
    after = parameters_from_estimator(net)
    for key in expected:
        np.testing.assert_allclose(after[key], expected[key], rtol=1e-12, atol=1e-15)


def test_predict_agrees_with_the_estimator(binary_problem):
    X, y = binary_problem
    net = fit_quietly(
        DeepNNClassifier(hidden_layer_sizes=(6,), activation="tanh", max_iter=300, random_state=0),
        X,
        y,
    )
    parameters = parameters_from_estimator(net)
    predictions = predict(X.T, parameters, activation="tanh")
    assert predictions.shape == (1, X.shape[0])
    np.testing.assert_array_equal(predictions[0], net.predict(X))
    AL, _ = L_model_forward(X.T, parameters, activation="tanh")
    np.testing.assert_allclose(AL[0], net.predict_proba(X)[:, 1], rtol=1e-12)


# -- gradients against finite differences -----------------------------------------------


def independent_cost(X, Y, parameters, L):
    """The course's cost of [LINEAR -> RELU] x (L-1) -> LINEAR -> SIGMOID, in plain NumPy."""
    A = X
    for l in range(1, L + 1):
        Z = parameters[f"W{l}"] @ A + parameters[f"b{l}"]
        A = np.maximum(Z, 0) if l < L else 1 / (1 + np.exp(-Z))
    return -np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A))


def test_L_model_backward_against_finite_differences():
    rng = np.random.RandomState(42)
    X = rng.randn(3, 8)
    Y = (rng.rand(1, 8) > 0.5).astype(float)
    # Non-zero biases keep every ReLU away from its kink at these points.
    parameters = course_parameters(rng, [(4, 3), (4, 1), (2, 4), (2, 1), (1, 2), (1, 1)])
    AL, caches = L_model_forward(X, parameters)
    grads = L_model_backward(AL, Y, caches)
    epsilon = 1e-6
    for key, value in parameters.items():
        approximation = np.empty_like(value)
        for index in np.ndindex(value.shape):
            shifted = {name: array.copy() for name, array in parameters.items()}
            shifted[key][index] += epsilon
            cost_plus = independent_cost(X, Y, shifted, 3)
            shifted[key][index] -= 2 * epsilon
            cost_minus = independent_cost(X, Y, shifted, 3)
            approximation[index] = (cost_plus - cost_minus) / (2 * epsilon)
        np.testing.assert_allclose(grads["d" + key], approximation, rtol=1e-6, atol=1e-9)
    # dA0, the gradient with respect to X, too.
    approximation = np.empty_like(X)
    for index in np.ndindex(X.shape):
        shifted = X.copy()
        shifted[index] += epsilon
        cost_plus = independent_cost(shifted, Y, parameters, 3)
        shifted[index] -= 2 * epsilon
        cost_minus = independent_cost(shifted, Y, parameters, 3)
        approximation[index] = (cost_plus - cost_minus) / (2 * epsilon)
    # The course's grads hold dA without the 1/m of the mean; the cost has it.
    np.testing.assert_allclose(grads["dA0"] / X.shape[1], approximation, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "leaky_relu"])
def test_gradient_check_n_passes_backward_propagation(activation):
    rng = np.random.RandomState(0)
    X = rng.randn(3, 6)
    Y = np.array([[1, 0, 1, 1, 0, 0]])
    parameters = course_parameters(rng, [(5, 3), (5, 1), (3, 5), (3, 1), (1, 3), (1, 1)])
    AL, caches = L_model_forward(X, parameters, activation=activation)
    grads = L_model_backward(AL, Y, caches, activation=activation)
    assert gradient_check_n(parameters, grads, X, Y, activation=activation) < 1e-7
    wrong = dict(grads, dW2=grads["dW2"] * 1.1)
    assert gradient_check_n(parameters, wrong, X, Y, activation=activation) > 1e-3


def test_activation_derivatives_against_finite_differences():
    Z = np.array([[-2.0, -0.3, 0.4, 3.0]])
    dA = np.array([[1.5, -2.0, 0.5, 1.0]])
    epsilon = 1e-6
    for forward, backward in ((sigmoid, sigmoid_backward), (relu, relu_backward)):
        slope = (forward(Z + epsilon)[0] - forward(Z - epsilon)[0]) / (2 * epsilon)
        np.testing.assert_allclose(backward(dA, forward(Z)[1]), dA * slope, rtol=1e-8, atol=1e-12)


# -- initialization ---------------------------------------------------------------------


def test_xavier_and_zeros_initialization():
    # sqrt(1 / n_(l-1)) times the course's draws, by hand.
    rng = np.random.RandomState(5)
    expected_W1 = rng.randn(4, 3) * np.sqrt(1 / 3)
    expected_W2 = rng.randn(2, 4) * np.sqrt(1 / 4)
    parameters = initialize_parameters_deep([3, 4, 2], init="xavier", random_state=5)
    np.testing.assert_array_equal(parameters["W1"], expected_W1)
    np.testing.assert_array_equal(parameters["W2"], expected_W2)
    zeros = initialize_parameters_deep([3, 4, 2], init="zeros")
    assert all(not array.any() for array in zeros.values())


def test_random_state_like_scikit_learn():
    expected = initialize_parameters_deep([5, 4, 3], random_state=3)
    # A RandomState is used as is, and None draws from NumPy's global state, as the
    # course's np.random.seed(3) followed by its initialization does.
    same = initialize_parameters_deep([5, 4, 3], random_state=np.random.RandomState(3))
    # The legacy global state is the point here: it is what the course seeds.
    saved = np.random.get_state()  # noqa: NPY002
    try:
        np.random.seed(3)  # noqa: NPY002
        global_draw = initialize_parameters_deep([5, 4, 3], random_state=None)
    finally:
        np.random.set_state(saved)  # noqa: NPY002
    for key in expected:
        np.testing.assert_array_equal(same[key], expected[key])
        np.testing.assert_array_equal(global_draw[key], expected[key])
    # A Generator draws the course's layout in order, too.
    generator_draw = initialize_parameters_deep([5, 4, 3], random_state=np.random.default_rng(0))
    reference = np.random.default_rng(0)
    np.testing.assert_array_equal(generator_draw["W1"], 0.01 * reference.standard_normal((4, 5)))
    np.testing.assert_array_equal(generator_draw["W2"], 0.01 * reference.standard_normal((3, 4)))


# -- the vector form of the parameters ----------------------------------------------------


def test_dictionary_to_vector_round_trip():
    parameters = initialize_parameters_deep([3, 4, 2], init="he", random_state=0)
    theta, keys = dictionary_to_vector(parameters)
    assert theta.shape == (4 * 3 + 4 + 2 * 4 + 2, 1)
    assert keys[:12] == ["W1"] * 12 and keys[12:16] == ["b1"] * 4
    np.testing.assert_array_equal(theta[:12, 0], parameters["W1"].reshape(-1))
    back = vector_to_dictionary(theta, [3, 4, 2])
    for key, value in parameters.items():
        np.testing.assert_array_equal(back[key], value)
    grads = {"d" + key: value for key, value in parameters.items()}
    grads["dA0"] = np.ones((3, 5))  # not a parameter: left out
    np.testing.assert_array_equal(gradients_to_vector(grads), theta)


# -- inputs: never modified, checked with clear errors ----------------------------------


def test_updates_leave_their_inputs_alone():
    parameters, grads = optimization_case()
    originals = {key: value.copy() for key, value in parameters.items()}
    v, s = initialize_adam(parameters)
    update_parameters(parameters, grads, 0.1)
    update_parameters_with_momentum(parameters, grads, v, 0.9, 0.1)
    update_parameters_with_adam(parameters, grads, v, s, 1)
    for key, value in originals.items():
        np.testing.assert_array_equal(parameters[key], value)
    assert all(not average.any() for average in (*v.values(), *s.values()))


def test_compute_cost_stays_finite_at_certain_outputs():
    # The course's formula gives inf (a certain, wrong output) or nan (0 * log 0).
    cost = compute_cost(np.array([[1.0, 0.0, 1.0]]), np.array([[1, 1, 0]]))
    assert np.isfinite(cost) and cost > 100


def one_unit(prefix="", value=1.0):
    """``W1`` and ``b1`` (or ``dW1`` and ``db1``) of a one-unit, one-input network."""
    return {f"{prefix}W1": np.full((1, 1), value), f"{prefix}b1": np.full((1, 1), value)}


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda: linear_forward(np.ones((2, 4)), np.ones((1, 3)), np.ones((1, 1))),
            "W has 3 columns but A has 2 rows",
        ),
        (
            lambda: linear_forward(np.ones((3, 4)), np.ones((2, 3)), np.ones((3, 1))),
            r"b has shape \(3, 1\); expected \(2, 1\)",
        ),
        (
            lambda: linear_forward(np.ones(3), np.ones((2, 3)), np.ones((2, 1))),
            "A must be a 2-D array",
        ),
        (
            lambda: L_model_forward(
                np.ones((2, 4)),
                {
                    "W1": np.ones((3, 2)),
                    "b1": np.ones((3, 1)),
                    "W2": np.ones((1, 2)),
                    "b2": np.ones((1, 1)),
                },
            ),
            "W2 has 2 columns but A1 has 3 rows",
        ),
        (lambda: L_model_forward(np.ones((2, 4)), {"W1": np.ones((3, 2))}), "b1 is missing"),
        (
            lambda: compute_cost(np.full((1, 3), 0.5), np.ones((1, 4))),
            r"Y has shape \(1, 4\) but AL has shape \(1, 3\)",
        ),
        (
            lambda: linear_backward(
                np.ones((2, 4)), (np.ones((3, 4)), np.ones((1, 3)), np.ones((1, 1)))
            ),
            r"dZ has shape \(2, 4\); expected \(1, 4\)",
        ),
        (lambda: sigmoid_backward(np.ones((1, 2)), np.ones((1, 3))), "dA has shape"),
        (
            lambda: linear_activation_forward(np.ones((1, 1)), [[1.0]], [[0.0]], "softmax"),
            "activation must be one of",
        ),
        (
            lambda: update_parameters(
                {"W1": np.ones((1, 2)), "b1": np.ones((1, 1))},
                {"dW1": np.ones((2, 1)), "db1": np.ones((1, 1))},
                0.1,
            ),
            r"grads\['dW1'\] has shape \(2, 1\)",
        ),
        (
            lambda: update_parameters(
                {"W1": np.ones((1, 2)), "b1": np.ones((1, 1))}, {"dW1": np.ones((1, 2))}, 0.1
            ),
            "grads has no entry 'db1'",
        ),
        (
            lambda: update_parameters_with_adam(
                one_unit(), one_unit("d"), one_unit("d", 0.0), one_unit("d", 0.0), t=0
            ),
            "t must be the number of the step",
        ),
        (
            lambda: update_parameters_with_momentum(
                one_unit(), one_unit("d"), {"dW1": np.zeros((1, 1))}, 0.9, 0.1
            ),
            "v has no entry 'db1'",
        ),
        (lambda: vector_to_dictionary(np.ones(5), [2, 1]), "theta has 5 entries but layer_dims"),
        (
            lambda: random_mini_batches(np.ones((2, 5)), np.ones((1, 4))),
            r"Y has shape \(1, 4\) but X has 5 examples",
        ),
        (lambda: initialize_parameters_deep([3, 2], init="glorot"), "init must be one of"),
        (
            lambda: predict(np.ones((3, 2)), {"W1": np.ones((1, 2)), "b1": np.ones((1, 1))}),
            "W1 has 2 columns but X has 3 rows",
        ),
    ],
)
def test_shape_mismatches_raise_clear_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_parameters_must_be_a_dictionary():
    X, y = np.ones((1, 3)), np.array([[1, 0, 1]])
    with pytest.raises(TypeError, match="parameters must be a dict"):
        predict(X, y)
    with pytest.raises(TypeError, match="grads must be a dict"):
        update_parameters(one_unit(), [np.ones((1, 1))] * 2, 0.1)


def test_parameters_from_estimator_refuses_batch_normalization(binary_problem):
    X, y = binary_problem
    net = fit_quietly(
        DeepNNClassifier(hidden_layer_sizes=(3,), batch_norm=True, max_iter=2, random_state=0), X, y
    )
    with pytest.raises(ValueError, match="batch normalization"):
        parameters_from_estimator(net)
    with pytest.raises(TypeError, match="skdeepnn estimator"):
        parameters_from_estimator(object())


def test_random_mini_batches_of_one_full_batch_keep_the_order():
    # The core does not shuffle a single full batch (the course would permute it): the
    # batch is X itself, copied.
    X, Y = np.arange(6.0).reshape(2, 3), np.array([0, 1, 1])
    [(batch_X, batch_Y)] = random_mini_batches(X, Y, mini_batch_size=3)
    np.testing.assert_array_equal(batch_X, X)
    np.testing.assert_array_equal(batch_Y, [[0, 1, 1]])
    assert not np.shares_memory(batch_X, X)
