"""Build molmask's documentation site from the notebooks, and check the site it built (`make docs`; docs/README.md).

    python tools/docs.py build     # prepare, sphinx-build, check; prints the time of each
    python tools/docs.py prepare   # nbs/ -> _docs/src: the pages' sources and the API pages
    python tools/docs.py check     # _docs/html: every page there, every internal link and image resolves,
                                   # every exported name documented, the lessons show images

Everything lives in _docs/ (ignored by git): src/ the prepared sources, html/ the site, cache/ jupyter-cache's
executed notebooks, jupyter/ the `molmask-static` kernelspec (tools/static_kernel.py). Sphinx with MyST-NB renders
the pages; jupyter-cache keys each notebook by its code, so a rebuild executes only the notebooks whose code changed.

`prepare` turns nbdev's cell directives into MyST-NB cell tags (and drops the directive lines from the shown code):
`hide` / `include: false` -> remove-cell (run, not shown), `echo: false` -> remove-input, `output: false` ->
remove-output, a test flag such as `slow` or `eval: false` -> skip-execution (shown, not run, as in `make test`),
a cell holding only directives (`default_exp`) is dropped. The lessons (settings.ini `lessons`) are shown with their
committed outputs, not executed again (`make lessons` writes them and CI checks them); the papermill templates in
nbs/experiments/ are shown unexecuted, since they only run inside a study with its parameters; nbs/index.ipynb, the
README, is the landing page, with its links into the repository rewritten to pages or to the repository.
The API reference has one page per exported module, generated from the modules' docstrings, signatures and nbdev
docments (one comment per parameter), with every name in each module's `__all__`.
"""
import argparse, ast, hashlib, html.parser, importlib, inspect, json, os, re, subprocess, sys, time
from configparser import ConfigParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from lessons import directives, is_skipped, lesson_paths  # noqa: E402
from static_kernel import kernelspec_metadata, write_kernelspec  # noqa: E402

DOCS = ROOT / '_docs'
SRC, HTML, CACHE, JUPYTER = DOCS / 'src', DOCS / 'html', DOCS / 'cache', DOCS / 'jupyter'
HIDE = {('hide', ''), ('include', 'false')}


def settings():
    cfg = ConfigParser(delimiters=['='])
    cfg.read(ROOT / 'settings.ini', encoding='utf-8')
    return cfg['DEFAULT']


CFG = settings()
NBS = ROOT / CFG.get('nbs_path', 'nbs')
LIB = CFG['lib_name']
REPO_URL = f"{CFG['git_url'].rstrip('/')}/blob/{CFG.get('branch', 'main')}"


def _source(cell) -> str:
    return ''.join(cell['source']) if isinstance(cell['source'], list) else cell['source']


def _strip_directives(source: str) -> str:
    lines = source.splitlines()
    while lines and lines[0].startswith('#|'): lines.pop(0)
    return '\n'.join(lines).strip('\n')


def _md(text: str) -> dict:
    return dict(cell_type='markdown', id='docs-' + hashlib.sha1(text.encode()).hexdigest()[:8], metadata={}, source=text)


# --- the pages ---
def library_notebooks() -> list:
    "The numbered notebooks, in file order (the order of dependency)."
    return sorted(p for p in NBS.glob('*.ipynb') if p.name != 'index.ipynb')


def support_files() -> list:
    "Files beside the notebooks that they may read or import (not notebooks, not hidden, not caches)."
    return sorted(p for p in NBS.rglob('*') if p.is_file() and p.suffix != '.ipynb' and not any(
        part.startswith('.') or part == '__pycache__' for part in p.relative_to(NBS).parts))


def template_notebooks() -> list:
    return sorted((NBS / 'experiments').glob('*.ipynb'))


def module_of(nb: dict):
    "The module a notebook exports (`#| default_exp`), or None."
    for cell in nb['cells']:
        if cell['cell_type'] == 'code' and 'default_exp' in directives(_source(cell)):
            return f"{LIB}.{directives(_source(cell))['default_exp']}"
    return None


