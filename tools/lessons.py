"""Lesson notebooks are committed *with* their outputs; this tool regenerates those outputs and checks they are fresh.

    python tools/lessons.py run   [NB ...]   # execute the lessons in place (make lessons)
    python tools/lessons.py check [NB ...]   # execute them again and compare with the committed outputs (CI)

The lessons are the notebooks named by `lessons` in settings.ini (paths under nbs/); every other notebook in nbs/
must stay without outputs, and `check` says so when one has some. Execution is deterministic: the `molmask-static`
kernel (tools/static_kernel.py: one thread, PYTHONHASHSEED=0, charts as PNG images), the notebook's own seeds, the
notebook's folder as working directory (as nbdev_test), cells flagged `slow` or `eval: false` not run (as
nbdev_test). The result is cleaned as `nbdev_clean` cleans it (execution counts and memory addresses dropped), so a
notebook written by `run` is one `nbdev_clean` leaves unchanged.

`check` compares a normalised form of every output, cell by cell:
- text (streams, text/plain, text/html, text/markdown, errors): exactly, after masking volatile bits: memory
  addresses, absolute paths of temporary folders and durations (`1.2 s`, `0:00:03`, `12ms`, `3.4 it/s`);
- images (PNG, JPEG): by a hash of the decoded pixels and the image size, so PNG compression settings do not
  matter; SVG as text. On a mismatch it reports which cell and output differ and, for images, how many pixels.
Pixels are robust on the machines this project runs on (one kind for developers and CI: x86-64, same pinned wheels):
RDKit draws with its built-in font, vl-convert with the fonts it bundles, and one thread makes the arithmetic
repeatable. Another CPU family or another OS can round the last bits of a float differently (a loss curve moves by
less than a pixel, a printed number may change in its last digit): there, `run` and commit instead of `check`.
"""
import argparse, copy, hashlib, io, json, os, re, sys, tempfile, time
from configparser import ConfigParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from static_kernel import KERNEL_NAME, write_kernelspec  # noqa: E402

SKIP_TAG = 'skip-execution'


def settings() -> dict:
    cfg = ConfigParser(delimiters=['='])
    cfg.read(ROOT / 'settings.ini', encoding='utf-8')
    return cfg['DEFAULT']


def lesson_paths() -> list:
    "The lesson notebooks, from settings.ini `lessons` (paths under nbs_path)."
    cfg = settings()
    nbs = ROOT / cfg.get('nbs_path', 'nbs')
    return [nbs / name for name in cfg.get('lessons', '').split()]


def directives(source: str) -> dict:
    "nbdev's `#|` directives at the top of a code cell, as {name: value}."
    found = {}
    for line in source.splitlines():
        if not line.startswith('#|'): break
        key, _, value = line[2:].strip().partition(' ')
        key, _, colon_value = key.partition(':')
        found[key.strip()] = (colon_value + ' ' + value).strip()
    return found


def is_skipped(source: str, flags=None) -> bool:
    "A cell that nbdev_test does not run: one flagged with a test flag (`slow`) or `eval: false`."
    flags = set((settings().get('tst_flags', '') if flags is None else flags).split())
    found = directives(source)
    return bool(flags & set(found)) or found.get('eval', '').lower() == 'false'


def _source(cell) -> str:
    return ''.join(cell['source']) if isinstance(cell['source'], list) else cell['source']


def execute(path: Path, timeout: int = 1800) -> dict:
    "Execute the notebook at `path` on the molmask-static kernel; return it executed and cleaned (not written)."
    import nbformat
    from nbclient import NotebookClient
    nb = nbformat.read(path, as_version=4)
    run = copy.deepcopy(nb)
    for cell in run.cells:
        if cell.cell_type != 'code': continue
        cell.outputs = []
        if is_skipped(_source(cell)): cell.metadata.setdefault('tags', []).append(SKIP_TAG)
    with tempfile.TemporaryDirectory() as jupyter_dir:
        write_kernelspec(jupyter_dir)
        old = os.environ.get('JUPYTER_PATH')
        os.environ['JUPYTER_PATH'] = jupyter_dir + (os.pathsep + old if old else '')
        try:
            NotebookClient(run, timeout=timeout, kernel_name=KERNEL_NAME, record_timing=False,
                           resources={'metadata': {'path': str(path.parent)}}).execute()
        finally:
            if old is None: del os.environ['JUPYTER_PATH']
            else: os.environ['JUPYTER_PATH'] = old
    for cell, done in zip(nb.cells, run.cells):
        if cell.cell_type == 'code': cell.outputs = done.outputs
    return clean(nb)


