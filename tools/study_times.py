"""The time a study's finished runs took, from their sidecars alone, as a markdown table (for a study folder's README).

    python tools/study_times.py results/evidence

One row per kind of run and product library (`machine.cpu_gemm` in each run's params.json; runs from before the
library was recorded used torch's product, MKL): runs done of those planned, seconds per run (min-max) and
run-seconds in all. A run's seconds are the sum of its epochs' `seconds` in history.jsonl plus its preparation where
the run records epochs (a pretraining run resumed after a stop counts the epochs of both attempts), else the
`seconds` of its status.json. Then the wall-clock span from the first run's start to the last run's end.
"""
import argparse, json
from collections import defaultdict
from datetime import datetime
from pathlib import Path

from molmask_nb.runs import expected_runs, run_state


def run_seconds(folder: Path, status: dict) -> float:
    "Seconds of computing a finished run took, over all its attempts where its history says so."
    history = folder / 'history.jsonl'
    if status['kind'] == 'pretrain' and history.is_file():
        epochs = [json.loads(line) for line in history.read_text().splitlines() if line.strip()]
        prepare = json.loads((folder / 'metrics.json').read_text()).get('prepare_seconds', {})
        return sum(e.get('seconds', 0.0) for e in epochs) + sum(prepare.values())
    return float(status['seconds'])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('study', type=Path)
    a = ap.parse_args()
    planned, rows, spans = defaultdict(int), defaultdict(list), []
    for run in expected_runs(a.study):
        planned[run['kind']] += 1
        folder = a.study / run['dir']
        if run_state(folder)['state'] != 'done': continue
        status = json.loads((folder / 'status.json').read_text())
        library = json.loads((folder / 'params.json').read_text()).get('machine', {}).get('cpu_gemm', 'torch')
        rows[run['kind'], library].append(run_seconds(folder, status))
        spans.append((datetime.fromisoformat(status['started']), datetime.fromisoformat(status['finished'])))
    print('| kind | product library | runs done (of planned) | seconds per run (min–max) | run-seconds in all |')
    print('|---|---|---|---|---|')
    total = 0.0
    for (kind, library), secs in sorted(rows.items()):
        total += sum(secs)
        print(f'| {kind} | {library} | {len(secs)} ({planned[kind]}) | {min(secs):,.0f}–{max(secs):,.0f} | {sum(secs):,.0f} |')
    done = sum(len(s) for s in rows.values())
    print(f'| all | | {done} ({sum(planned.values())}) | | {total:,.0f} s = {total / 3600:.1f} core-hours (one thread per run) |')
    if spans: print(f'\nFirst run started {min(s for s, _ in spans):%Y-%m-%d %H:%M} UTC, last finished {max(e for _, e in spans):%Y-%m-%d %H:%M} UTC.')


if __name__ == '__main__':
    main()