def convert_cell(cell: dict, flags: str):
    "A notebook cell as MyST-NB shows it: directive lines dropped, tags for what is hidden or not run; None to drop."
    if cell['cell_type'] != 'code': return cell
    src = _source(cell)
    found = directives(src)
    body = _strip_directives(src)
    if not body.strip(): return None
    tags = list(cell.get('metadata', {}).get('tags', []))
    if any((k, v.lower()) in HIDE for k, v in found.items()): tags.append('remove-cell')
    if found.get('echo', '').lower() == 'false': tags.append('remove-input')
    if found.get('output', '').lower() == 'false': tags.append('remove-output')
    if is_skipped(src, flags):
        tags.append('skip-execution')
        body = '# not run in the docs build (as in `make test`: flagged slow or eval: false)\n' + body
    out = dict(cell, source=body, metadata=dict(tags=tags) if tags else {})
    out['outputs'] = cell.get('outputs', [])
    out['execution_count'] = None
    return out


# --- what a notebook's outputs depend on, beyond its own code ---
_MODULE_IMPORTS = [re.compile(rf'from\s+(?:{LIB})?\.(\w+)\s+import'), re.compile(rf'import\s+{LIB}\.(\w+)')]
_PACKAGE_IMPORT = re.compile(rf'from\s+{LIB}\s+import\s+\(?([\w\s,]+)')


def imported_modules(text: str) -> set:
    "Names of the package's modules that `text` (code) imports."
    found = {m for pattern in _MODULE_IMPORTS for m in pattern.findall(text)}
    for names in _PACKAGE_IMPORT.findall(text): found |= {n.strip() for n in names.split(',') if n.strip()}
    return {m for m in found if (ROOT / LIB / f'{m}.py').exists()}


def module_closure(modules: set) -> set:
    "The modules and everything they import from the package, transitively."
    todo, seen = list(modules), set()
    while todo:
        m = todo.pop()
        if m in seen: continue
        seen.add(m)
        todo += imported_modules((ROOT / LIB / f'{m}.py').read_text(encoding='utf-8'))
    return seen


_ANY_IMPORT = re.compile(r'^\s*(?:from|import)\s+(\w+)', re.M)


def local_modules(text: str) -> list:
    "Helper files beside the notebooks (nbs/NAME.py, such as fixtures.py) that `text` imports, and what they import."
    todo, seen = [m for m in _ANY_IMPORT.findall(text) if (NBS / f'{m}.py').exists()], []
    while todo:
        m = todo.pop()
        if m in seen: continue
        seen.append(m)
        todo += [n for n in _ANY_IMPORT.findall((NBS / f'{m}.py').read_text(encoding='utf-8')) if (NBS / f'{n}.py').exists()]
    return sorted(seen)


def inputs_digest(nb: dict) -> str:
    """A digest of what a notebook's outputs depend on besides its code: the package modules it imports (with
    their own imports), helper files beside it in nbs/ that it imports, and the kernel's set-up. jupyter-cache keys
    a notebook by its code and kernelspec, so this digest goes into the kernelspec: a change to an imported module
    re-executes the notebooks that use it."""
    code = '\n'.join(_source(c) for c in nb['cells'] if c['cell_type'] == 'code')
    local = local_modules(code)
    modules = imported_modules(code)
    for m in local: modules |= imported_modules((NBS / f'{m}.py').read_text(encoding='utf-8'))
    files = [ROOT / LIB / f'{m}.py' for m in sorted(module_closure(modules))]
    files += [NBS / f'{m}.py' for m in local] + sorted((ROOT / 'tools').glob('static_kernel*.py'))
    h = hashlib.sha256()
    for f in files: h.update(f.name.encode() + b'\0' + f.read_bytes())
    return h.hexdigest()[:12]


def page(nb: dict, *, execute: bool, keep_outputs: bool, note: str = None, flags: str = '', title: str = '') -> dict:
    "The prepared copy of a notebook; `title` becomes its heading when it has none."
    cells = []
    for cell in nb['cells']:
        c = convert_cell(cell, flags)
        if c is None: continue
        if c['cell_type'] == 'code' and not keep_outputs: c['outputs'] = []
        cells.append(c)
    first_md = next((c for c in cells if c['cell_type'] == 'markdown'), None)
    if title and not (first_md and _source(first_md).lstrip().startswith('# ')): cells.insert(0, _md(f'# {title}'))
    if note:   # after the title cell
        at = next((i + 1 for i, c in enumerate(cells) if c['cell_type'] == 'markdown'), 0)
        cells.insert(at, _md(note))
    kernelspec = kernelspec_metadata()
    if execute: kernelspec['display_name'] += f' [inputs {inputs_digest(nb)}]'
    meta = dict(kernelspec=kernelspec, language_info=dict(name='python'))
    if not execute: meta['mystnb'] = dict(execution_mode='off')
    return dict(cells=cells, metadata=meta, nbformat=4, nbformat_minor=5)


