"""Pretraining and fine-tuning throughput, measured in one run on this machine.

    python benchmarks/throughput.py [--molecules 4096] [--steps 12] [--threads 1 2] [--encoders gin gps] [--out results/throughput.json]

Prints, for GIN and GPS with uniform masking and the atom-type target:
- molecules/s of a full pretraining step (batching, masking, forward, backward, Adam);
- the matmul roof: the FLOPs of the GEMMs our encoder runs (every nn.Linear call, forward and both backward
  products) divided by the time the same GEMMs take as plain torch.mm calls, and the fraction of it the step
  reaches. Our GIN runs fewer GEMM rows than the reference (both compute the same function): its first layer
  applies its first linear map to the embedding tables, and its first layers run once per class of atoms
  with the same neighbourhood (see nbs/07_encoders.ipynb); `gemm_flop_share` is our GEMM FLOPs over theirs;
- the reference pipeline of Hu et al. rebuilt here (pretrain-gnns' per-graph MaskAtom transform on Data
  objects, PyG's Batch.from_data_list, and their GNN: a MessagePassing GINConv that appends self-loops and
  embeds every bond in every layer), our speed-up over it, the bound on that speed-up if our GEMMs ran at
  the roof and nothing else took time, and the two data paths (batching and masking) alone;
- fine-tuning molecules/s at batch 32 and at batch 256, the evaluation pass every epoch makes, and its share
  of a paper-protocol epoch.
Everything is measured once per thread count (default: 1 and all cores); all ratios come from timings
taken in this one process. Results, with the machine and package versions, go to --out.
"""
import argparse, os, random, time

os.environ.setdefault('MOLMASK_PROGRESS', '0')
import numpy as np
import torch
from torch_geometric.data import Batch
from torch_geometric.nn import MessagePassing
from torch_geometric.utils import add_self_loops

from molmask_nb.core import adam, machine_info, package_versions, set_seed, write_json
from molmask_nb.data import GraphLoader, load_pretrain_store, load_dataset
from molmask_nb.featurize import VOCAB
from molmask_nb.finetune import GraphPredictor, masked_loss, predict
from molmask_nb.params import PretrainParams
from molmask_nb.pretrain import build_pretrainer
from molmask_nb.masking import corrupt
from molmask_nb.encoders import get_encoder

from encoders import linear_calls, matmul_roof   # benchmarks/encoders.py, beside this script


def _time(fn, steps, warmup=2):
    for _ in range(warmup): fn()
    t0 = time.perf_counter()
    for _ in range(steps): fn()
    return (time.perf_counter() - t0) / steps


def interleaved(variants: dict, n_batches: int, rounds: int = 3) -> dict:
    """Median over `rounds` of the mean seconds per batch of each variant; every variant runs over the same
    `n_batches` batches (variant(k) handles batch k), and the variants take turns each round, so a change in
    machine load affects them alike."""
    for fn in variants.values(): fn(0)   # warm-up
    times = {name: [] for name in variants}
    for _ in range(rounds):
        for name, fn in variants.items():
            t0 = time.perf_counter()
            for k in range(n_batches): fn(k)
            times[name].append((time.perf_counter() - t0) / n_batches)
    return {name: float(np.median(v)) for name, v in times.items()}


class ReferenceMaskAtom:
    "Per-graph masking as in pretrain-gnns' MaskAtom: sample atoms with python's random, copy the graph, overwrite x."
    def __init__(self, rate): self.rate = rate
    def __call__(self, data):
        n = data.num_nodes
        k = max(1, int(n * self.rate + 1))
        idx = random.sample(range(n), min(k, n))
        data = data.clone()
        data.mask_node_label = data.x[idx].clone()
        data.masked_atom_index = torch.tensor(idx)  # PyG offsets '*index*' attributes when batching
        data.x[idx] = torch.tensor([VOCAB.mask_atom, 0])
        return data


class ReferenceGINConv(MessagePassing):
    "pretrain-gnns' GINConv: self-loops appended on every call, a bond embedding per edge, message x_j + e_ij, then the MLP."
    def __init__(self, emb_dim):
        super().__init__(aggr='add')
        self.mlp = torch.nn.Sequential(torch.nn.Linear(emb_dim, 2 * emb_dim), torch.nn.ReLU(), torch.nn.Linear(2 * emb_dim, emb_dim))
        self.bond_type = torch.nn.Embedding(VOCAB.num_bond_types, emb_dim)
        self.bond_dir = torch.nn.Embedding(VOCAB.num_bond_dirs, emb_dim)
    def forward(self, x, edge_index, edge_attr):
        edge_index, _ = add_self_loops(edge_index, num_nodes=x.size(0))
        loop_attr = torch.zeros(x.size(0), 2, dtype=edge_attr.dtype)
        loop_attr[:, 0] = VOCAB.self_loop_bond
        edge_attr = torch.cat([edge_attr, loop_attr], 0)
        return self.propagate(edge_index, x=x, edge_attr=self.bond_type(edge_attr[:, 0]) + self.bond_dir(edge_attr[:, 1]))
    def message(self, x_j, edge_attr): return x_j + edge_attr
    def update(self, aggr_out): return self.mlp(aggr_out)


