"""The shape of the package's code, as facts a script can hold it to.

- no function takes more than 7 parameters (``self`` and ``cls`` not counted), but the
  estimators' ``__init__`` (scikit-learn's convention: every hyperparameter there),
  ``skdeepnn.course``'s functions (the course's own signatures) and the compiled
  kernels of ``_numba_kernels`` (flat array arguments);
- no function has more than 60 lines of code (docstrings, comments and blank lines
  not counted), the estimators' ``__init__`` aside;
- no function takes the fused kernels (or a backend) as a parameter: a backend is
  chosen once per fit and builds the network and its step;
- no class has more than one skdeepnn base class.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "skdeepnn"
MAX_PARAMETERS, MAX_LINES = 7, 60

#: The estimators' constructors: every hyperparameter is a keyword of ``__init__``,
#: stored as it is (scikit-learn's convention), one line each.
ESTIMATOR_INITS = {
    ("_classifier.py", "__init__"),
    ("_regressor.py", "__init__"),
    ("_logistic.py", "__init__"),
}
EXEMPT_MODULES = {"course.py", "_numba_kernels.py"}


def _modules():
    return sorted(p for p in PACKAGE.glob("*.py") if p.name not in EXEMPT_MODULES)


def _functions(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def _parameters(function):
    args = function.args
    names = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
    names += [a.arg for a in (args.vararg, args.kwarg) if a is not None]
    return [name for name in names if name not in ("self", "cls")]


def _code_lines(function, source_lines):
    """Lines of the function that hold code: not its docstring, comments or blanks."""
    body = function.body
    docstring = None
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        docstring = range(body[0].lineno, body[0].end_lineno + 1)
    lines = 0
    for number in range(function.lineno, function.end_lineno + 1):
        text = source_lines[number - 1].strip()
        if text and not text.startswith("#") and (docstring is None or number not in docstring):
            lines += 1
    return lines


def _report(check):
    problems = []
    for path in _modules():
        source = path.read_text()
        tree = ast.parse(source)
        problems += check(path.name, tree, source.splitlines())
    return problems


def test_no_function_takes_more_than_7_parameters():
    def check(module, tree, _):
        return [
            f"{module}:{f.lineno} {f.name} takes {len(_parameters(f))}"
            for f in _functions(tree)
            if len(_parameters(f)) > MAX_PARAMETERS
            and (module, f.name) not in ESTIMATOR_INITS
        ]

    assert _report(check) == []


def test_no_function_is_longer_than_60_lines_of_code():
    def check(module, tree, lines):
        return [
            f"{module}:{f.lineno} {f.name} has {_code_lines(f, lines)} lines"
            for f in _functions(tree)
            if _code_lines(f, lines) > MAX_LINES and (module, f.name) not in ESTIMATOR_INITS
        ]

    assert _report(check) == []


def test_no_function_takes_the_kernels_or_a_backend():
    def check(module, tree, _):
        if module == "_config.py":  # the setting named "kernels", a string
            return []
        return [
            f"{module}:{f.lineno} {f.name}({name})"
            for f in _functions(tree)
            for name in _parameters(f)
            if "kernel" in name or "backend" in name
        ]

    assert _report(check) == []


def test_every_class_has_at_most_one_skdeepnn_base():
    defined = set()
    trees = {path.name: ast.parse(path.read_text()) for path in PACKAGE.glob("*.py")}
    for tree in trees.values():
        defined |= {node.name for node in ast.walk(tree) if isinstance(node, ast.ClassDef)}
    problems = []
    for module, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                own = [b.id for b in node.bases if isinstance(b, ast.Name) and b.id in defined]
                if len(own) > 1:
                    problems.append(f"{module}:{node.lineno} {node.name}{tuple(own)}")
    assert problems == []


@pytest.mark.parametrize("name", ["DeepNNClassifier", "DeepNNRegressor", "LogisticRegressionGD"])
def test_estimators_descend_from_one_chain_of_skdeepnn_classes(name):
    import skdeepnn

    estimator = getattr(skdeepnn, name)
    own = [cls for cls in estimator.__mro__ if cls.__module__.startswith("skdeepnn")]
    for cls in own:
        bases = [b for b in cls.__bases__ if b.__module__.startswith("skdeepnn")]
        assert len(bases) <= 1, (cls, bases)
