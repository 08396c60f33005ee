"""A sweep on a two-node Ray cluster survives losing a node mid-sweep: every run completes, each exactly once.

    pip install -e '.[ray]'            # ray==2.60.0, an optional extra
    python benchmarks/ray_node_failure.py [--preset smoke] [--keep DIR]

Starts a Ray cluster of two nodes on this machine (a head and a second raylet, one CPU each, with
`ray.cluster_utils.Cluster`, which tracks the processes it starts), runs the study on it with
`molmask study PRESET --backend ray --address ...` in a separate process, and, once two runs are in
flight (so one of them is on the second node), kills the second node (SIGKILL of its raylet and
workers). The run that was lost with the node must be retried on the head (a system failure), so the
sweep must exit 0 with every run done, and report each run done exactly once. Prints the runs in flight
at the kill and when each of them (re)started.
"""
import argparse, json, os, re, subprocess, sys, tempfile, time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

def in_flight(out: Path) -> list[str]:
    "Run folders that exist without a status.json."
    return sorted(str(p.relative_to(out)) for pat in ('pretrain/*', 'finetune/*/*', 'information/*')
                  for p in out.glob(pat) if p.is_dir() and not (p / 'status.json').exists())

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--preset', default='smoke')
    ap.add_argument('--keep', help='folder for the study and the log (default: temporary)')
    a = ap.parse_args()
    from ray.cluster_utils import Cluster
    root = Path(a.keep or tempfile.mkdtemp(prefix='molmask-ray-'))
    root.mkdir(parents=True, exist_ok=True)
    out, log_path = root / 'out', root / 'sweep.log'
    cluster = Cluster(initialize_head=True, head_node_args={'num_cpus': 1, 'include_dashboard': False})
    try:
        second = cluster.add_node(num_cpus=1)
        cluster.wait_for_nodes()
        print(f"cluster at {cluster.address}: two nodes of one CPU each; study {a.preset} into {out}", flush=True)
        cmd = [sys.executable, '-c', 'import sys; from molmask_nb.cli import main; sys.exit(main(sys.argv[1:]))', 'study', a.preset,
               '--backend', 'ray', '--address', cluster.address, '--out', str(out), '--no-report']
        with open(log_path, 'w') as log:
            sweep = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, 'MOLMASK_PROGRESS': '0'})
            deadline = time.time() + 900
            while time.time() < deadline and sweep.poll() is None and len(in_flight(out)) < 2: time.sleep(0.2)
            if sweep.poll() is not None: sys.exit(f"the sweep ended before two runs were in flight; see {log_path}")
            time.sleep(2)   # well inside the runs
            lost, killed_at = in_flight(out), datetime.now(timezone.utc)
            cluster.remove_node(second, allow_graceful=False)   # SIGKILL: raylet, object store, workers
            print(f"killed the second node at {killed_at.isoformat(timespec='seconds')}; runs in flight: {lost}", flush=True)
            rc = sweep.wait(timeout=1800)
    finally:
        cluster.shutdown()
    text = log_path.read_text()
    runs = json.loads((out / 'study.json').read_text())['runs']
    reported = Counter(m.group(2) for m in re.finditer(r'^\[\d+/\d+\] (\w+)\s+(\S+) ', text, re.M) if m.group(1) == 'done')
    states = {r['key']: json.loads((out / r['key'] / 'status.json').read_text()) for r in runs}
    for k in lost: print(f"  {k}: started {states[k].get('started')}, state {states[k]['state']}")
    after_kill = lambda st: bool(st.get('started')) and datetime.fromisoformat(st['started']) >= killed_at.replace(microsecond=0)
    restarted = [k for k in lost if after_kill(states[k])]
    ok = (rc == 0 and all(s['state'] == 'done' for s in states.values()) and set(reported) == set(states)
          and all(n == 1 for n in reported.values()) and restarted)
    print(f"sweep exit {rc}; {sum(s['state'] == 'done' for s in states.values())}/{len(runs)} runs done; reported done: "
          f"{sum(reported.values())} lines for {len(reported)} runs; restarted after the kill: {restarted}")
    print('PASS: the sweep finished whole after losing a node' if ok else f'FAIL (see {log_path})')
    sys.exit(0 if ok else 1)

if __name__ == '__main__': main()
