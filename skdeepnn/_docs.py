"""Docstring sections that DeepNNClassifier and DeepNNRegressor share.

The two estimators have the same hidden layers and the same training controls;
their docstrings are put together from these sections, so that each parameter
is described once and ``help()`` still shows every one of them.
"""

#: hidden_layer_sizes .. batch_norm_momentum
NETWORK_PARAMETERS = """\
    hidden_layer_sizes : tuple of int, default=(100,)
        Units in each hidden layer, ``n_1 .. n_{L-1}``. An empty tuple gives a
        linear model (logistic regression, or linear regression).
    activation : {"relu", "leaky_relu", "tanh", "sigmoid", "identity"}, default="relu"
        Activation of the hidden layers (``leaky_relu`` has slope 0.01).
    init : {"auto", "he", "xavier", "glorot_uniform", "small_random", "zeros"}, default="auto"
        Weight initialization: "he" draws ``N(0, 2/n_{l-1})``, "xavier"
        ``N(0, 1/n_{l-1})``, "glorot_uniform" ``U(-r, r)`` with ``r =
        sqrt(6 / (n_{l-1} + n_l))`` for the weights and the hidden biases (what
        scikit-learn's MLP draws), "small_random" ``0.01 N(0, 1)``. "auto" picks
        "glorot_uniform" (scikit-learn's MLP's start) for relu and leaky_relu
        with "adam", "rmsprop" and "lbfgs", "he" with the plain gradient solvers
        ("gd", "sgd", "momentum"; a regressor's linear output layer then gets
        "xavier"), and "xavier" for the other activations; without hidden layers
        (a convex linear model) "zeros".
        Biases start at zero but with "glorot_uniform" (and with batch
        normalization, whose beta replaces them); the output bias starts where
        the network predicts the (weighted) mean of the target: the logits of the
        class frequencies (with ``class_weight``, of their weighted shares), or
        the mean of a regression target.
        "zeros" is there for the course's lesson: it cannot break the symmetry
        between hidden units, and fitting with it warns.
    dropout : float or tuple of float, default=0.0
        Inverted dropout (course 2, week 1): the probability of dropping each
        hidden unit for each sample of a training batch (``keep_prob = 1 -
        dropout``), one float for every hidden layer or one per layer. Kept
        units are scaled by ``1 / keep_prob``, so prediction uses every unit as is.
        See :ref:`dropout`.
    batch_norm : bool, default=False
        Batch normalization (course 2, week 3): each hidden layer normalizes
        ``Z = A_prev W`` over the samples of the batch (weighted by
        ``sample_weight``), then scales and shifts it by the learned ``gamma`` and
        ``beta`` before the activation; ``beta`` replaces the layer's bias ``b``,
        which stays at zero. Prediction normalizes with running averages of the
        batches' means and variances. Full-batch L-BFGS takes the whole training
        set's statistics instead. It lets larger learning rates train deep networks.
        A batch needs at least 2 samples (of non-zero weight), since one sample
        normalizes to 0: ``batch_size=1`` is refused, an epoch's last batch of
        one row joins the batch before it, and a batch with fewer than 2 weighted
        samples is skipped. See :ref:`batch-normalization`.
    batch_norm_momentum : float, default=0.9
        The weight of the old value in each update of the running averages (the
        course's beta): ``running = momentum * running + (1 - momentum) * batch``,
        with the batch's unbiased variance. The first updates average the batches
        seen so far evenly, so nothing is pulled towards the initial mean 0 and
        variance 1. When every step uses the whole training set ("gd", "lbfgs",
        or a ``batch_size`` at least the training set's), there is nothing to
        average: the statistics are the whole set's, at the final weights (with
        early stopping, those its best validation loss was measured with).
"""

