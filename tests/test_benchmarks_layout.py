"""The layout of ``benchmarks/``: no import cycle, each script runs alone, one runs them all.

Every ``bench_*.py`` imports the shared helpers from ``_common.py`` and no other script;
``_common.py`` imports no script; ``run_all.py`` imports every script. Read with ``ast``,
not run: a benchmark takes minutes. Only ``run_all.py --help`` runs, which imports them all.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
MODULES = {path.stem: path for path in sorted(BENCHMARKS.glob("*.py"))}
SCRIPTS = [name for name in MODULES if name.startswith("bench_")]


def parse(name):
    return ast.parse(MODULES[name].read_text(), filename=str(MODULES[name]))


def local_imports(name):
    """The modules of ``benchmarks/`` that module ``name`` imports, anywhere in it."""
    imported = set()
    for node in ast.walk(parse(name)):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            imported.add(node.module.split(".")[0])
    return imported & set(MODULES)


def has_main_block(tree):
    """Whether ``tree`` has a top-level ``if __name__ == "__main__":``."""
    return any(
        isinstance(node, ast.If)
        and isinstance(node.test, ast.Compare)
        and isinstance(node.test.left, ast.Name)
        and node.test.left.id == "__name__"
        and isinstance(node.test.comparators[0], ast.Constant)
        and node.test.comparators[0].value == "__main__"
        for node in tree.body
    )


def test_the_layout_is_there():
    assert {"_common", "run_all"} <= set(MODULES)
    assert {"bench_mlp", "bench_small", "bench_defaults", "bench_startup", "bench_scaling"} <= set(
        SCRIPTS
    )


def test_no_import_cycle():
    graph = {name: local_imports(name) for name in MODULES}
    done, on_path = set(), []

    def visit(name):
        assert name not in on_path, f"import cycle: {' -> '.join([*on_path, name])}"
        if name in done:
            return
        on_path.append(name)
        for imported in sorted(graph[name]):
            visit(imported)
        on_path.pop()
        done.add(name)

    for name in graph:
        visit(name)


@pytest.mark.parametrize("name", SCRIPTS)
def test_a_script_imports_only_the_shared_helpers(name):
    assert local_imports(name) == {"_common"}


def test_the_shared_helpers_import_no_script():
    assert local_imports("_common") == set()


def test_one_command_runs_every_script():
    assert local_imports("run_all") == set(SCRIPTS) | {"_common"}


@pytest.mark.parametrize("name", [*SCRIPTS, "run_all"])
def test_each_script_runs_alone(name):
    tree = parse(name)
    assert has_main_block(tree), f'{name}.py has no `if __name__ == "__main__":`'
    if name.startswith("bench_"):
        defined = {
            target.id
            for node in tree.body
            if isinstance(node, ast.Assign)
            for target in node.targets
            if isinstance(target, ast.Name)
        } | {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
        assert {"SECTIONS", "run"} <= defined, f"{name}.py lacks SECTIONS or run"


def test_run_all_help_lists_every_section():
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / "run_all.py"), "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    usage = " ".join(result.stdout.split())
    sections = ("adam", "gd", "logistic", "predict", "memory", "small", "defaults", "partial_fit")
    for section in (*sections, "auto", "threads", "startup", "scaling"):
        assert section in usage