_LINK = re.compile(r'(\]\()([^)\s]+)(\))')


def rewrite_links(text: str) -> str:
    "README links for the site: nbs/X.ipynb -> the page X; other repository paths -> the repository on the web."
    def fix(m):
        target = m.group(2)
        parts = urlsplit(target)
        if parts.scheme or target.startswith(('#', 'mailto:')): return m.group(0)
        path = parts.path
        if path.startswith(f'{NBS.name}/') and path.endswith('.ipynb'):
            new = path[len(NBS.name) + 1:] + (f'#{parts.fragment}' if parts.fragment else '')
        else:
            new = f'{REPO_URL}/{path}' + (f'#{parts.fragment}' if parts.fragment else '')
        return m.group(1) + new + m.group(3)
    return _LINK.sub(fix, text)


def landing_page(lessons: list, library: list, templates: list) -> dict:
    nb = json.loads((NBS / 'index.ipynb').read_text(encoding='utf-8'))
    for cell in nb['cells']:
        if cell['cell_type'] == 'markdown': cell['source'] = rewrite_links(_source(cell))
    def toc(caption, names):
        return f'```{{toctree}}\n:hidden:\n:caption: {caption}\n\n' + '\n'.join(names) + '\n```'
    nb['cells'].append(_md('\n\n'.join([
        toc('Course', [p.stem for p in lessons]),
        toc('Library notebooks', [p.stem for p in library if p not in lessons]),
        toc('Experiment templates', [f'experiments/{p.stem}' for p in templates]),
        toc('API reference', ['api/index'])])))
    return page(nb, execute=False, keep_outputs=False, flags=CFG.get('tst_flags', ''))


# --- API reference ---
def _clean_repr(value) -> str:
    text = re.sub(r' at 0x[0-9a-fA-F]+', '', repr(value))
    try: ast.parse(text, mode='eval')
    except SyntaxError: return '…'
    return text if len(text) <= 80 else text[:77] + '…'


def _anno(anno) -> str:
    if anno is inspect.Parameter.empty or anno is None: return ''
    text = anno if isinstance(anno, str) else inspect.formatannotation(anno)
    return text.strip('\'"')


def signature(obj) -> str:
    "`(a: int = 0, *, b=None) -> str` for the directive line; defaults that are not literals shown as `…`."
    try: sig = inspect.signature(obj)
    except (TypeError, ValueError): return '(…)'
    params = []
    for p in sig.parameters.values():
        text = p.name
        if p.kind == p.VAR_POSITIONAL: text = '*' + text
        elif p.kind == p.VAR_KEYWORD: text = '**' + text
        if _anno(p.annotation): text += f': {_anno(p.annotation)}'
        if p.default is not p.empty:
            default = "<factory>" if repr(p.default) == '<factory>' else _clean_repr(p.default)
            text += f' = {default}' if _anno(p.annotation) else f'={default}'
        params.append(text)
    # keyword-only marker where needed
    kinds = [p.kind for p in sig.parameters.values()]
    if inspect.Parameter.KEYWORD_ONLY in kinds and inspect.Parameter.VAR_POSITIONAL not in kinds:
        params.insert(kinds.index(inspect.Parameter.KEYWORD_ONLY), '*')
    ret = _anno(sig.return_annotation)
    return f"({', '.join(params)})" + (f' -> {ret}' if ret and ret != 'None' else '')


def _cell(text) -> str:
    return str(text).replace('|', '\\|').replace('\n', ' ')