#: solver .. shuffle
TRAINING_PARAMETERS = """\
    solver : {"adam", "gd", "sgd", "momentum", "rmsprop", "lbfgs"}, default="adam"
        "gd" takes one step per iteration on the whole training set; "sgd",
        "momentum", "rmsprop" and "adam" step once per mini-batch of
        ``batch_size`` samples. "lbfgs" minimizes the full-batch cost with SciPy's
        L-BFGS-B (often the best choice on small data); it takes no learning rate,
        dropout, early stopping or partial_fit. See :ref:`optimization`.
    learning_rate : float, default=0.001
        The step size (the course's alpha).
    batch_size : int or "auto", default="auto"
        Mini-batch size; "auto" is ``min(200, n_samples)``. Ignored by "gd".
    max_iter : int, default=200
        The most epochs (for "gd", iterations) to train for.
    alpha : float, default=0.0001
        L2 regularization strength (the course's lambda): the cost gains
        ``alpha / (2 m) * sum_l ||W[l]||^2``, with ``m`` the samples (or the sum of
        their weights) in the batch the step is computed on. As in scikit-learn's
        MLP, smaller mini-batches therefore regularize more per sample.
        See :ref:`l2-regularization`.
    tol : float, default=1e-4
        The least decrease of the training loss that counts as an improvement.
        With "gd" each iteration is one small step, and from small initial
        weights the loss can creep along a plateau, which ``tol=0`` lets it
        cross. To train for exactly ``max_iter`` iterations as the course does, set
        ``n_iter_no_change=np.inf`` too (with ``tol=0`` alone, a loss that
        oscillates still stops training, after ``20 * n_iter_no_change``
        iterations without a new lowest).
    n_iter_no_change : int or inf, default=10
        Training stops after this many epochs in a row without improvement
        (``np.inf``: never, it trains for ``max_iter``).
        With ``solver="gd"`` (or "sgd" whose batch holds every sample; and no
        dropout or early stopping), each of those
        iterations must also change the loss by at most ``tol``: "gd" records the
        exact cost, and a loss that still rises and falls is oscillating (steps too
        large for the inputs' scale), not converged.
    beta_1 : float, default=0.9
        Momentum's beta, and Adam's beta1.
    beta_2 : float, default=0.999
        RMSProp's beta, and Adam's beta2.
    epsilon : float, default=1e-8
        RMSProp's and Adam's guard against division by zero.
    nesterov : bool, default=False
        With ``solver="momentum"``, take Nesterov's look-ahead step.
    max_grad_norm : float or None, default=None
        Gradient clipping: before every step, the gradient of the batch's cost
        (the packed vector of every weight's and bias's gradient, the L2 term
        included) is rescaled to at most this L2 norm, ``g <- g min(1,
        max_grad_norm / ||g||)``, so that one steep batch cannot throw the
        weights far (a cure for the "diverged" error, beside a smaller learning
        rate and scaled inputs). None clips nothing. For every solver but
        "lbfgs", which ignores it.
    lr_schedule : str, default="constant"
        How the learning rate changes from epoch ``t`` to epoch (for "gd",
        iteration): "constant"; "invscaling" ``lr / (t + 1) ** power_t``;
        "inverse_time" ``lr / (1 + decay_rate t)``; "exponential"
        ``lr decay_rate ** t``; "step" ``lr / (1 + decay_rate floor(t /
        decay_steps))``, the course's staircase;
        "cosine" ``lr (1 + cos(pi t_cur / T_i)) / 2``, cosine annealing with
        warm restarts (SGDR, Loshchilov & Hutter 2017): ``t_cur`` counts the
        epochs since the last restart, the first period ``T_0`` is
        ``restart_period`` and each next one ``restart_multiplier`` times the
        one before; the rate falls towards 0 within a period and jumps back to
        ``lr`` at each restart;
        "adaptive" divides it by 5 each time the loss has not improved by ``tol``
        for ``n_iter_no_change`` epochs, and stops below 1e-6.
        See :ref:`learning-rate-decay`.
    decay_rate : float, default=1.0
        For "inverse_time", "exponential" (at most 1) and "step".
    decay_steps : int, default=10
        For "step": epochs between two decreases.
    power_t : float, default=0.5
        For "invscaling".
    restart_period : int, default=10
        For "cosine": the epochs of the first period ``T_0``.
    restart_multiplier : int, default=1
        For "cosine": ``T_{i+1} = restart_multiplier T_i`` (1: every period as
        long; 2: each twice the one before), an int at least 1 as SGDR's
        ``T_mult`` (and PyTorch's ``CosineAnnealingWarmRestarts``).
    early_stopping : bool, default=False
        Stop when the validation loss has not improved by ``tol`` for
        ``n_iter_no_change`` epochs, and keep the weights of its best epoch. The
        validation set is ``fit``'s ``X_val, y_val`` if given, else a
        ``validation_fraction`` of the training data drawn from ``random_state``
        (stratified by class for a classifier of 1-D labels).
        See :ref:`early-stopping`.
    validation_fraction : float, default=0.1
        The share of the training data set aside for early stopping. When the
        data are too few for a validation part that holds every class (or any
        weight), fit warns and trains on all of them without early stopping.
    scoring : str, callable or None, default=None
        What the validation set is scored with after each epoch
        (``validation_scores_``) and, with ``early_stopping``, what is monitored.
        None records the default score (the accuracy of a classifier, the R² of a
        regressor) and monitors the validation loss. A scorer's name ("roc_auc",
        "f1_macro", "r2", ...; see ``sklearn.metrics.get_scorer_names()``) or a
        callable ``scorer(estimator, X, y)`` is recorded and monitored instead:
        higher is better, and ``tol`` is the least gain that counts; an epoch
        whose score equals the best while the validation loss falls by ``tol``
        counts as progress too (accuracy often stays flat for the first epochs),
        and of two epochs with the same score the lower loss is the better. A
        callable is
        given ``sample_weight=`` too when the validation set has weights
        (``sample_weight_val``, or the split part of ``sample_weight``, times the
        ``class_weight`` of each sample's class, as scikit-learn's
        HistGradientBoostingClassifier does: the validation set is judged by
        what training optimizes); a callable without a ``sample_weight``
        parameter scores unweighted, with a warning. Its ``estimator`` is the
        network as it stands, with ``predict`` (and a classifier's
        ``predict_proba`` and ``classes_``).
    max_fun : int, default=15000
        For "lbfgs": the most cost evaluations (``max_iter`` bounds its iterations,
        and it stops once no entry of the gradient exceeds ``tol``).
    shuffle : bool, default=True
        Shuffle the samples before each epoch of mini-batches.
"""

