"""Cost of each masking distribution per pretraining step, relative to uniform masking, measured in one run.

    python benchmarks/masking.py [--batches 10] [--warmup 2] [--batch-size 256] [--arms ...] [--progress 1.0]

Every arm trains its own copy of the same model (the library's GIN encoder, 5 x 300, plus a linear atom-type
head, Adam on the model and on the masking's own parameters) on the same MOSES batches, arms taking turns batch
by batch (the arm that goes first rotates), on one torch thread. A step is: draw the mask, corrupt the batch,
encode it, scale the encoder output by `sample.scale` when the masking returns one (StructMAE-L), read out the
masked atoms, reduce the loss with `masking.reduce_loss` (the adversarial arm's weight), backward, Adam.
Printed per arm: the median step time, the median over batches of (arm's step / uniform's step on the same
batch), the same ratio for the masking call alone under no_grad, and the one-off `prepare` time. The CPU, the
thread count and the load average are printed first: on a shared machine the ratios carry its noise.
"""
import argparse, os, time

os.environ.setdefault('MOLMASK_PROGRESS', '0')
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from molmask_nb.core import adam, cpu_model
from molmask_nb.data import load_pretrain_store
from molmask_nb.encoders import get_encoder
from molmask_nb.featurize import VOCAB
from molmask_nb.masking import MASKINGS, corrupt, get_masking


def build_arm(name, store, rate, layers, emb_dim, seed):
    "(masking, encoder, head, optimizer, generator, prepare seconds) of one arm; every arm starts from the same weights."
    masking = get_masking(name, rate=rate)
    t0 = time.perf_counter()
    masking.prepare(store)
    prep = time.perf_counter() - t0
    torch.manual_seed(seed)
    encoder = get_encoder('gin', num_layers=layers, emb_dim=emb_dim)
    encoder.prepare(store)
    head = nn.Linear(encoder.out_dim, VOCAB.num_elements)
    opt = adam(list(encoder.parameters()) + list(head.parameters()) + list(masking.parameters()), lr=1e-3)
    return dict(masking=masking, encoder=encoder, head=head, opt=opt, gen=torch.Generator().manual_seed(seed), prepare_s=prep)


def step(arm, batch, progress):
    "One pretraining step of `arm` on `batch`; seconds."
    t0 = time.perf_counter()
    m = arm['masking']
    s = m(batch, arm['gen'], progress)
    h = arm['encoder'](corrupt(batch, s))
    if s.scale is not None: h = h * s.scale[:, None]
    per_atom = F.cross_entropy(arm['head'](h[s.atom_mask]), batch.x[s.atom_mask, 0], reduction='none')
    loss = m.reduce_loss(per_atom, s)
    arm['opt'].zero_grad()
    loss.backward()
    arm['opt'].step()
    return time.perf_counter() - t0


def mask_call(arm, batch, progress):
    "Seconds of one masking call under no_grad."
    t0 = time.perf_counter()
    with torch.no_grad(): arm['masking'](batch, arm['gen'], progress)
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--batches', type=int, default=10, help='timed batches')
    ap.add_argument('--warmup', type=int, default=2, help='untimed batches first')
    ap.add_argument('--batch-size', type=int, default=256)
    ap.add_argument('--arms', nargs='+', default=None, help='masking names (default: all registered; uniform is always included)')
    ap.add_argument('--rate', type=float, default=0.15)
    ap.add_argument('--progress', type=float, default=1.0, help='training progress passed to the maskings (1 = end of the curricula)')
    ap.add_argument('--layers', type=int, default=5)
    ap.add_argument('--emb-dim', type=int, default=300)
    ap.add_argument('--seed', type=int, default=0)
    a = ap.parse_args()
    torch.set_num_threads(1)
    names = ['uniform'] + [n for n in (a.arms or MASKINGS.names()) if n != 'uniform']
    n_batches = a.warmup + a.batches
    store = load_pretrain_store('moses', limit=a.batch_size * n_batches, show_progress=False)
    arms = {name: build_arm(name, store, a.rate, a.layers, a.emb_dim, a.seed) for name in names}
    batches = [store.batch(np.arange(i * a.batch_size, (i + 1) * a.batch_size)) for i in range(n_batches)]   # with every arm's fields
    print(f"CPU: {cpu_model()}; {torch.get_num_threads()} torch thread; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"GIN {a.layers}x{a.emb_dim} + linear head, {a.batches} timed batches of {a.batch_size} MOSES molecules "
          f"(~{batches[-1].num_nodes} atoms), rate {a.rate}, progress {a.progress}")
    steps = {n: [] for n in names}
    calls = {n: [] for n in names}
    for i, b in enumerate(batches):
        order = names[i % len(names):] + names[:i % len(names)]   # the arm that goes first rotates
        for name in order:
            t_call = mask_call(arms[name], b, a.progress)
            t_step = step(arms[name], b, a.progress)
            if i >= a.warmup:
                steps[name].append(t_step)
                calls[name].append(t_call)
    steps = {n: np.array(v) for n, v in steps.items()}
    calls = {n: np.array(v) for n, v in calls.items()}
    print(f"{'masking':>13} {'step ms':>8} {'step vs uniform':>16} {'mask call ms':>13} {'call vs uniform step':>21} {'prepare s':>10}")
    for n in names:
        print(f"{n:>13} {np.median(steps[n]) * 1e3:8.1f} {np.median(steps[n] / steps['uniform']):15.3f}x "
              f"{np.median(calls[n]) * 1e3:13.2f} {np.median(calls[n] / steps['uniform']):20.4f}x {arms[n]['prepare_s']:10.2f}")


if __name__ == '__main__':
    main()