def clean(nb) -> dict:
    "The notebook as `nbdev_clean` leaves it, with this project's settings."
    from nbdev.clean import clean_nb
    cfg = settings()
    nb = json.loads(json.dumps(nb))
    clean_nb(nb, clear_all=cfg.get('clear_all', 'False') == 'True',
             allowed_metadata_keys=cfg.get('allowed_metadata_keys', '').split(),
             allowed_cell_metadata_keys=cfg.get('allowed_cell_metadata_keys', '').split(),
             clean_ids=cfg.get('clean_ids', 'True') == 'True')
    return nb


def write(nb: dict, path: Path):
    "Write as nbdev_clean writes (execnb's format), so that `make clean-nbs` leaves the file unchanged."
    from execnb.nbio import write_nb
    write_nb(nb, path)


# --- normalised outputs ---
_VOLATILE = [
    (re.compile(r' at 0x[0-9a-fA-F]+'), ' at 0x…'),
    (re.compile(r'/tmp/[^\s\'"),\]]+'), '/tmp/…'),
    (re.compile(r'\b\d+:\d\d(:\d\d)?(\.\d+)?\b'), '…:…'),
    (re.compile(r'\b\d+(\.\d+)?\s?(ms|µs|us|ns|s|sec|secs|seconds|min|minutes|it/s|s/it)\b'), '… \\2'),
]


def normalise_text(text) -> str:
    text = ''.join(text) if isinstance(text, list) else text
    for pattern, repl in _VOLATILE: text = pattern.sub(repl, text)
    return text


def image_key(data: str) -> str:
    "Size and hash of the decoded pixels of a base64 PNG/JPEG."
    import base64
    from PIL import Image
    img = Image.open(io.BytesIO(base64.b64decode(data))).convert('RGBA')
    return f'{img.size[0]}x{img.size[1]} sha256:{hashlib.sha256(img.tobytes()).hexdigest()[:16]}'


def normalise_output(out: dict) -> list:
    "One output as a list of (what, normalised value) pairs."
    kind = out['output_type']
    if kind == 'stream': return [(f'stream:{out["name"]}', normalise_text(out['text']))]
    if kind == 'error': return [('error', f'{out["ename"]}: {normalise_text(out["evalue"])}')]
    items = []
    for mime, value in sorted(out.get('data', {}).items()):
        if mime in ('image/png', 'image/jpeg'): items.append((mime, image_key(''.join(value) if isinstance(value, list) else value)))
        elif mime.startswith('text/') or mime == 'image/svg+xml': items.append((mime, normalise_text(value)))
        else: items.append((mime, normalise_text(json.dumps(value, sort_keys=True))))
    return items


def normalised(nb: dict) -> list:
    "Per code cell: (cell number, first line of source, normalised outputs)."
    rows = []
    for i, cell in enumerate(nb['cells']):
        if cell['cell_type'] != 'code': continue
        items = []
        for out in cell.get('outputs', []):
            for kind, value in normalise_output(out):
                if kind.startswith('stream:') and items and items[-1][0] == kind:   # how the kernel chunks a stream depends on timing
                    items[-1] = (kind, items[-1][1] + value)
                else: items.append((kind, value))
        rows.append((i, (_source(cell).splitlines() or [''])[0][:60], items))
    return rows


def _pixel_diff(a: str, b: str) -> str:
    "How two base64 images differ: their sizes, or how many pixels and by how much."
    import base64
    import numpy as np
    from PIL import Image
    ia, ib = (Image.open(io.BytesIO(base64.b64decode(x))).convert('RGBA') for x in (a, b))
    if ia.size != ib.size: return f'size {ia.size} -> {ib.size}'
    delta = np.abs(np.asarray(ia, dtype=np.int16) - np.asarray(ib, dtype=np.int16))
    changed = int((delta.max(axis=2) > 0).sum())
    return f'{changed} of {ia.size[0] * ia.size[1]} pixels differ (largest channel difference {int(delta.max())})'