class ReferenceGNN(torch.nn.Module):
    "pretrain-gnns' GNN (JK 'last'): atom embeddings, then GINConv → BatchNorm → ReLU (not after the last) → dropout."
    def __init__(self, num_layers, emb_dim, dropout=0.0):
        super().__init__()
        self.atom_type = torch.nn.Embedding(VOCAB.num_atom_types, emb_dim)
        self.chirality = torch.nn.Embedding(VOCAB.num_chiral_tags, emb_dim)
        self.convs = torch.nn.ModuleList([ReferenceGINConv(emb_dim) for _ in range(num_layers)])
        self.norms = torch.nn.ModuleList([torch.nn.BatchNorm1d(emb_dim) for _ in range(num_layers)])
        self.dropout = dropout
    def forward(self, x, edge_index, edge_attr):
        h = self.atom_type(x[:, 0]) + self.chirality(x[:, 1])
        for i, (conv, norm) in enumerate(zip(self.convs, self.norms)):
            h = norm(conv(h, edge_index, edge_attr))
            if i < len(self.convs) - 1: h = torch.relu(h)
            h = torch.nn.functional.dropout(h, self.dropout, self.training)
        return h


def bench_pretrain(store, encoder, steps, batch_size, emb_dim, layers):
    "One pretraining step (uniform masking, atom-type target) of ours and of the reference, over the same batches."
    params = PretrainParams(encoder=encoder, num_layers=layers, emb_dim=emb_dim, batch_size=batch_size, corpus_limit=len(store))
    model, _ = build_pretrainer(params, store)
    opt = adam(model.parameters(), lr=1e-3)
    order = np.random.default_rng(0).permutation(len(store))
    batches = [order[k * batch_size:(k + 1) * batch_size] for k in range(steps)]
    assert all(len(b) == batch_size for b in batches), 'not enough molecules for --steps batches'
    gen = torch.Generator().manual_seed(0)
    def ours(k):   # our data path (GraphStore.batch) and our model step, masking included
        out = model.step(store.batch(batches[k]), gen, 0.5)
        opt.zero_grad()
        out['loss'].backward()
        opt.step()
    made = [store.batch(b) for b in batches]
    def ours_model(k):   # the same on batches collated beforehand
        out = model.step(made[k], gen, 0.5)
        opt.zero_grad()
        out['loss'].backward()
        opt.step()
    variants = {'ours': ours, 'ours_model': ours_model}
    if encoder == 'gin':   # the full reference pipeline exists for GIN only (pretrain-gnns has no graph transformer)
        graphs = {}
        for i in order[:steps * batch_size].tolist():
            g = store.graph(i)
            del g.batch, g.ptr, g.mol_index
            graphs[i] = g
        tf = ReferenceMaskAtom(0.15)
        ref = ReferenceGNN(layers, emb_dim)
        ref_head = torch.nn.Linear(emb_dim, VOCAB.num_atom_types)
        ref_opts = [torch.optim.Adam(ref.parameters(), lr=1e-3), torch.optim.Adam(ref_head.parameters(), lr=1e-3)]
        def reference(k):   # as in pretrain-gnns' pretrain_masking.py: two optimizers, loss in double precision
            b = Batch.from_data_list([tf(graphs[i]) for i in batches[k].tolist()])
            logits = ref_head(ref(b.x, b.edge_index, b.edge_attr)[b.masked_atom_index])
            loss = torch.nn.functional.cross_entropy(logits.double(), b.mask_node_label[:, 0])
            for o in ref_opts: o.zero_grad()
            loss.backward()
            for o in ref_opts: o.step()
        variants['reference'] = reference
        variants['reference_data'] = lambda k: Batch.from_data_list([tf(graphs[i]) for i in batches[k].tolist()])
        variants['ours_data'] = lambda k: model.masking(store.batch(batches[k]), gen, 0.5)
    t = interleaved(variants, steps)
    n_atoms = int(round(np.mean([b.num_nodes for b in made])))
    # the GEMMs our encoder runs on masked batches (every nn.Linear call; GIN computes its first layers once per class
    # of atoms, so the row counts vary), timed as bare torch.mm; per step, averaged over the first few batches
    probe = made[:4]
    calls = [c for b in probe for c in linear_calls(model.encoder, corrupt(b, model.masking(b, torch.Generator().manual_seed(1), 0.5)))]
    flops, t_gemm = matmul_roof(calls, torch.device('cpu'), reps=2)
    flops, t_gemm = flops / len(probe), t_gemm / len(probe)
    row = {'encoder': encoder, 'batch_size': batch_size, 'batches': steps, 'mean_atoms_per_batch': n_atoms,
           'seconds_per_step': t, 'ours_mol_per_s': batch_size / t['ours'],
           'encoder_gemm_flops': flops, 'encoder_gemm_only_s': t_gemm, 'step_gflops': flops / t['ours_model'] / 1e9,
           'roof_gflops': flops / t_gemm / 1e9, 'fraction_of_roof': t_gemm / t['ours_model'],
           'data_and_mask_share': max(0.0, 1 - t['ours_model'] / t['ours'])}
    if 'reference' in t:
        ref_flops = sum(3 * 2 * n_atoms * m.in_features * m.out_features for m in ref.modules() if isinstance(m, torch.nn.Linear))
        row.update(reference_gemm_flops=ref_flops, gemm_flop_share=flops / ref_flops,
                   # the reference's GEMM FLOPs per our step time, over the roof: above 1 when computing less pays
                   effective_fraction_of_roof=ref_flops / t['ours_model'] / (flops / t_gemm), reference_mol_per_s=batch_size / t['reference'],
                   speedup_vs_reference=t['reference'] / t['ours'],
                   # with our GEMMs at the roof and everything else free, the step could not beat t_reference / t_gemm
                   max_speedup_at_roof=t['reference'] / t_gemm,
                   data_path_speedup=t['reference_data'] / t['ours_data'])
    return row


