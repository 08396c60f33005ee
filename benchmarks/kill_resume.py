"""A study killed with SIGKILL at random moments and resumed ends with the numbers of an uninterrupted run.

    python benchmarks/kill_resume.py                      # the smoke preset, four kills, two workers
    python benchmarks/kill_resume.py --kills 5 --seed 1 --keep /tmp/kr
    python benchmarks/kill_resume.py --compare A B        # only step 3, on two study folders

1. Runs the study once without interruption into A (`molmask study PRESET --out A`), timing it.
2. Runs it into B, SIGKILLing the whole sweep (its process group: the driver and every kernel)
   `--kills` times, each kill followed by a fresh sweep that resumes; the last sweep runs to the end and
   builds the report. Each kill comes after a time drawn uniformly from 30-90 % of the time the runs
   still to do took in the uninterrupted sweep (the run phase, without the report), so kills land while
   runs are in flight and every sweep gets some runs done before it dies.
3. Compares A and B: every run's metrics.json without its timings, and the report's tables (results
   per configuration and dataset, the paired comparisons, the information measures) as the report
   module reads them. Prints what differs, or that nothing does, and exits 1 on a difference.

The machine, the kill times and the number of runs each sweep found done are printed, so one run of
this script is a record.
"""
import argparse, json, os, platform, random, signal, subprocess, sys, tempfile, time
from pathlib import Path

TIMING = ('seconds', 'molecules_per_s', 'per_s', 'started', 'finished', 'written')

def strip_timing(o):
    "A metrics object without the entries that measure time (they differ between any two runs)."
    if isinstance(o, dict): return {k: strip_timing(v) for k, v in o.items() if not any(t in k for t in TIMING)}
    if isinstance(o, list): return [strip_timing(v) for v in o]
    return o

def sweep(preset: str, out: Path, workers: int, log) -> subprocess.Popen:
    cmd = [sys.executable, '-c', 'import sys; from molmask_nb.cli import main; sys.exit(main(sys.argv[1:]))',
           'study', preset, '--out', str(out), '--workers', str(workers)]
    return subprocess.Popen(cmd, start_new_session=True, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, 'MOLMASK_PROGRESS': '0'})

def done_count(out: Path) -> int:
    from molmask_nb.runs import check_complete, expected_runs
    try: return len(expected_runs(out)) - len(check_complete(out))
    except FileNotFoundError: return 0

def tables(out: Path) -> dict:
    "The numbers of the report, as the report module reads them (timings left out)."
    from molmask_nb.comparisons import paired_comparison
    from molmask_nb.results import collect_results, results_table
    res = collect_results(out)
    ft = res.finetune.drop(columns=['finetune_dir', 'pretrain_dir'])
    ft = ft.sort_values(['config', 'pretrain_seed', 'dataset', 'seed']).reset_index(drop=True)
    info = res.information[~res.information.measure.str.contains('seconds')].drop(columns=['information_dir'])
    info = info.sort_values(['masking', 'target', 'measure', 'dataset'], na_position='first').reset_index(drop=True)
    loss = res.pretrain[['masking', 'target', 'encoder', 'seed', 'final_loss']]
    loss = loss.sort_values(['masking', 'target', 'seed']).reset_index(drop=True)
    out_tables = {'finetune': ft, 'information': info, 'results': results_table(res.finetune, 'best'), 'pretrain_loss': loss}
    if res.finetune.masking.nunique() > 2: out_tables['masking'] = paired_comparison(res.finetune, 'masking', 'uniform')
    return out_tables

def compare(A: Path, B: Path) -> int:
    "Print whether B's metrics and report tables equal A's; 0 when they do."
    diffs = []
    runs = json.loads((A / 'study.json').read_text())['runs']
    for r in runs:
        ma, mb = (json.loads((X / r['key'] / 'metrics.json').read_text()) for X in (A, B))
        if strip_timing(ma) != strip_timing(mb): diffs.append(f"metrics.json of {r['key']}")
    ta, tb = tables(A), tables(B)
    for k in ta:
        if not ta[k].equals(tb[k]): diffs.append(f"report table {k}:\n{ta[k]}\n{tb[k]}")
    if not (B / 'report.html').exists(): diffs.append('B has no report.html')
    verdict = 'identical' if not diffs else 'DIFFERENT:\n' + '\n'.join(diffs)
    print(f"compared {len(runs)} runs' metrics and the report tables {', '.join(ta)}: {verdict}")
    return 1 if diffs else 0

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--preset', default='smoke')
    ap.add_argument('--kills', type=int, default=4)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--compare', nargs=2, metavar=('A', 'B'), help='compare two finished study folders and stop')
    ap.add_argument('--workers', type=int, default=2)
    ap.add_argument('--keep', help='folder to keep A and B in (default: a temporary one)')
    a = ap.parse_args()
    if a.compare: sys.exit(compare(*map(Path, a.compare)))
    root = Path(a.keep or tempfile.mkdtemp(prefix='molmask-kill-resume-'))
    root.mkdir(parents=True, exist_ok=True)
    A, B = root / 'A', root / 'B'
    cpuinfo = Path('/proc/cpuinfo').read_text().splitlines() if Path('/proc/cpuinfo').exists() else []
    cpu = next((l.split(':', 1)[1].strip() for l in cpuinfo if l.startswith('model name')), platform.processor())
    print(f"machine: {cpu}, {os.cpu_count()} cores; preset {a.preset}, {a.workers} workers; folders in {root}", flush=True)

    t0 = time.perf_counter()
    with open(root / 'A.log', 'w') as log: rc = sweep(a.preset, A, a.workers, log).wait()
    T = time.perf_counter() - t0
    elapsed = [l.split('elapsed ')[1].split(',')[0].split(':') for l in (root / 'A.log').read_text().splitlines() if 'elapsed ' in l]
    runs_phase = max(float(h) * 3600 + float(m) * 60 + float(sec) for h, m, sec in elapsed)
    print(f"uninterrupted: exit {rc} in {T:.0f} s (runs {runs_phase:.0f} s, then the report), {done_count(A)} runs done", flush=True)
    if rc != 0: sys.exit(f"the uninterrupted sweep failed; see {root / 'A.log'}")

    rng = random.Random(a.seed)
    with open(root / 'B.log', 'w') as log:
        for i in range(a.kills):
            total = len(json.loads((A / 'study.json').read_text())['runs'])
            at = rng.uniform(0.3, 0.9) * runs_phase * (total - done_count(B)) / total
            before = done_count(B)
            p = sweep(a.preset, B, a.workers, log)
            t = time.perf_counter()
            while p.poll() is None and time.perf_counter() - t < at: time.sleep(0.05)
            what = f'finished first (exit {p.returncode})' if p.poll() is not None else 'killed'
            if what == 'killed':
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
            time.sleep(1.5)   # orphaned kernels notice their parent is gone and exit
            print(f"sweep {i + 1}: {what} after {time.perf_counter() - t:.1f} s (drawn {at:.1f} s); runs done before {before}, "
                  f"after {done_count(B)}", flush=True)
        before = done_count(B)
        t = time.perf_counter()
        rc = sweep(a.preset, B, a.workers, log).wait()
    print(f"final sweep: exit {rc} in {time.perf_counter() - t:.0f} s; runs done before {before}, after {done_count(B)}", flush=True)
    if rc != 0: sys.exit(f"the resumed sweep failed; see {root / 'B.log'}")

    sys.exit(compare(A, B))

if __name__ == '__main__': main()