def differences(committed: dict, fresh: dict) -> list:
    "Human-readable differences between the normalised outputs of two versions of one notebook."
    import difflib
    problems = []
    old, new = normalised(committed), normalised(fresh)   # `fresh` is `committed` re-executed: same cells
    cells = [c for c in committed['cells'] if c['cell_type'] == 'code']
    fresh_cells = [c for c in fresh['cells'] if c['cell_type'] == 'code']
    for (i, head, a), (_, _, b), ca, cb in zip(old, new, cells, fresh_cells):
        if a == b: continue
        where = f'cell {i} ({head!r})'
        if [k for k, _ in a] != [k for k, _ in b]:
            problems.append(f'{where}: outputs {[k for k, _ in a]} committed, {[k for k, _ in b]} now')
            continue
        for (kind, va), (_, vb) in zip(a, b):
            if va == vb: continue
            if kind in ('image/png', 'image/jpeg'):
                da = [o['data'][kind] for o in ca['outputs'] if kind in o.get('data', {})]
                db = [o['data'][kind] for o in cb['outputs'] if kind in o.get('data', {})]
                detail = '; '.join(_pixel_diff(x, y) for x, y in zip(da, db) if image_key(x) != image_key(y))
                problems.append(f'{where}: {kind} differs: {detail}')
            else:
                diff = '\n'.join(difflib.unified_diff(va.splitlines(), vb.splitlines(), 'committed', 'now', lineterm='', n=1))
                problems.append(f'{where}: {kind} differs:\n{diff[:3000]}')
    return problems


def stray_outputs(lessons: list) -> list:
    "Notebooks in nbs/ other than the lessons that carry outputs (they are stored without)."
    nbs = ROOT / settings().get('nbs_path', 'nbs')
    keep = {p.resolve() for p in lessons}
    found = []
    for path in sorted(nbs.rglob('*.ipynb')):
        if path.resolve() in keep or '.ipynb_checkpoints' in path.parts: continue
        cells = json.loads(path.read_text(encoding='utf-8'))['cells']
        if any(c.get('outputs') for c in cells): found.append(str(path.relative_to(ROOT)))
    return found


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('command', choices=['run', 'check'])
    ap.add_argument('notebooks', nargs='*', help='lesson notebooks (default: settings.ini `lessons`)')
    a = ap.parse_args(argv)
    paths = [Path(p).resolve() for p in a.notebooks] or lesson_paths()
    if not paths:
        print('no lessons listed in settings.ini `lessons`')
        return 0
    failed = []
    for path in paths:
        rel = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        t0 = time.perf_counter()
        try: fresh = execute(path)
        except Exception as e:   # a cell error: nbclient's message names the cell and the traceback
            print(f'{rel}: execution failed\n{e}', file=sys.stderr)
            failed.append(rel)
            continue
        secs = time.perf_counter() - t0
        if a.command == 'run':
            write(fresh, path)
            print(f'{rel}: executed in {secs:.0f} s, outputs written')
        else:
            problems = differences(json.loads(path.read_text(encoding='utf-8')), fresh)
            if problems:
                failed.append(rel)
                print(f'{rel}: committed outputs are stale (executed in {secs:.0f} s):', file=sys.stderr)
                for p in problems: print('  ' + p.replace('\n', '\n    '), file=sys.stderr)
            else: print(f'{rel}: committed outputs match (executed in {secs:.0f} s)')
    if a.command == 'check':
        stray = stray_outputs(lesson_paths())
        if stray:
            print('notebooks other than the lessons carry outputs (clear them with `nbdev_clean --clear_all --fname NB`, '
                  'or list them in settings.ini `lessons`): ' + ', '.join(stray), file=sys.stderr)
            failed += stray
    if failed:
        print(f'error: {len(failed)} problem(s). Run `make lessons` and commit the lesson notebooks.', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__': sys.exit(main())