def docments_table(obj) -> str:
    "A markdown table of the parameters: name, type, default, and the docment (nbdev's parameter comment)."
    from fastcore.docments import docments
    try: docs = docments(obj, full=True)
    except Exception: return ''
    rows = []
    for name, d in docs.items():
        if name == 'return': continue
        default = d.get('default', inspect.Parameter.empty)
        default = '' if default is inspect.Parameter.empty else ('<factory>' if repr(default) == '<factory>' else _clean_repr(default))
        rows.append(f"| `{name}` | {('`' + _cell(_anno(d.get('anno'))) + '`') if _anno(d.get('anno')) else ''} | "
                    f"{('`' + _cell(default) + '`') if default else ''} | {_cell(d.get('docment') or '')} |")
    ret = docs.get('return', {})
    if ret.get('docment'):
        rows.append(f"| **returns** | {('`' + _cell(_anno(ret.get('anno'))) + '`') if _anno(ret.get('anno')) else ''} | | "
                    f"{_cell(ret['docment'])} |")
    if not rows: return ''
    return '| parameter | type | default | |\n|---|---|---|---|\n' + '\n'.join(rows)


def _doc(obj) -> str:
    doc = inspect.getdoc(obj) or ''
    # docstrings are markdown; a heading inside an API entry would break the page's outline: make it bold
    return re.sub(r'^#+\s+(.*)$', r'**\1**', doc, flags=re.M)


def _entry(directive: str, name: str, sig: str, body: list, fence: str = '```', options: list = ()) -> str:
    head = f'{fence}{{py:{directive}}} {name}{sig}'
    opts = '\n'.join(options)
    content = '\n\n'.join(b for b in body if b)
    return '\n'.join(x for x in [head, opts, '', content, fence] if x is not None)


def _members(cls) -> list:
    "Public methods and properties that molmask defines on a class (patched ones included), in definition order."
    out = []
    for name, value in cls.__dict__.items():
        if name.startswith('_') and name != '__call__': continue
        fn = value.__func__ if isinstance(value, (staticmethod, classmethod)) else value
        if isinstance(value, property):
            if (value.fget and getattr(value.fget, '__module__', '') or '').startswith(LIB): out.append((name, 'property', value))
        elif inspect.isfunction(fn) and (fn.__module__ or '').startswith(LIB):
            out.append((name, 'staticmethod' if isinstance(value, staticmethod) else
                        'classmethod' if isinstance(value, classmethod) else 'method', fn))
    return out


def api_entry(module: str, name: str, obj) -> str:
    if inspect.isclass(obj):
        bases = [b for b in obj.__bases__ if b is not object]
        body = [_doc(obj), docments_table(obj)]
        if bases: body.insert(0, 'Bases: ' + ', '.join(f'`{b.__module__}.{b.__qualname__}`' for b in bases))
        for mname, kind, member in _members(obj):
            if kind == 'property':
                body.append(_entry('property', mname, '', [_doc(member)]))
            else:
                sig = signature(member)
                if kind == 'method': sig = re.sub(r'^\(self(, )?', '(', sig)
                elif kind == 'classmethod': sig = re.sub(r'^\(cls(, )?', '(', sig)
                opts = [':staticmethod:'] if kind == 'staticmethod' else [':classmethod:'] if kind == 'classmethod' else []
                body.append(_entry('method', mname, sig, [_doc(member), docments_table(member)], options=opts))
        return _entry('class', name, signature(obj), body, fence='````')
    if callable(obj) and (inspect.isfunction(obj) or inspect.isbuiltin(obj) or hasattr(obj, '__wrapped__')):
        return _entry('function', name, signature(obj), [_doc(obj), docments_table(obj)])
    kind = type(obj)
    body = [f'A `{kind.__module__}.{kind.__qualname__}`' + (f': `{_clean_repr(obj)}`' if _clean_repr(obj) != '…' else '.')]
    if kind.__module__.startswith(LIB) and inspect.getdoc(kind): body.append(inspect.getdoc(kind))
    return _entry('data', name, '', body)


def api_page(module: str, notebook: Path) -> str:
    mod = importlib.import_module(module)
    names = list(getattr(mod, '__all__', []))
    head = (f'# {module}\n\n```{{py:module}} {module}\n```\n\n'
            f'{inspect.getdoc(mod) or ""}\n\nGenerated from the notebook [{notebook.stem}](../{notebook.stem}.ipynb): '
            f'every name in `{module}.__all__`, with its signature, docstring and parameter comments.\n')
    index = '\n'.join(f'- {{py:obj}}`{n} <{module}.{n}>`' for n in names)
    return head + '\n' + index + '\n\n' + '\n\n'.join(api_entry(module, n, getattr(mod, n)) for n in names) + '\n'


