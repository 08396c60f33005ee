"""Round-trip nbdev notebooks and `# %%` percent scripts, for editing notebooks as plain text.

    python tools/nbpy.py to-nb  src.py  nbs/05_masking.ipynb
    python tools/nbpy.py to-py  nbs/05_masking.ipynb  /tmp/05_masking.py

A `# %% [markdown]` cell holds markdown with each line behind `# `; a bare `# %%` starts a code cell.
Cell tags travel as `# %% tags=["parameters"]` (papermill's parameters cell needs its tag).
Run `nbdev_clean` after `to-nb`.
"""
import json, re, sys
from pathlib import Path

_MD, _CODE = '# %% [markdown]', '# %%'

_HEADER = re.compile(r'^# %%( \[markdown\])?( tags=(\[.*\]))?\s*$')

def py_to_cells(text):
    cells, kind, tags, lines = [], None, [], []
    def flush():
        if kind is None: return
        while lines and not lines[-1].strip(): lines.pop()
        while lines and not lines[0].strip(): lines.pop(0)
        src = [re.sub(r'^# ?', '', l) for l in lines] if kind == 'markdown' else lines
        cells.append(dict(cell_type=kind, source='\n'.join(src), tags=tags))
    for line in text.splitlines():
        m = _HEADER.match(line.strip())
        if m:
            flush()
            kind, tags, lines = 'markdown' if m.group(1) else 'code', json.loads(m.group(3)) if m.group(3) else [], []
        elif kind is not None: lines.append(line)
    flush()
    return cells

def _source(cell):
    return ''.join(cell['source']) if isinstance(cell['source'], list) else cell['source']

def to_nb(src, dst):
    # cells whose text is unchanged keep the id they have in `dst`, so ids (and the exported modules) do not churn
    known = {}
    if Path(dst).exists():
        for c in json.loads(Path(dst).read_text())['cells']:
            if 'id' in c: known.setdefault((c['cell_type'], _source(c)), c['id'])
    cells, used = [], set()
    for c in py_to_cells(Path(src).read_text()):
        cell = dict(cell_type=c['cell_type'], metadata={'tags': c['tags']} if c['tags'] else {}, source=c['source'])
        if c['cell_type'] == 'code': cell.update(execution_count=None, outputs=[])
        cid = known.get((c['cell_type'], c['source']))
        if cid is not None and cid not in used:
            cell['id'] = cid
            used.add(cid)
        cells.append(cell)
    nb = dict(cells=cells, nbformat=4, nbformat_minor=5,
              metadata=dict(kernelspec=dict(display_name='python3', language='python', name='python3')))
    Path(dst).write_text(json.dumps(nb, indent=1) + '\n')

def to_py(src, dst):
    out = []
    for c in json.loads(Path(src).read_text())['cells']:
        s = ''.join(c['source']) if isinstance(c['source'], list) else c['source']
        tags = c.get('metadata', {}).get('tags')
        suffix = f" tags={json.dumps(tags)}" if tags else ''
        if c['cell_type'] == 'markdown': out += [_MD + suffix] + ['# ' + l if l else '#' for l in s.splitlines()]
        else: out += [_CODE + suffix] + s.splitlines()
        out.append('')
    Path(dst).write_text('\n'.join(out))

if __name__ == '__main__':
    cmd, src, dst = sys.argv[1:4]
    {'to-nb': to_nb, 'to-py': to_py}[cmd](src, dst)
