"""Check a built wheel of molmask_nb: it carries the experiment notebooks (byte for byte those of nbs/experiments) and the
package data; with --install, install it into a fresh virtual environment and run a one-run study and its report from an
empty folder outside the repository, with the notebooks the wheel carries.

    python tools/check_wheel.py dist/molmask_nb-0.1.0-py3-none-any.whl [--install]

The fresh environment borrows its dependencies from the running one (a .pth line naming its site-packages: nothing is
downloaded), and its Jupyter data files through JUPYTER_PATH; the molmask_nb it imports is the wheel's.
"""
import os, subprocess, sys, sysconfig, tempfile, zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = ['molmask_nb/cli.py', 'molmask_nb/presets/smoke.yaml', 'molmask_nb/assets/moleculenet/bbbp.csv.gz',
            'molmask_nb/assets/examples/polaris_sample.csv']
STUDY = """name: wheel
pretrain: {num_layers: 2, emb_dim: 16}
finetune: {epochs: 1, seeds: [0], batch_size: 16}
grid: {datasets: [{name: solubility, path: polaris_sample.csv, tasks: [LOG_SOLUBILITY]}], baseline: true}
configurations: []
"""

def content_problems(wheel: Path) -> list[str]:
    "What the wheel lacks or holds differently from the repository."
    z = zipfile.ZipFile(wheel)
    names, problems = set(z.namelist()), []
    notebooks = sorted((ROOT / 'nbs' / 'experiments').glob('*.ipynb'))
    if not notebooks: problems.append('no notebooks in nbs/experiments')
    for nb in notebooks:
        name = f'molmask_nb/experiments/{nb.name}'
        if name not in names: problems.append(f'{name} missing')
        elif z.read(name) != nb.read_bytes(): problems.append(f'{name} differs from nbs/experiments/{nb.name}')
    return problems + [f'{n} missing' for n in EXPECTED if n not in names]

def run(cmd, **kw) -> str:
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode: sys.exit(f"error: {' '.join(map(str, cmd))} exited with {r.returncode}:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    return r.stdout

def install_and_study(wheel: Path) -> None:
    "A fresh environment with the wheel installed runs a study from an empty folder, finding its notebooks in the package."
    with tempfile.TemporaryDirectory(prefix='molmask-wheel-') as d:
        venv, work = Path(d) / 'venv', Path(d) / 'work'
        run([sys.executable, '-m', 'venv', str(venv)])
        site = next((venv / 'lib').glob('python*/site-packages'))
        (site / 'borrowed-dependencies.pth').write_text(sysconfig.get_paths()['purelib'] + '\n')
        python = venv / 'bin' / 'python'
        run([python, '-m', 'pip', 'install', '-q', '--no-deps', '--no-index', str(wheel)])
        work.mkdir()
        env = {k: v for k, v in os.environ.items() if k != 'MOLMASK_NOTEBOOKS'}
        env['JUPYTER_PATH'] = str(Path(sys.prefix) / 'share' / 'jupyter')   # the borrowed environment's data files (nbconvert's templates)
        where = run([python, '-c', 'from molmask_nb.study import experiments_dir; print(experiments_dir())'], cwd=work, env=env).strip()
        if not Path(where).is_relative_to(site): sys.exit(f"error: the installed package reads its notebooks from {where}, not from {site}")
        sample = run([python, '-c', 'from molmask_nb.data import assets_dir; print(assets_dir() / "examples" / "polaris_sample.csv")'],
                     cwd=work, env=env).strip()
        (work / 'polaris_sample.csv').write_bytes(Path(sample).read_bytes())
        (work / 'wheel.yaml').write_text(STUDY)
        out = run([venv / 'bin' / 'molmask', 'study', 'wheel.yaml', '--out', 'out'], cwd=work, env=env)
        if not (work / 'out' / 'report.html').is_file(): sys.exit(f"error: the study wrote no report:\n{out[-3000:]}")
        print(f"installed into a fresh environment: notebooks from {where}; a one-run study and its report from {work}: ok")

if __name__ == '__main__':
    args = sys.argv[1:]
    if not args or args[0].startswith('-'): sys.exit(__doc__)
    wheel = Path(args[0])
    problems = content_problems(wheel)
    if problems: sys.exit(f"error: {wheel.name}: " + '; '.join(problems))
    print(f"{wheel.name}: the experiment notebooks and the package data are there")
    if '--install' in args: install_and_study(wheel)
