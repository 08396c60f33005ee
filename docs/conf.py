"""Sphinx configuration of molmask's documentation site (see docs/README.md).

`tools/docs.py build` runs `sphinx-build -c docs _docs/src _docs/html`: the sources are the notebooks as
`tools/docs.py prepare` copies them into _docs/src (nbdev directives turned into MyST-NB cell tags) plus the
generated API pages. MyST-NB executes the notebooks through jupyter-cache, so an unchanged notebook is not run again.
"""
import logging
from configparser import ConfigParser
from pathlib import Path

logging.getLogger('traitlets').setLevel(logging.WARNING)   # not nbclient's line per executed notebook

ROOT = Path(__file__).resolve().parent.parent
_cfg = ConfigParser(delimiters=['='])
_cfg.read(ROOT / 'settings.ini', encoding='utf-8')
_cfg = _cfg['DEFAULT']

project = _cfg['title']
author = _cfg['author']
copyright = _cfg['copyright']
release = version = _cfg['version']

extensions = ['myst_nb']
root_doc = 'index'
exclude_patterns = ['**/runs/**', '**/.ipynb_checkpoints/**']
suppress_warnings = ['myst.header']   # notebooks may skip a heading level (H1 then ###): a style choice, not an error
default_role = 'code'            # `x` in reStructuredText reads as code, as it does in the markdown docstrings

# MyST: $...$ and $$...$$ maths as in the notebooks, heading anchors so that links to #sections resolve
myst_enable_extensions = ['dollarmath', 'amsmath', 'colon_fence']
myst_heading_anchors = 3
myst_all_links_external = False

# MyST-NB: execute through the cache in _docs/cache (see tools/docs.py for the tags). A cell error is a warning with
# its traceback, which -W turns into a failed build once every page is read; raising instead would hide the traceback
# when pages are read in parallel (-j 2) and stop at the first failing notebook.
nb_execution_mode = 'cache'
nb_execution_cache_path = str(ROOT / '_docs' / 'cache')
nb_execution_timeout = 1800       # seconds per cell
nb_execution_raise_on_error = False
nb_execution_show_tb = True
nb_execution_allow_errors = False
nb_merge_streams = True
nb_output_stderr = 'show'
nb_mime_priority_overrides = [('html', 'application/vnd.vegalite.v6+json', None),
                              ('html', 'application/vnd.vegalite.v5+json', None)]

html_theme = 'furo'
html_title = f'{project} {version}'
html_show_sourcelink = False
html_copy_source = False
html_last_updated_fmt = None
html_theme_options = {'navigation_with_keys': True}
html_math_renderer = 'mathml'
templates_path = []
html_static_path = ['_static']
html_css_files = ['molmask.css']


def _mathml(latex: str, display: str) -> str:
    "MathML for one formula: rendered at build time, so pages need no script and no network to show maths."
    from latex2mathml.converter import convert
    mathml = convert(latex, display=display)
    return mathml.replace('<mi>&#x0007E;</mi>', '<mo>&#x0223C;</mo>')   # \sim is a relation, not a tilde


def _visit_math(self, node):
    self.body.append(self.starttag(node, 'span', '', CLASS='math'))
    self.body.append(_mathml(node.astext(), 'inline') + '</span>')
    from docutils import nodes
    raise nodes.SkipNode


def _visit_math_block(self, node):
    self.body.append(self.starttag(node, 'div', CLASS='math'))
    for part in (p for p in node.astext().split('\n\n') if p.strip()):
        self.body.append(_mathml(part, 'block'))
    self.body.append('</div>\n')
    from docutils import nodes
    raise nodes.SkipNode


def setup(app):
    app.add_html_math_renderer('mathml', (_visit_math, None), (_visit_math_block, None))
