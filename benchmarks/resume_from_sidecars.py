"""A study resumed on another machine from its committed sidecars alone ends with the numbers of an uninterrupted run.

    python benchmarks/resume_from_sidecars.py                 # the smoke preset
    python benchmarks/resume_from_sidecars.py --keep /tmp/rs

This is how a study that outlasts a session continues (results/evidence/README.md): what reaches git is only what
`tools/sync_results.py` copies (study.json and the sidecars of finished runs: no checkpoint, no executed notebook).
1. Runs the study into A without interruption.
2. Copies A the way sync_results does into B, then deletes one fine-tuning run of a pretrained configuration from B,
   as if the session had ended before it finished. B now holds no checkpoint at all.
3. Resumes B with the same command. The sweep must redo exactly two runs: the pretraining run whose checkpoint a
   pending run needs (its sidecars say done, its checkpoint is gone) and the deleted fine-tuning run.
4. Compares A and B as benchmarks/kill_resume.py does (metrics without timings, the report's tables); exits 1 on a
   difference or when the sweep redid other runs.
"""
import argparse, json, os, platform, shutil, subprocess, sys, tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from kill_resume import compare, sweep   # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--preset', default='smoke')
    ap.add_argument('--workers', type=int, default=2)
    ap.add_argument('--keep', help='folder to keep A and B in (default: a temporary one)')
    a = ap.parse_args()
    root = Path(a.keep or tempfile.mkdtemp(prefix='molmask-resume-sidecars-'))
    root.mkdir(parents=True, exist_ok=True)
    A, B = root / 'A', root / 'B'
    for X in (A, B): shutil.rmtree(X, ignore_errors=True)
    cpuinfo = Path('/proc/cpuinfo').read_text().splitlines() if Path('/proc/cpuinfo').exists() else []
    cpu = next((line.split(':', 1)[1].strip() for line in cpuinfo if line.startswith('model name')), platform.processor())
    print(f"machine: {cpu}, {os.cpu_count()} cores; preset {a.preset}, {a.workers} workers; folders in {root}", flush=True)
    with open(root / 'A.log', 'w') as log:
        if sweep(a.preset, A, a.workers, log).wait(): sys.exit(f"the uninterrupted sweep failed; see {root / 'A.log'}")
    subprocess.run([sys.executable, str(ROOT / 'tools' / 'sync_results.py'), str(A), str(B)], check=True)
    runs = json.loads((A / 'study.json').read_text())['runs']
    victim = next(r for r in runs if r['kind'] == 'finetune' and r['depends'])
    shutil.rmtree(B / victim['key'])
    checkpoints = list(B.rglob('checkpoint.pt'))
    print(f"B: sidecars only ({len(checkpoints)} checkpoints); deleted {victim['key']}", flush=True)
    with open(root / 'B.log', 'w') as log:
        if sweep(a.preset, B, a.workers, log).wait(): sys.exit(f"the resumed sweep failed; see {root / 'B.log'}")
    redone = sorted(line.split()[2] for line in (root / 'B.log').read_text().splitlines() if line.startswith('[') and ' done ' in line)
    expected = sorted([victim['key'], victim['depends'][0]])
    print(f"resumed sweep redid {redone}")
    rc = compare(A, B)
    if redone != expected:
        print(f"expected it to redo exactly {expected}")
        rc = 1
    sys.exit(rc)


if __name__ == '__main__': main()
