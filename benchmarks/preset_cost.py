"""What a study preset costs, from measured run times: per-run unit costs read from finished studies and from
short slices run here, multiplied out over every run the preset expands to.

    python benchmarks/preset_cost.py cpu --measured /path/to/finished/study ... [--slice] [--workers 16]

Unit costs (seconds on one thread, whole run including the kernel start and preparation):
  pretrain     seconds per molecule-epoch of training, per (encoder, decoder, masking, target), plus a fixed part
               per (encoder, target) for the kernel, the target's fit and the caches (corpus of the same size);
  finetune     seconds per (seed x epoch) per (encoder, dataset, score_train), plus a fixed part per run;
  information  seconds per run per (target, corpus size).
`--measured` reads them from the status.json and history of finished runs (their own wall time, one thread each;
contention from other jobs inflates them, so measure on a quiet machine). `--slice` measures each unit that no
finished run gives by running a slice in this process: one pretraining epoch on the preset's corpus, two
fine-tuning epochs of one seed, one whole information run. Every run of the preset then gets a cost from the most
specific unit measured, falling back to coarser ones (same encoder, decoder and target; same encoder and decoder; same
encoder), and the script
prints the total in core-hours, the wall time on --workers (total / workers, and never below the longest chain
pretraining -> fine-tuning), which units were measured and which runs used a fallback. --out writes it all as JSON.
"""
import argparse, json, os, statistics, sys, tempfile, time
from collections import defaultdict
from pathlib import Path

os.environ.setdefault('MOLMASK_PROGRESS', '0')


def _read(p):
    try: return json.loads(Path(p).read_text())
    except (FileNotFoundError, json.JSONDecodeError): return None


def _history(folder):
    p = Path(folder) / 'history.jsonl'
    return [json.loads(l) for l in p.read_text().splitlines() if l.strip()] if p.is_file() else []


def pretrain_keys(p):
    "Most to least specific unit keys of a pretraining run."
    return [('pretrain', p['encoder'], p.get('decoder', 'linear'), p['masking'], p['target']),
            ('pretrain', p['encoder'], p.get('decoder', 'linear'), p['target']),
            ('pretrain', p['encoder'], p.get('decoder', 'linear')), ('pretrain', p['encoder'])]


def finetune_keys(p, encoder):
    return [('finetune', encoder, p['dataset'], bool(p.get('score_train', True))), ('finetune', encoder, p['dataset'])]


def information_keys(p):
    return [('information', p['target'], p.get('corpus_limit')), ('information', p['target'])]


def _encoder_of(run, runs_by_key):
    if run['depends']: return runs_by_key[run['depends'][0]]['params']['encoder']
    return run['params']['encoder']


def read_measured(out: Path, units: dict) -> int:
    "Add the unit costs of every finished run of the study in `out` to `units` (key -> list of (rate, fixed)); returns runs read."
    study = _read(out / 'study.json')
    if study is None: raise SystemExit(f"{out} has no study.json")
    by_key, n = {r['key']: r for r in study['runs']}, 0
    for r in study['runs']:
        folder = out / r['key']
        st = _read(folder / 'status.json')
        if not st or st.get('state') != 'done': continue
        hist, p = _history(folder), r['params']
        if r['kind'] == 'pretrain' and hist:
            train = sum(h['seconds'] for h in hist)
            mol_epochs = sum(h['molecules_per_s'] * h['seconds'] for h in hist)
            for k in pretrain_keys(p): units[k].append((train / mol_epochs, st['seconds'] - train))
        elif r['kind'] == 'finetune' and hist:
            work = sum(h['seconds'] + h.get('eval_seconds', 0.0) for h in hist)   # one row per (seed, epoch)
            for k in finetune_keys(p, _encoder_of(r, by_key)): units[k].append((work / len(hist), st['seconds'] - work))
        elif r['kind'] == 'information':
            for k in information_keys(p): units[k].append((0.0, st['seconds']))
        else: continue
        n += 1
    return n