#: random_state, verbose, warm_start
RUN_PARAMETERS = """\
    random_state : int, RandomState instance or None, default=None
        Seeds the weight initialization and the shuffling; an int makes fits
        reproducible bit for bit.
    verbose : int, default=0
        1 prints the training loss after every epoch (every 100 iterations for
        "gd"), with the epoch out of ``max_iter``, the time elapsed and the time
        left at the pace so far; 2 prints it after every iteration.
    warm_start : bool, default=False
        Continue from the fitted weights when ``fit`` is called again;
        ``loss_curve_``, ``n_iter_``, the learning-rate schedule and the
        optimizer's state (momentum and Adam averages) go on from the previous fit.

"""

#: coefs_ .. n_layers_
NETWORK_ATTRIBUTES = """\
    coefs_ : list of ndarray
        ``coefs_[l-1]`` is the course's ``W[l]`` transposed: shape (n_{l-1}, n_l).
    intercepts_ : list of ndarray
        ``intercepts_[l-1]`` is ``b[l]``, of shape (n_l,).
    n_layers_ : int
        Number of layers counting the input: ``len(hidden_layer_sizes) + 2``.
"""

#: gammas_ .. running_vars_
BATCH_NORM_ATTRIBUTES = """\
    gammas_, betas_ : list of ndarray or None
        With ``batch_norm``, the learned scale and shift of each hidden layer,
        of shape (n_l,); None without it.
    running_means_, running_vars_ : list of ndarray or None
        With ``batch_norm``, the running averages of each hidden layer's batch
        mean and variance, used at prediction; None without it.
"""

#: n_iter_ .. feature_names_in_
TRAINING_ATTRIBUTES = """\
    n_iter_ : int
        Epochs (or "gd" iterations) run.
    loss_ : float
        The last epoch's training loss.
    loss_curve_ : list of float
        The training loss of each epoch: the mean cost over its mini-batches,
        each taken before that batch's update.
    learning_rate_curve_ : list of float
        The learning rate used in each epoch.
    validation_loss_curve_ : list of float or None
        The validation loss (the weighted loss, without the L2 term) after each
        epoch, when there is a validation set.
    validation_scores_ : list of float or None
        The validation score (``scoring``'s, else the accuracy of a classifier or
        the R² of a regressor) after each epoch, when there is a validation set.
    best_iteration_ : int
        The epoch (counted from 1) where the monitored quantity was best: the
        training loss, or with ``early_stopping`` the validation loss (the
        validation score with ``scoring``). With ``early_stopping`` the weights
        are those at the end of that epoch.
    best_loss_ : float
        The training loss at ``best_iteration_``, or with ``early_stopping`` the
        validation loss.
    best_validation_score_ : float or None
        With ``early_stopping``, the validation score at ``best_iteration_``.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Names of the features seen during fit, when X has string column names.

"""
