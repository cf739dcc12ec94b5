"""Sphinx configuration for the skdeepnn documentation.

Build it from the repository root with the gallery executed and warnings as errors::

    .venv/bin/pip install ".[docs]"
    MPLBACKEND=Agg .venv/bin/python -m sphinx -W --keep-going -b html docs docs/_build/html

Nothing here fetches anything over the network, neither while building nor in the
reader's browser: no intersphinx inventories, no analytics, no remote images, no CDN.
MathJax comes with the site (``sphinx-mathjax-offline`` copies MathJax 3's files into
``_static/mathjax``), and ``docs/check_offline.py``, which CI runs after the build,
fails if a built page loads anything from outside the site.
"""

import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
REPO = DOCS.parent
# Document (and run the examples against) this source tree, whatever copy of
# skdeepnn the environment has installed.
sys.path.insert(0, str(REPO))

import skdeepnn  # noqa: E402

# -- Project -----------------------------------------------------------------------

project = "skdeepnn"
author = "the skdeepnn developers"
copyright = "the skdeepnn developers"
release = skdeepnn.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    # MathJax's own files, copied into the built site: the equations render from disk
    # with no network. It sets mathjax_path to _static/mathjax/tex-chtml.js, so it
    # must come after sphinx.ext.mathjax.
    "sphinx-mathjax-offline",
    # [source] links: each API page links to its code, highlighted, in the site.
    "sphinx.ext.viewcode",
    # A copy button on every code block (the prompts and outputs left out).
    "sphinx_copybutton",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
# benchmark_table.rst is not a page of its own: comparison.rst includes it.
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "benchmark_table.rst", "kernels_table.rst"]

# -- autodoc and autosummary ---------------------------------------------------------

# One page per public class and function, under docs/generated/ (not kept in git).
autosummary_generate = True
autodoc_typehints = "none"  # the numpydoc sections say the types
autodoc_default_options = {"member-order": "bysource"}


def _defined_by_skdeepnn(member):
    """Whether ``member`` (a method, function or property) is skdeepnn's own code.

    The estimators inherit ``get_params``, ``score``, ``set_fit_request`` ... from
    scikit-learn; scikit-learn documents those, and their docstrings follow its own
    conventions. The API pages list and document only what skdeepnn defines (its
    private base classes included: ``fit`` is ``NetworkEstimator.fit``).
    """
    target = getattr(member, "fget", member)  # a property's getter
    target = getattr(target, "__func__", target)  # a classmethod's function
    module = getattr(target, "__module__", None) or ""
    return module == "skdeepnn" or module.startswith("skdeepnn.")


def skip_foreign_members(app, what, name, obj, skip, options):
    """``autodoc-skip-member``: leave out the members that skdeepnn does not define.

    autosummary's class template (the methods it lists) and autodoc's
    ``:inherited-members:`` both ask this event.
    """
    if skip or name.startswith("_"):
        return None  # autodoc's own decision
    if callable(obj) or isinstance(obj, property):
        if not _defined_by_skdeepnn(obj):
            return True
    return None


# -- numpydoc ------------------------------------------------------------------------

# The class template lists the methods itself (only skdeepnn's): numpydoc must not add
# a second list, with every inherited scikit-learn method, after the docstring.
numpydoc_show_class_members = False
# With the lists off this has no effect; False also keeps numpydoc from ever asking
# autosummary for stub pages of members (which would warn, as none are generated).
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False

# Docstrings are checked as they are rendered; a failure is a warning, which -W makes
# an error. These are the checks of substance: every parameter documented and no
# other, types given, sections known and in order, a summary, Returns. Left out are
# the stylistic ones the package does not follow: GL01/GL02/GL03 blank lines, ES01
# extended summary, SA01 See Also, EX01 Examples, RT02 the name of a returned value,
# SS03 a final period (a summary may end in a formula), SS05 the infinitive verb,
# SS06 a one-line summary, PR07/PR08/PR09 a description for every parameter (``X``
# of ``predict`` has none) starting in capitals and ending with a period.
numpydoc_validation_checks = {
    "GL05",  # tabs
    "GL06",  # unknown section
    "GL07",  # sections in the wrong order
    "GL08",  # no docstring
    "GL10",  # unbalanced backticks
    "SS01",  # no summary
    "SS02",  # summary starts in lower case
    "SS04",  # summary with heading whitespace
    "PR01",  # a parameter not documented
    "PR02",  # documented parameter that does not exist
    "PR03",  # parameters in the wrong order
    "PR04",  # a parameter without a type
    "PR05",  # type ending in a period
    "PR06",  # "integer" / "boolean" / "string" rather than int / bool / str
    "PR10",  # "param:type" without the space before the colon
    "RT01",  # no Returns section
    "YD01",  # no Yields section
}
# Objects the checks leave alone: scikit-learn's generated metadata-routing methods
# (``set_fit_request`` ...) should never reach the checks, as the skip hook above
# removes them, but a future scikit-learn may move them; ``__init__`` has no
# docstring of its own (numpydoc documents the parameters in the class's).
numpydoc_validation_exclude = {
    r"\.__init__$",
    r"\.set_\w+_request$",
    r"\.get_metadata_routing$",
}

# -- sphinx-gallery ------------------------------------------------------------------


def _catvnoncat_path():
    """Where the cat-vs-non-cat data of ``examples/plot_cat_vs_noncat.py`` are, or None.

    ``SKDEEPNN_CATVNONCAT`` names the file; without it, the shared copy next to the
    repository, ``<repo root>/../shared/data/catvnoncat.npz``. The course's data are
    not redistributed with skdeepnn, so the example runs only where they exist.
    """
    given = os.environ.get("SKDEEPNN_CATVNONCAT")
    path = Path(given).expanduser() if given else REPO.parent / "shared" / "data" / "catvnoncat.npz"
    path = path if path.is_absolute() else Path.cwd() / path
    return path.resolve() if path.is_file() else None