def kernel_start_seconds() -> float:
    "Seconds a fresh Python process takes to import what a run's notebook imports (a study starts one kernel per run)."
    import subprocess
    t0 = time.perf_counter()
    subprocess.run([sys.executable, '-c', 'import molmask_nb.pretrain, molmask_nb.finetune, molmask_nb.information, papermill'], check=True)
    return time.perf_counter() - t0


def slice_unit(run: dict, runs_by_key: dict, units: dict, start: float, limit: int | None = None) -> None:
    """Measure the unit a run needs with a short slice in this process (one thread); `start`: a run's kernel start.
    `limit`: pretrain on that many molecules of the corpus; the fixed part (featurizing, the target's fit) is then
    scaled up by corpus_limit / limit, an upper bound since part of it does not grow with the corpus."""
    import torch
    torch.set_num_threads(1)
    from molmask_nb.params import FinetuneParams, PretrainParams, from_dict
    p = dict(run['params'])
    t0 = time.perf_counter() - start
    if run['kind'] == 'pretrain':
        from molmask_nb.pretrain import pretrain
        full = p.get('corpus_limit')
        used = min(limit, full) if limit and full else full
        scale = full / used if used else 1.0
        res = pretrain(from_dict(PretrainParams, {**p, 'epochs': 1, 'corpus_limit': used}))
        h = res.history[-1]
        rate = h['seconds'] / (h['molecules_per_s'] * h['seconds'])
        for k in pretrain_keys(p): units[k].append((rate, scale * (time.perf_counter() - t0 - h['seconds'])))
    elif run['kind'] == 'finetune':
        from molmask_nb.finetune import finetune
        ckpt = None
        if run['depends']:   # a pretrained encoder of the same architecture: an untrained one costs the same to fine-tune
            pp = runs_by_key[run['depends'][0]]['params']
            p.update(encoder=pp['encoder'], num_layers=pp['num_layers'], emb_dim=pp['emb_dim'], encoder_kw=pp['encoder_kw'])
        q = from_dict(FinetuneParams, {**p, 'epochs': 2, 'seeds': [0]})
        res = finetune(ckpt, q)
        hist = res.runs[0]['history']
        work = sum(h['seconds'] + h.get('eval_seconds', 0.0) for h in hist)
        for k in finetune_keys(run['params'], p['encoder']): units[k].append((work / len(hist), time.perf_counter() - t0 - work))
    else:
        from molmask_nb.information import measure_information
        with tempfile.TemporaryDirectory() as d: measure_information(**p, out_dir=d)
        for k in information_keys(p): units[k].append((0.0, time.perf_counter() - t0))


def unit_for(keys, units):
    "(rate, fixed, key used) from the most specific measured key (medians over the runs measured)."
    for k in keys:
        if units.get(k):
            return statistics.median(u[0] for u in units[k]), statistics.median(u[1] for u in units[k]), k
    return None