# --- prepare ---
def _write(path: Path, content, written: set):
    "Write `content` (str or bytes) only when it changed, so that Sphinx re-reads only changed pages."
    data = content.encode('utf-8') if isinstance(content, str) else content
    written.add(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_bytes() != data: path.write_bytes(data)


def _dump(nb: dict) -> str:
    return json.dumps(nb, indent=1, ensure_ascii=False, sort_keys=True) + '\n'


def prepare() -> dict:
    "Write _docs/src and the kernelspec; return the inventory of pages {source: page name}."
    flags = CFG.get('tst_flags', '')
    lessons, library, templates = lesson_paths(), library_notebooks(), template_notebooks()
    written, inventory, modules = set(), {}, []
    for path in library:
        nb = json.loads(path.read_text(encoding='utf-8'))
        module = module_of(nb)
        note = None
        if module:
            modules.append((module, path))
            note = (f'*This notebook is the source of `{module}`; its reference is on the page '
                    f'[{module}](api/{module}.md).*')
        is_lesson = path in lessons
        prepared = page(nb, execute=not is_lesson, keep_outputs=is_lesson, note=note, flags=flags, title=path.stem)
        _write(SRC / path.name, _dump(prepared), written)
        inventory[str(path.relative_to(ROOT))] = path.stem
    for path in templates:
        nb = json.loads(path.read_text(encoding='utf-8'))
        note = ('*A papermill template: `molmask study` executes it once per run, with that run\'s parameters, into the '
                'run\'s folder. It is shown here without outputs; the lessons and library notebooks show results.*')
        prepared = page(nb, execute=False, keep_outputs=False, note=note, flags=flags, title=f'Template: {path.stem}')
        _write(SRC / 'experiments' / path.name, _dump(prepared), written)
        inventory[str(path.relative_to(ROOT))] = f'experiments/{path.stem}'
    _write(SRC / 'index.ipynb', _dump(landing_page(lessons, library, templates)), written)
    for helper in support_files():   # e.g. nbs/fixtures.py, which notebooks import from their folder
        _write(SRC / helper.relative_to(NBS), helper.read_bytes(), written)
    inventory[str((NBS / 'index.ipynb').relative_to(ROOT))] = 'index'
    for module, path in modules:
        _write(SRC / 'api' / f'{module}.md', api_page(module, path), written)
        inventory[module] = f'api/{module}'
    api_index = '# API reference\n\nOne page per module of `{lib}`, in the order of the notebooks they come from.\n\n{rows}\n\n' \
                '```{{toctree}}\n:hidden:\n\n{toc}\n```\n'.format(
                    lib=LIB, rows='\n'.join(f'- [{m}]({m}.md), from [{p.stem}](../{p.stem}.ipynb)' for m, p in modules),
                    toc='\n'.join(m for m, _ in modules))
    _write(SRC / 'api' / 'index.md', api_index, written)
    inventory['api'] = 'api/index'
    for stale in [p for p in SRC.rglob('*') if p.is_file() and p not in written and not any(
                  part in ('runs', '__pycache__') or part.startswith('.') for part in p.relative_to(SRC).parts)]:
        stale.unlink()
    write_kernelspec(JUPYTER)
    _write(DOCS / 'pages.json', json.dumps(inventory, indent=1) + '\n', set())
    return inventory


# --- check ---
class _Refs(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.images, self.ids = [], [], set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if 'id' in a: self.ids.add(a['id'])
        if tag == 'a' and a.get('href'): self.links.append(a['href'])
        if tag in ('img', 'script') and a.get('src'): (self.images if tag == 'img' else self.links).append(a['src'])
        if tag == 'link' and a.get('href'): self.links.append(a['href'])


def _parse(path: Path) -> _Refs:
    p = _Refs()
    p.feed(path.read_text(encoding='utf-8'))
    return p


def check() -> list:
    "Problems with the built site: missing pages, broken internal links or anchors, missing images, undocumented names."
    problems = []
    inventory = json.loads((DOCS / 'pages.json').read_text())
    for source, name in inventory.items():
        if not (HTML / f'{name}.html').exists(): problems.append(f'missing page {name}.html (from {source})')
    pages = {p: _parse(p) for p in HTML.rglob('*.html')}
    for path, refs in pages.items():
        rel = path.relative_to(HTML)
        for url in refs.links + refs.images:
            parts = urlsplit(url)
            if parts.scheme or url.startswith(('mailto:', 'data:', '//')): continue
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            if not target.exists():
                problems.append(f'{rel}: broken link {url}')
                continue
            if parts.fragment and target.suffix == '.html':
                ids = pages[target].ids if target in pages else _parse(target).ids
                if unquote(parts.fragment) not in ids: problems.append(f'{rel}: missing anchor {url}')
        for url in refs.images:
            parts = urlsplit(url)
            if parts.scheme == 'data' or url.startswith('data:'): continue
            target = (path.parent / unquote(parts.path)).resolve()
            if target.exists() and target.stat().st_size == 0: problems.append(f'{rel}: empty image {url}')
    for module, name in ((m, n) for m, n in inventory.items() if n.startswith('api/') and m != 'api'):
        ids = pages.get(HTML / f'{name}.html', _Refs()).ids
        for export in getattr(importlib.import_module(module), '__all__', []):
            if f'{module}.{export}' not in ids: problems.append(f'{name}.html: {module}.{export} is not documented')
    for lesson in lesson_paths():
        page_path = HTML / f'{lesson.stem}.html'
        if page_path.exists() and not pages[page_path].images:
            problems.append(f'{lesson.stem}.html: the lesson shows no image')
    return problems


def cache_records() -> dict:
    "jupyter-cache's records of executed notebooks, {id: (page, seconds)}."
    from jupyter_cache import get_cache
    if not CACHE.exists(): return {}
    return {r.pk: (Path(r.uri).relative_to(SRC).with_suffix('').as_posix(), r.data.get('execution_seconds') or 0)
            for r in get_cache(str(CACHE)).list_cache_records()}


def create_cache():
    "Create jupyter-cache's database before Sphinx starts: parallel workers racing to create it fail on a fresh clone."
    from jupyter_cache import get_cache
    CACHE.mkdir(parents=True, exist_ok=True)
    get_cache(str(CACHE)).list_cache_records()


def sphinx(jobs: str) -> int:
    env = dict(os.environ, JUPYTER_PATH=os.pathsep.join(filter(None, [str(JUPYTER), os.environ.get('JUPYTER_PATH')])),
               MOLMASK_PROGRESS='0', PYDEVD_DISABLE_FILE_VALIDATION='1')
    cmd = [sys.executable, '-m', 'sphinx', '-b', 'html', '-c', str(ROOT / 'docs'), '-W', '--keep-going', '-q',
           '-j', jobs, str(SRC), str(HTML)]
    return subprocess.call(cmd, env=env, cwd=ROOT)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('command', choices=['build', 'prepare', 'check'])
    ap.add_argument('-j', '--jobs', default=os.environ.get('DOCS_JOBS', '2'), help='Sphinx processes (default 2)')
    a = ap.parse_args(argv)
    times = []
    def timed(label, fn):
        t0 = time.perf_counter()
        result = fn()
        times.append(f'{label} {time.perf_counter() - t0:.0f} s')
        return result
    if a.command in ('build', 'prepare'):
        inventory = timed('prepare', prepare)
        print(f'prepared {len(inventory)} pages in {SRC.relative_to(ROOT)}')
    if a.command == 'build':
        create_cache()
        before = cache_records()
        rc = timed('sphinx', lambda: sphinx(a.jobs))
        done = sorted(v for k, v in cache_records().items() if k not in before)
        print(f'executed {len(done)} notebook(s): ' + ', '.join(f'{p} {s:.0f} s' for p, s in done) if done else
              'executed no notebook: every output came from the cache')
        if rc:
            print(f'error: sphinx-build failed (exit {rc}): see the messages above', file=sys.stderr)
            return rc
    if a.command in ('build', 'check'):
        problems = timed('check', check)
        for p in problems: print('  ' + p, file=sys.stderr)
        if problems:
            print(f'error: {len(problems)} problem(s) in the built site', file=sys.stderr)
            return 1
        n = len(list(HTML.rglob('*.html')))
        print(f'site: {HTML.relative_to(ROOT)}/index.html ({n} HTML files; every page, link, image and exported name checked)')
    if times: print('times: ' + ', '.join(times))
    return 0


if __name__ == '__main__': sys.exit(main())
