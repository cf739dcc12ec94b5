"""Sphinx configuration for the skdeepnn documentation."""

project = "skdeepnn"
author = "the skdeepnn developers"
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.napoleon",
]
html_theme = "alabaster"
exclude_patterns = ["_build"]