def cost_of(run: dict, runs_by_key: dict, units: dict, finetune_epochs):
    p = run['params']
    if run['kind'] == 'pretrain':
        u = unit_for(pretrain_keys(p), units)
        if u is None: return None
        molecules = p['corpus_limit']
        return u[0] * molecules * p['epochs'] + u[1], u[2]
    if run['kind'] == 'finetune':
        u = unit_for(finetune_keys(p, _encoder_of(run, runs_by_key)), units)
        if u is None: return None
        return u[0] * len(p['seeds']) * finetune_epochs(p) + u[1], u[2]
    u = unit_for(information_keys(p), units)
    return None if u is None else (u[1], u[2])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('preset', help='a preset name or a study YAML file')
    ap.add_argument('--measured', type=Path, nargs='*', default=[], help='folders of finished studies to read unit costs from')
    ap.add_argument('--slice', action='store_true', help='measure the units no finished run gives, with short slices here')
    ap.add_argument('--slice-level', type=int, default=0,
                    help='pretraining units to slice: 0 each (encoder, decoder, masking, target), 1 each (encoder, decoder, target), '
                         'letting maskings share their target\'s rate (no masking step costs over 1.07x uniform\'s: benchmarks/masking.py)')
    ap.add_argument('--slice-limit', type=int, help='pretraining slices use this many corpus molecules (fixed part scaled up: an upper bound)')
    ap.add_argument('--workers', type=int, default=2, help='runs at once for the wall-time estimate')
    ap.add_argument('--out', type=Path, help='write the estimate as JSON')
    a = ap.parse_args()
    from molmask_nb.core import machine_info
    from molmask_nb.params import FinetuneParams, finetune_epochs, from_dict
    from molmask_nb.study import expand, load_study
    study = load_study(a.preset)
    runs = [r.to_dict() for r in expand(study)]
    by_key = {r['key']: r for r in runs}
    units = defaultdict(list)
    read = sum(read_measured(m, units) for m in a.measured)
    sliced, start = [], kernel_start_seconds() if a.slice else 0.0
    if a.slice:
        for r in runs:
            keys = (pretrain_keys(r['params']) if r['kind'] == 'pretrain' else
                    finetune_keys(r['params'], _encoder_of(r, by_key)) if r['kind'] == 'finetune' else information_keys(r['params']))
            level = min(a.slice_level, len(keys) - 1) if r['kind'] == 'pretrain' else 0
            if any(units.get(k) for k in keys[:level + 1]): continue
            print(f"slice: {r['kind']} {keys[level][1:]}", flush=True)
            slice_unit(r, by_key, units, start, a.slice_limit)
            sliced.append(list(keys[level]))
    epochs = lambda p: finetune_epochs(from_dict(FinetuneParams, p))
    per_kind, missing, fallback, chains = defaultdict(float), [], defaultdict(int), {}
    for r in runs:
        c = cost_of(r, by_key, units, epochs)
        if c is None:
            missing.append(r['key'])
            continue
        seconds, used = c
        per_kind[r['kind']] += seconds
        if r['kind'] == 'pretrain': chains[r['key']] = seconds
        exact = (pretrain_keys(r['params']) if r['kind'] == 'pretrain' else
                 finetune_keys(r['params'], _encoder_of(r, by_key)) if r['kind'] == 'finetune' else information_keys(r['params']))[0]
        if tuple(used) != tuple(exact): fallback[' '.join(map(str, used))] += 1
        if r['depends']: chains[r['depends'][0]] = chains.get(r['depends'][0], 0.0) + seconds / a.workers
    total = sum(per_kind.values())
    wall = max(total / a.workers, max(chains.values(), default=0.0))
    report = {'preset': study.name, 'runs': len(runs), 'runs_without_cost': missing, 'cpu_seconds': dict(per_kind),
              'core_hours': total / 3600, 'workers': a.workers, 'wall_hours': wall / 3600, 'measured_runs_read': read,
              'units_sliced': sliced, 'slice_limit': a.slice_limit, 'kernel_start_seconds': start, 'fallbacks': dict(fallback),
              'units': {' '.join(map(str, k)): {'runs': len(v), 'rate': statistics.median(x[0] for x in v),
                                                'fixed': statistics.median(x[1] for x in v)} for k, v in units.items()},
              'machine': machine_info(), 'when': time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}
    print(f"{study.name}: {len(runs)} runs; " + ', '.join(f"{k} {v / 3600:.1f}" for k, v in per_kind.items())
          + f" core-hours; total {total / 3600:.1f} core-hours, about {wall / 3600:.1f} h on {a.workers} workers "
          f"(CPU: {report['machine']['processor']})")
    if missing: print(f"no measured unit for {len(missing)} runs (use --slice or --measured): {missing[:5]}")
    if fallback: print('coarser units used: ' + '; '.join(f"{k} for {n} run(s)" for k, n in fallback.items()))
    if a.out:
        a.out.parent.mkdir(parents=True, exist_ok=True)
        a.out.write_text(json.dumps(report, indent=2) + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
