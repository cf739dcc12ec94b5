"""Fail if the built documentation site loads anything from outside itself.

Run it on the output of the HTML build (CI does, right after building)::

    .venv/bin/python docs/check_offline.py docs/_build/html

It reads every HTML page of the site and reports:

- each element that makes the browser fetch something (``<script src>``, ``<link
  href>``, ``<img src/srcset>``, ``<iframe>``, ``<source>``, ``<video>``, ``<audio>``,
  ``<embed>``, ``<object data>``, ``<input type=image>``) from an ``http(s)://`` or
  protocol-relative ``//`` address;
- a remote ``url(...)`` or ``@import`` in a ``<style>`` element or a ``style=``
  attribute, and a remote address in an inline ``<script>``;
- a local script or stylesheet that a page loads but that is not in the site;
- a remote address in any JavaScript or CSS file of the site (all of them, not only
  the ones the pages name: MathJax loads its extensions and fonts from ``_static``
  itself at run time). In CSS, every remote ``url()`` and ``@import`` counts. In
  JavaScript, every ``http(s)://`` or ``//host/`` string counts except the few in
  ``ALLOWED_IN_JS`` below, each of which names no file that the browser loads.

Links (``<a href>``) are not loads: a page may point at other sites. The exit status is
1 when anything was found, with one line for each finding, and 0 otherwise.
"""

import argparse
import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

# Elements and the attributes by which they load something.
LOADING_ATTRIBUTES = {
    "script": ("src",),
    "link": ("href",),
    "img": ("src", "srcset"),
    "iframe": ("src",),
    "frame": ("src",),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "track": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "input": ("src",),
}

