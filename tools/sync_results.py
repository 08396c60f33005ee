"""Copy a study's finished runs into the repository, so that a long study is committed as it goes.

    python tools/sync_results.py STUDY_OUT results/evidence [--commit]

Copies `study.json`, `report.html` (when present) and, for every run whose `status.json` says done and
whose sidecars are intact (`molmask_nb.runs.run_state`), its sidecar files: params.json, metrics.json,
history.jsonl, per_task.csv, status.json. Checkpoints, executed notebooks and lock files stay behind.
Unfinished runs are left out, so the copy only ever holds finished results; running it again adds the
runs finished since. With --commit it commits what changed under the destination (git add + commit).
"""
import argparse, shutil, subprocess, sys
from pathlib import Path

from molmask_nb.runs import expected_runs, run_state

KEEP = ('params.json', 'metrics.json', 'history.jsonl', 'per_task.csv', 'status.json')


def sync(src: Path, dst: Path) -> tuple[int, int]:
    "(runs copied now, runs done in all)."
    dst.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src / 'study.json', dst / 'study.json')
    if (src / 'report.html').is_file(): shutil.copy2(src / 'report.html', dst / 'report.html')
    copied = done = 0
    for run in expected_runs(src):
        folder = src / run['dir']
        if run_state(folder)['state'] != 'done': continue
        done += 1
        target = dst / run['dir']
        if (target / 'status.json').is_file() and (target / 'status.json').read_bytes() == (folder / 'status.json').read_bytes(): continue
        target.mkdir(parents=True, exist_ok=True)
        for name in KEEP:
            if (folder / name).is_file(): shutil.copy2(folder / name, target / name)
        copied += 1
    return copied, done


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('src', type=Path, help="the study's output folder")
    ap.add_argument('dst', type=Path, help='folder in the repository, e.g. results/evidence')
    ap.add_argument('--commit', action='store_true', help='git add and commit the destination when something changed')
    a = ap.parse_args()
    copied, done = sync(a.src, a.dst)
    total = len(expected_runs(a.src))
    print(f"{a.src}: {done}/{total} runs done; {copied} copied into {a.dst}")
    if a.commit:
        subprocess.run(['git', 'add', str(a.dst)], check=True)
        if subprocess.run(['git', 'diff', '--cached', '--quiet', '--', str(a.dst)]).returncode:
            subprocess.run(['git', 'commit', '-q', '-m', f"{a.dst}: {done}/{total} runs of the study done (sidecars only)", '--', str(a.dst)],
                           check=True)
            print('committed')
    return 0


if __name__ == '__main__':
    sys.exit(main())
