"""Pretraining and fine-tuning throughput, measured in one run on this machine.

    python benchmarks/throughput.py [--molecules 4096] [--steps 12] [--out results/throughput.json]

Prints, for GIN and GPS with uniform masking and the atom-type target:
- molecules/s of a full pretraining step (batching, masking, forward, backward, Adam);
- the matmul roof: the step's GEMM FLOPs divided by the time the same GEMMs take as plain torch.mm calls,
  and the fraction of it the step reaches;
- the same step fed by a faithful copy of the reference pipeline of Hu et al. (per-graph masking
  transform on Data objects, then PyG's Batch.from_data_list), and our speed-up over it;
- fine-tuning molecules/s at batch 32 and at batch 256.
All ratios come from timings taken in this one process.
"""
import argparse, json, os, random, time
from pathlib import Path

os.environ.setdefault('MOLMASK_PROGRESS', '0')
import numpy as np
import torch
from torch_geometric.data import Batch, Data

from molmask_nb.core import machine_info, package_versions, set_seed, write_json
from molmask_nb.data import GraphLoader, load_pretrain_store, load_dataset
from molmask_nb.featurize import VOCAB
from molmask_nb.finetune import GraphPredictor, masked_loss
from molmask_nb.params import PretrainParams
from molmask_nb.pretrain import build_pretrainer
from molmask_nb.encoders import get_encoder


def _time(fn, steps, warmup=2):
    for _ in range(warmup): fn()
    t0 = time.perf_counter()
    for _ in range(steps): fn()
    return (time.perf_counter() - t0) / steps


def gemm_flops_and_roof(model, n_atoms: int, repeats: int = 5):
    """FLOPs of every Linear in the model for `n_atoms` rows (forward + 2x for backward), and the time the same
    GEMMs take as bare torch.mm calls (forward and both backward products)."""
    shapes = [(m.in_features, m.out_features) for m in model.modules() if isinstance(m, torch.nn.Linear)]
    flops = sum(3 * 2 * n_atoms * i * o for i, o in shapes)
    mats = [(torch.randn(n_atoms, i), torch.randn(i, o), torch.randn(n_atoms, o)) for i, o in shapes]
    def run():
        for a, w, g in mats:
            torch.mm(a, w); torch.mm(g, w.t()); torch.mm(a.t(), g)
    return flops, _time(run, repeats, warmup=1)


class ReferenceMaskAtom:
    "Per-graph masking as in pretrain-gnns' MaskAtom: sample atoms with python's random, copy the graph, overwrite x."
    def __init__(self, rate): self.rate = rate
    def __call__(self, data):
        n = data.num_nodes; k = max(1, int(n * self.rate + 1))
        idx = random.sample(range(n), min(k, n))
        data = data.clone(); data.mask_node_label = data.x[idx].clone(); data.masked_atom_index = torch.tensor(idx)  # PyG offsets '*index*' attributes when batching
        data.x[idx] = torch.tensor([VOCAB.mask_atom, 0])
        return data


def bench_pretrain(store, encoder, steps, batch_size, emb_dim, layers):
    params = PretrainParams(encoder=encoder, num_layers=layers, emb_dim=emb_dim, batch_size=batch_size, corpus_limit=len(store))
    model, _ = build_pretrainer(params, store)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loader = GraphLoader(store, batch_size, shuffle=True, seed=0)
    it = iter(loader); gen = torch.Generator().manual_seed(0)
    def ours():
        nonlocal it
        try: b = next(it)
        except StopIteration: it = iter(loader); b = next(it)
        out = model.step(b, gen, 0.5); opt.zero_grad(); out['loss'].backward(); opt.step()
    t_ours = _time(ours, steps)
    # the reference data path: Data objects, per-graph transform, Batch.from_data_list; same model step on the result
    graphs = [store.graph(i) for i in range(min(len(store), batch_size * (steps + 3)))]
    for g in graphs: del g.batch, g.ptr, g.mol_index
    tf = ReferenceMaskAtom(0.15); pos = [0]
    def reference():
        i = pos[0] % (len(graphs) - batch_size); pos[0] += batch_size
        b = Batch.from_data_list([tf(g) for g in graphs[i:i + batch_size]])
        h = model.encoder(b); logits = model.head(h[b.masked_atom_index])
        loss = torch.nn.functional.cross_entropy(logits, b.mask_node_label[:, 0]); opt.zero_grad(); loss.backward(); opt.step()
    t_ref = _time(reference, steps)
    # pure model step on a fixed pre-made batch, for the roof comparison
    b0 = store.batch(np.arange(batch_size))
    def model_only():
        out = model.step(b0, gen, 0.5); opt.zero_grad(); out['loss'].backward(); opt.step()
    t_model = _time(model_only, steps)
    flops, t_gemm = gemm_flops_and_roof(model, b0.num_nodes)
    return {'encoder': encoder, 'batch_size': batch_size, 'atoms_per_batch': b0.num_nodes,
            'ours_mol_per_s': batch_size / t_ours, 'reference_mol_per_s': batch_size / t_ref, 'speedup_vs_reference': t_ref / t_ours,
            'model_step_s': t_model, 'gemm_flops': flops, 'gemm_only_s': t_gemm,
            'step_gflops': flops / t_model / 1e9, 'roof_gflops': flops / t_gemm / 1e9, 'fraction_of_roof': t_gemm / t_model,
            'data_and_mask_share': max(0.0, 1 - t_model / t_ours)}


def bench_finetune(steps, emb_dim, layers):
    store = load_dataset('bbbp'); out = {}
    for bs in (32, 256):
        set_seed(0)
        model = GraphPredictor(get_encoder('gin', num_layers=layers, emb_dim=emb_dim, dropout=0.5), len(store.tasks))
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        loader = GraphLoader(store, bs, shuffle=True, seed=0); it = iter(loader)
        def step():
            nonlocal it
            try: b = next(it)
            except StopIteration: it = iter(loader); b = next(it)
            loss = masked_loss(model(b), b.y, 'classification'); opt.zero_grad(); loss.backward(); opt.step()
        out[f'finetune_mol_per_s_batch{bs}'] = bs / _time(step, steps if bs == 256 else steps * 4)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--molecules', type=int, default=4096)
    ap.add_argument('--steps', type=int, default=12)
    ap.add_argument('--batch-size', type=int, default=256)
    ap.add_argument('--out', default='results/throughput.json')
    a = ap.parse_args()
    set_seed(0)
    store = load_pretrain_store('moses', limit=a.molecules)
    rows = [bench_pretrain(store, enc, a.steps, a.batch_size, 300, 5) for enc in ('gin', 'gps')]
    ft = bench_finetune(a.steps, 300, 5)
    result = {'pretrain': rows, 'finetune': ft, 'machine': machine_info(), 'versions': package_versions(),
              'when': time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}
    write_json(a.out, result)
    for r in rows:
        print(f"{r['encoder']}: {r['ours_mol_per_s']:.0f} mol/s (reference pipeline {r['reference_mol_per_s']:.0f}, x{r['speedup_vs_reference']:.2f}); "
              f"step {r['step_gflops']:.1f} GFLOP/s vs matmul roof {r['roof_gflops']:.1f} = {100 * r['fraction_of_roof']:.0f}%; "
              f"data+masking share {100 * r['data_and_mask_share']:.0f}%")
    print(f"fine-tune GIN: {ft['finetune_mol_per_s_batch32']:.0f} mol/s at batch 32, {ft['finetune_mol_per_s_batch256']:.0f} at batch 256")


if __name__ == '__main__':
    main()