def bench_finetune(steps, emb_dim, layers):
    "Fine-tuning steps on BBBP at batch 32 and 256, and the evaluation pass over all molecules that every epoch makes."
    store = load_dataset('bbbp')
    out = {}
    for bs in (32, 256):
        set_seed(0)
        model = GraphPredictor(get_encoder('gin', num_layers=layers, emb_dim=emb_dim, dropout=0.5), len(store.tasks))
        opt = adam(model.parameters(), lr=1e-3)
        loader = GraphLoader(store, bs, shuffle=True, seed=0)
        it = iter(loader)
        def step():
            nonlocal it
            try: b = next(it)
            except StopIteration:
                it = iter(loader)
                b = next(it)
            model.train()
            loss = masked_loss(model(b), b.y, 'classification')
            opt.zero_grad()
            loss.backward()
            opt.step()
        out[f'finetune_mol_per_s_batch{bs}'] = bs / _time(step, steps if bs == 256 else steps * 4)
    everything = np.arange(len(store))
    out['eval_mol_per_s'] = len(store) / _time(lambda: predict(model, store, everything, 'cpu'), 2, warmup=1)
    # one epoch of the paper protocol: 80% of the molecules trained at batch 32, then all of them evaluated
    train_s, eval_s = 0.8 * len(store) / out['finetune_mol_per_s_batch32'], len(store) / out['eval_mol_per_s']
    out['eval_share_of_epoch'] = eval_s / (train_s + eval_s)
    out['batch32_over_batch256'] = out['finetune_mol_per_s_batch32'] / out['finetune_mol_per_s_batch256']
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--molecules', type=int, default=4096)
    ap.add_argument('--steps', type=int, default=12)
    ap.add_argument('--batch-size', type=int, default=256)
    ap.add_argument('--threads', type=int, nargs='+', default=[1, os.cpu_count()], help='torch CPU thread counts to measure')
    ap.add_argument('--encoders', nargs='+', default=['gin', 'gps'])
    ap.add_argument('--out', default='results/throughput.json')
    a = ap.parse_args()
    store = load_pretrain_store('moses', limit=a.molecules)
    runs = []
    for threads in dict.fromkeys(a.threads):
        torch.set_num_threads(threads)
        set_seed(0)
        rows = [bench_pretrain(store, enc, a.steps, a.batch_size, 300, 5) for enc in a.encoders]
        runs.append({'threads': threads, 'pretrain': rows, 'finetune': bench_finetune(a.steps, 300, 5)})
    result = {'runs': runs, 'machine': machine_info(), 'versions': package_versions(),
              'when': time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}
    write_json(a.out, result)
    for run in runs:
        print(f"--- {run['threads']} thread(s)")
        for r in run['pretrain']:
            print(f"{r['encoder']}: {r['ours_mol_per_s']:.0f} mol/s; encoder GEMMs {r['step_gflops']:.1f} GFLOP/s in the step vs a matmul "
                  f"roof of {r['roof_gflops']:.1f} = {100 * r['fraction_of_roof']:.0f}%; data+masking {100 * r['data_and_mask_share']:.0f}% of the step")
            if 'reference_mol_per_s' in r:
                print(f"     reference pipeline {r['reference_mol_per_s']:.0f} mol/s: ours x{r['speedup_vs_reference']:.2f}, "
                      f"running {100 * r['gemm_flop_share']:.0f}% of its GEMM FLOPs (its FLOPs in our time: "
                      f"{100 * r['effective_fraction_of_roof']:.0f}% of the roof) "
                      f"(at most x{r['max_speedup_at_roof']:.2f} with our GEMMs at the roof); data path alone x{r['data_path_speedup']:.1f}")
        ft = run['finetune']
        print(f"fine-tune GIN: {ft['finetune_mol_per_s_batch32']:.0f} mol/s at batch 32, {ft['finetune_mol_per_s_batch256']:.0f} at batch 256 "
              f"(ratio {ft['batch32_over_batch256']:.2f}); evaluation {ft['eval_mol_per_s']:.0f} mol/s, "
              f"{100 * ft['eval_share_of_epoch']:.0f}% of a paper-protocol epoch")


if __name__ == '__main__':
    main()