REMOTE = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
# In CSS: url(...) (quoted or not) and @import "..." / @import url(...).
CSS_URL = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)""", re.IGNORECASE | re.DOTALL)
CSS_IMPORT = re.compile(r"""@import\s+(['"])(.*?)\1""", re.IGNORECASE)
CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
# JavaScript comments that start a line (licence notices, "see https://..." notes): a
# comment after code on the same line stays, as "//" may be inside a string there.
JS_LINE_COMMENT = re.compile(r"^[ \t]*//[^\n]*", re.MULTILINE)
JS_BLOCK_COMMENT = re.compile(r"^[ \t]*/\*.*?\*/", re.MULTILINE | re.DOTALL)
# In JavaScript: an http(s):// address, or a protocol-relative one that starts a string.
JS_URL = re.compile(r"""https?://[^\s"'`<>)\\]+|(?<=["'`])//[a-z0-9-]+(?:\.[a-z0-9-]+)+[^\s"'`<>)\\]*""",
                    re.IGNORECASE)

# Remote addresses that may appear in the site's JavaScript because none of them makes a
# browser fetch anything. Each is a prefix; say why next to any new one.
ALLOWED_IN_JS = (
    # XML namespace names (MathJax's MathML and SVG output, SRE), identifiers only.
    "http://www.w3.org/1998/Math/MathML",
    "http://www.w3.org/1999/xhtml",
    "http://www.w3.org/2000/svg",
    "http://www.w3.org/1999/xlink",
    "http://www.w3.org/2001/10/synthesis",
    "http://www.w3.org/XML/1998/namespace",
    "http://www.w3.org/2000/xmlns/",
    "http://www.w3.org/1999/XSL/Transform",  # MathJax's mml3 extension, an XSLT sheet
    "http://exslt.org/common",
    # The Speech Rule Engine inside MathJax 3's menu and a11y components: its stand-alone
    # defaults, which MathJax overrides (loader path "sre" = [mathjax]/sre/mathmaps, in
    # the site), and an XPath polyfill it loads only in Internet Explorer. No page of
    # the site runs them otherwise; the headless-browser check in the notes of issue 24
    # saw no request leave the site.
    "https://cdn.jsdelivr.net/npm/speech-rule-engine@",
    "https://cdn.jsdelivr.net/npm/sre-mathmaps-ie@",
    "https://cdn.jsdelivr.net/npm/wicked-good-xpath@",
    # Link targets and text, not loads: MathJax's "About" dialog and help link, the
    # licence and source notices inside minified files.
    "https://www.mathjax.org",
    "http://www.apache.org/licenses/",
    "https://github.com/mhchem/mhchemParser",
    # The pydata theme's console message about its version switcher (which the site
    # does not use) when a page is opened from disk.
    "https://pydata-sphinx-theme.readthedocs.io/",
)


def is_remote(address):
    """Whether ``address`` (an attribute's value or a CSS url) points outside the site."""
    return bool(REMOTE.match(address)) and not address.strip().lower().startswith("file:")


def srcset_addresses(value):
    """The addresses of a ``srcset`` attribute (each candidate's first word)."""
    return [part.split()[0] for part in value.split(",") if part.split()]


class PageScanner(HTMLParser):
    """Collect what one HTML page loads: (kind, address) pairs, inline CSS and scripts."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.loads = []  # (tag, attribute, address, rel)
        self.inline_css = []
        self.inline_js = []
        self._in = None

    def handle_starttag(self, tag, attrs):
        attrs = {name: (value or "") for name, value in attrs}
        if tag == "input" and attrs.get("type", "").lower() != "image":
            pass
        else:
            for name in LOADING_ATTRIBUTES.get(tag, ()):
                if name not in attrs:
                    continue
                values = srcset_addresses(attrs[name]) if name == "srcset" else [attrs[name]]
                for value in values:
                    self.loads.append((tag, name, value, attrs.get("rel", "").lower()))
        if "style" in attrs:
            self.inline_css.append(attrs["style"])
        if tag in ("style", "script") and not attrs.get("src"):
            kind = attrs.get("type", "text/javascript").lower()
            if tag == "style" or "javascript" in kind or kind == "module":
                self._in = tag
                (self.inline_css if tag == "style" else self.inline_js).append("")

    def handle_endtag(self, tag):
        if tag == self._in:
            self._in = None

    def handle_data(self, data):
        if self._in == "style":
            self.inline_css[-1] += data
        elif self._in == "script":
            self.inline_js[-1] += data


def remote_in_css(text):
    """The remote addresses that CSS ``text`` imports or loads with ``url()``."""
    text = CSS_COMMENT.sub("", text)
    found = [m.group(2) for m in CSS_URL.finditer(text)]
    found += [m.group(2) for m in CSS_IMPORT.finditer(text)]
    return [address for address in found if is_remote(address)]


def remote_in_js(text):
    """The remote addresses in JavaScript ``text`` that ``ALLOWED_IN_JS`` does not allow."""
    text = JS_LINE_COMMENT.sub("", JS_BLOCK_COMMENT.sub("", text))
    return [address for address in JS_URL.findall(text)
            if not any(address.startswith(allowed) for allowed in ALLOWED_IN_JS)]


def local_target(page, address, root):
    """The file in the site that a relative or root-relative ``address`` of ``page`` names."""
    path = unquote(urlsplit(address).path)
    if not path:
        return None
    target = (root / path.lstrip("/")) if path.startswith("/") else (page.parent / path)
    return target.resolve()


def check(root):
    """Every finding in the site under ``root``, as lines of text."""
    root = Path(root).resolve()
    # HTML under _static is the theme's Jinja templates (webpack-macros.html), not pages.
    pages = sorted(page for page in root.rglob("*.html")
                   if page.relative_to(root).parts[0] not in ("_static", "_sources"))
    if not pages:
        return [f"{root}: no HTML pages (was the site built?)"]
    findings = []
    for page in pages:
        name = page.relative_to(root)
        scanner = PageScanner()
        scanner.feed(page.read_text(encoding="utf-8", errors="replace"))
        for tag, attribute, address, rel in scanner.loads:
            if is_remote(address):
                findings.append(f"{name}: <{tag} {attribute}={address!r}> loads from outside")
            elif tag in ("script", "link") and not address.startswith(("data:", "#")):
                # A script, a stylesheet, an icon ... that the site does not have.
                if tag == "link" and rel not in ("stylesheet", "preload", "icon", "modulepreload"):
                    continue
                target = local_target(page, address, root)
                if target is not None and not target.is_file():
                    findings.append(f"{name}: <{tag} {attribute}={address!r}> is not in the site")
        for css in scanner.inline_css:
            for address in remote_in_css(css):
                findings.append(f"{name}: inline CSS loads {address!r}")
        for js in scanner.inline_js:
            for address in remote_in_js(js):
                findings.append(f"{name}: inline script names {address!r}")
    for css_file in sorted(root.rglob("*.css")):
        text = css_file.read_text(encoding="utf-8", errors="replace")
        for address in remote_in_css(text):
            findings.append(f"{css_file.relative_to(root)}: loads {address!r}")
    for js_file in sorted(root.rglob("*.js")):
        text = js_file.read_text(encoding="utf-8", errors="replace")
        for address in sorted(set(remote_in_js(text))):
            findings.append(f"{js_file.relative_to(root)}: names {address!r}")
    return findings


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", nargs="?", default="docs/_build/html",
                        help="the built HTML site (default: docs/_build/html)")
    args = parser.parse_args(argv)
    findings = check(args.site)
    for line in findings:
        print(line)
    if findings:
        print(f"check_offline: {len(findings)} external resource(s) in {args.site}",
              file=sys.stderr)
        return 1
    print(f"check_offline: {args.site}: every script, style, font and image of every page"
          " comes from the site")
    return 0


if __name__ == "__main__":
    sys.exit(main())