CATVNONCAT = _catvnoncat_path()
if CATVNONCAT is not None:
    # The example runs inside this process, from the examples folder: an absolute
    # path lets it find the file that was found here, whatever the working directory.
    os.environ["SKDEEPNN_CATVNONCAT"] = str(CATVNONCAT)

# Every examples/plot_*.py runs; the cat example only when its data file exists (without
# it, the example's page shows its code, not run). quickstart.py, the
# README's command-line script (which CI runs on its own), is left out of the gallery:
# a gallery page takes its title from the script's docstring, and the quickstart's
# has no reStructuredText title.
if CATVNONCAT is not None:
    _executed = r"/plot_[^/]*\.py$"
else:
    _executed = r"/plot_(?!cat_vs_noncat\.py$)[^/]*\.py$"

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": _executed,
    # Matched against the bare file name (filename_pattern: against the whole path).
    "ignore_pattern": r"^__init__\.py$|^_|^quickstart\.py$",
    "within_subsection_order": "FileNameSortKey",
    # "Examples using ..." under each API page; the pages are written next to the
    # autosummary ones, in docs/generated/ (not kept in git).
    "doc_module": ("skdeepnn",),
    "backreferences_dir": "generated/backreferences",
    # A broken example fails the build, as a warning does.
    "abort_on_example_error": False,
    "only_warn_on_example_error": False,
    "show_memory": False,
    "plot_gallery": "True",
    "download_all_examples": False,
    "remove_config_comments": True,
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
    # Each figure is also saved at twice its size, for high-density screens and for the
    # full-size view its link opens (docs/_static/skdeepnn.js).
    "image_srcset": ["2x"],
    "line_numbers": False,
    "min_reported_time": 1,
    # sg_execution_times.rst pages load jQuery and DataTables from CDNs in the
    # reader's browser: leave them out (the build log reports each example's time).
    "write_computation_times": False,
}

# -- Math, copy buttons -------------------------------------------------------------

# The site's own copy of MathJax 3 (sphinx-mathjax-offline sets the same path; saying
# it here keeps the CDN default of sphinx.ext.mathjax out if it ever did not).
mathjax_path = "mathjax/tex-chtml.js"

# The copy button copies the code without its prompts and without doctest output: in
# a block with ">>> " prompts only the prompted lines (and their "... " continuations),
# in a shell block the command after "$ ".
copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = True

# -- HTML ----------------------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"skdeepnn {release}"
html_theme_options = {
    # No external services: no analytics, no icon links, no version switcher (whose
    # JSON the browser would fetch), no edit buttons pointing at a forge.
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "navbar_align": "left",
    "header_links_before_dropdown": 6,
    # One row of navbar at 1280px: the search is its icon (Ctrl+K still opens it),
    # and index.rst's toctree gives the pages short titles.
    "navbar_persistent": [],
    "navbar_end": ["search-button", "theme-switcher"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
    # The example pages, the API pages and the comparison have no secondary sidebar:
    # their code, output and tables need the width (docs/_static/skdeepnn.css). The
    # theme warns when a page matches two wildcard patterns, so none overlap here ("*"
    # is one folder deep); a page that matches none (generated/*, auto_examples/*,
    # the viewcode pages) gets no secondary sidebar.
    "secondary_sidebar_items": {
        "*": ["page-toc", "sourcelink"],
        "user_guide/*": ["page-toc", "sourcelink"],
        "comparison": [],
    },
}
html_sidebars = {"index": [], "course_module": [], "comparison": [], "mlp_users": []}
# The site's own CSS (widths that hold 100-character lines, tables that scroll visibly,
# the API tables at phone width) and script (gallery figures open full size).
html_static_path = ["_static"]
html_css_files = ["skdeepnn.css"]
html_js_files = ["skdeepnn.js"]


def find_defining_module(app, modname, attribute):
    """``viewcode-follow-imported``: the private module that defines a public class.

    skdeepnn's public classes say ``__module__ == "skdeepnn"`` (pickles and skops files
    name that path), so viewcode would look for ``class DeepNNClassifier`` in
    ``skdeepnn/__init__.py`` and give its page no ``[source]`` link. Return the module
    of the package whose source defines ``attribute``, and let viewcode decide for
    every other object (``None``).
    """
    if modname != "skdeepnn":
        return None
    from sphinx.pycode import ModuleAnalyzer

    top = attribute.split(".")[0]
    obj = getattr(skdeepnn, top, None)
    for name, module in sorted(sys.modules.items()):
        if not name.startswith("skdeepnn.") or getattr(module, top, None) is not obj:
            continue
        try:
            analyzer = ModuleAnalyzer.for_module(name)
            analyzer.find_tags()
        except Exception:  # a module without source: not this one
            continue
        if attribute in analyzer.tags:
            return name
    return None


def remove_mathjax_cdn_loader(app, exc):
    """``build-finished``: delete ``_static/mathjax/latest.js`` from the built site.

    MathJax's ``latest.js`` asks CDNs for the newest MathJax and loads it from there; no
    page uses it (they load ``tex-chtml.js``), and a site that works offline should not
    carry it. It runs after sphinx-mathjax-offline has copied MathJax's files.
    """
    latest = Path(app.outdir) / "_static" / "mathjax" / "latest.js"
    if exc is None and latest.is_file():
        latest.unlink()


def setup(app):
    app.connect("autodoc-skip-member", skip_foreign_members)
    app.connect("viewcode-follow-imported", find_defining_module)
    app.connect("build-finished", remove_mathjax_cdn_loader, priority=900)
