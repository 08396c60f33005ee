"""What labels cost: per prediction target, `prepare` (the RDKit or tokenizer pass) and `labels(batch)` (a field read).

    python benchmarks/targets.py [--fit 2000] [--molecules 2000] [--batch-size 256] [--batches 10]

The default targets (atom_type, motif, env, vq) are fitted on the first --fit MOSES molecules, then timed on the
next --molecules: `prepare` on a copy of that store with the target's field removed (seconds, and seconds per 1,000
molecules) and `labels(batch)` on collated batches (ms per batch, after one untimed warm-up call). The last column
is each target's `prepare` time over the fastest fitted target's.
"""
import argparse, os, time
from typing import Sequence

os.environ.setdefault('MOLMASK_PROGRESS', '0')
import numpy as np
import pandas as pd

from molmask_nb.data import GraphStore, load_pretrain_store
from molmask_nb.targets import PredictionTarget, get_target


def benchmark_targets(store: GraphStore, # molecules to label
                      targets: Sequence[PredictionTarget], # fitted targets
                      batch_size: int = 256, # molecules per batch for `labels`
                      n_batches: int = 10, # batches timed for `labels`
                      show_progress: bool | None = False) -> pd.DataFrame:
    "Time `prepare` (seconds per 1k molecules) and `labels(batch)` (ms per batch) for each target, in one run."
    rows = []
    for t in targets:
        copy = store.subset(np.arange(len(store)))
        copy.atom_fields.pop(t.field, None)
        t._memo = None                                                # time a real labelling pass
        t0 = time.perf_counter()
        t.prepare(copy, show_progress=show_progress)
        dt = time.perf_counter() - t0
        batches = [copy.batch(np.arange(i * batch_size, min((i + 1) * batch_size, len(copy))))
                   for i in range(min(n_batches, -(-len(copy) // batch_size)))]
        if batches: t.labels(batches[0])                                # warm-up (thread pools, caches) outside the timing
        t1 = time.perf_counter()
        for b in batches: t.labels(b)
        lt = (time.perf_counter() - t1) / max(len(batches), 1)
        rows.append({'target': t.name, 'molecules': len(store), 'prepare s': dt, 'prepare s / 1k mol': dt / len(store) * 1000,
                     'labels ms / batch': lt * 1000})
    out = pd.DataFrame(rows)
    fitted = [t.needs_fit for t in targets]                       # atom_type's prepare is a copy: no useful reference
    ref = out['prepare s'][fitted].min() if any(fitted) else out['prepare s'].min()
    out['prepare / fastest fitted'] = (out['prepare s'] / max(ref, 1e-12)).round(2)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--fit', type=int, default=2000, help='MOSES molecules the vocabularies are fitted on')
    ap.add_argument('--molecules', type=int, default=2000, help='the next MOSES molecules, labelled and timed')
    ap.add_argument('--batch-size', type=int, default=256)
    ap.add_argument('--batches', type=int, default=10)
    a = ap.parse_args()
    moses = load_pretrain_store('moses', limit=a.fit + a.molecules)
    corpus, heldout = moses.subset(np.arange(a.fit)), moses.subset(np.arange(a.fit, a.fit + a.molecules))
    targets = [get_target(n) for n in ('atom_type', 'motif', 'env', 'vq')]
    for t in targets: t.fit(corpus, show_progress=False)
    print(benchmark_targets(heldout, targets, a.batch_size, a.batches).round(4).to_string(index=False))


if __name__ == '__main__':
    main()
