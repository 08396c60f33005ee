"""Render `nbs/index.ipynb` as `README.md`, deterministically, with the standard library only.

    python tools/readme.py [nbs/index.ipynb] [README.md]      # '-' as the output writes to stdout

Markdown cells are copied verbatim. A code cell loses its leading `#|` directive lines and becomes a fenced
block: ```sh when a `%%bash`/`%%sh` line leads it (before or among the directives, as nbdev allows; that line
is dropped), else ```python. Cells with `#| hide`, `#| include: false` or `#| echo: false`, and empty cells,
are left out; outputs are never copied.
Used by `make readme` and by the README check in `.ci/run`.
"""
import json, sys
from pathlib import Path

_SHELL_MAGICS = ('%%bash', '%%sh')
_HIDDEN = {('hide', ''), ('include', 'false'), ('echo', 'false')}

def _source(cell):
    src = cell.get('source', '')
    return ''.join(src) if isinstance(src, list) else src

def _first_word(line): return (line.split() or [''])[0]

def code_block(src):
    "A fenced block for one code cell's source, or None when the cell is not shown."
    lines, lang = src.splitlines(), 'python'
    while lines and (lines[0].startswith('#|') or _first_word(lines[0]) in _SHELL_MAGICS):
        line = lines.pop(0)
        if not line.startswith('#|'):
            lang = 'sh'
            continue
        key, _, val = line[2:].partition(':')
        if (key.strip(), val.strip().lower()) in _HIDDEN: return None
    body = '\n'.join(lines).strip('\n')
    return f'```{lang}\n{body}\n```' if body.strip() else None

def render(nb):
    "README markdown for a notebook dict."
    blocks = []
    for cell in nb['cells']:
        src = _source(cell)
        if cell['cell_type'] == 'markdown': block = src.strip('\n') or None
        elif cell['cell_type'] == 'code': block = code_block(src)
        else: block = None
        if block: blocks.append(block)
    return '\n\n'.join(blocks) + '\n'

def main(src='nbs/index.ipynb', dst='README.md'):
    text = render(json.loads(Path(src).read_text(encoding='utf-8')))
    if dst == '-': sys.stdout.write(text)
    else: Path(dst).write_text(text, encoding='utf-8')

if __name__ == '__main__': main(*sys.argv[1:3])
