"""oneDNN against torch's own product (MKL on x86 builds) for the linear layers, measured in one run on this machine.

    python benchmarks/cpu_gemm.py [--encoders gin gps] [--rounds 5] [--steps 8] [--threads 1] [--out results/cpu-gemm.json]

For each encoder (5 x 300) and each library (`MOLMASK_CPU_GEMM`, see `molmask_nb.core.cpu_gemm`) it times
  - pretraining steps (batches of 256 MOSES molecules, uniform masking at 15 %, atom-type target, linear head, Adam),
  - fine-tuning steps (batches of 32 BBBP molecules, the encoder's own recipe),
  - evaluation (BBBP's valid and test molecules in batches of 512, no gradient),
with the two libraries taking turns round after round, on one thread, with the process CPU clock (the time the
process waits for a core is not counted). It prints the ratio torch / oneDNN of each (median over rounds; above 1:
oneDNN is faster) with the CPU model, and how far the two libraries' loss and gradients differ on the same
pretraining step from the same weights, each against the same step computed in float64 (float32 rounding: the
products are the same, summed in another order).
"""
import argparse, os, time, warnings

os.environ.setdefault('MOLMASK_PROGRESS', '0')
import numpy as np
import torch

from molmask_nb.core import cpu_model, machine_info, onednn_linear_available, package_versions, set_seed, torch_threads, write_json
from molmask_nb.data import GraphLoader, load_dataset, load_pretrain_store
from molmask_nb.finetune import GraphPredictor, build_encoder, make_optimizer, masked_loss
from molmask_nb.params import FinetuneParams, PretrainParams, resolve_finetune_params
from molmask_nb.pretrain import build_pretrainer
from molmask_nb.splits import make_split

LIBRARIES = ('torch', 'onednn')


def use(library: str): os.environ['MOLMASK_CPU_GEMM'] = library


def pretrain_case(encoder: str, store, steps: int):
    "A function timing `steps` pretraining steps (after two warm-up steps) on fixed batches."
    set_seed(0)
    model, _ = build_pretrainer(PretrainParams(encoder=encoder, masking='uniform', target='atom_type', device='cpu'), store)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    batches = [b for _, b in zip(range(steps + 2), GraphLoader(store, 256, shuffle=True, seed=0))]
    def run():
        gen = torch.Generator().manual_seed(0)
        t0 = 0.0
        for i, b in enumerate(batches):
            if i == 2: t0 = time.process_time()
            model.step(b, gen, 0.5)['loss'].backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
        return (time.process_time() - t0) / steps
    return run


def finetune_case(encoder: str, store, split, steps: int):
    "Functions timing `steps` fine-tuning steps and one evaluation of the valid and test molecules."
    params = resolve_finetune_params(FinetuneParams(dataset='bbbp', encoder=encoder, device='cpu'))
    set_seed(0)
    model = GraphPredictor(build_encoder(params)[0], len(store.tasks), params.pooling)
    model.encoder.prepare(store)
    opt = make_optimizer(params, model.parameters())
    batches = [b for _, b in zip(range(steps + 2), GraphLoader(store, params.batch_size, shuffle=True, seed=0, indices=split[0]))]
    eval_batches = list(GraphLoader(store, 512, indices=np.concatenate(split[1:])))
    def train():
        model.train()
        t0 = 0.0
        for i, b in enumerate(batches):
            if i == 2: t0 = time.process_time()
            masked_loss(model(b), b.y, store.task_type).backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
        return (time.process_time() - t0) / steps
    def evaluate():
        model.eval()
        t0 = time.process_time()
        with torch.no_grad():
            for b in eval_batches: model(b)
        return time.process_time() - t0
    return train, evaluate


def rounding_gap(encoder: str, store) -> dict:
    "Loss and gradient of one pretraining step (same weights and batch) with each library, against the same step in float64."
    def step(library, double=False):
        use(library)
        set_seed(0)
        model, _ = build_pretrainer(PretrainParams(encoder=encoder, masking='uniform', target='atom_type', device='cpu'), store)
        if double: model.double()
        loss = model.step(store.batch(range(256)), torch.Generator().manual_seed(0), 0.5)['loss']
        loss.backward()
        return loss.item(), torch.cat([p.grad.double().flatten() for p in model.parameters() if p.grad is not None])
    ref_loss, ref_grad = step('torch', double=True)   # float64 products: torch's, whatever the library
    out = {}
    for library in LIBRARIES:
        loss, grad = step(library)
        out[library] = {'loss_abs_error': abs(loss - ref_loss), 'grad_rel_l2_error': float((grad - ref_grad).norm() / ref_grad.norm())}
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--encoders', nargs='+', default=['gin', 'gps'], choices=['gin', 'gps'])
    ap.add_argument('--rounds', type=int, default=5)
    ap.add_argument('--steps', type=int, default=8, help='timed steps per measurement')
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--out', default='results/cpu-gemm.json')
    a = ap.parse_args()
    if not onednn_linear_available(): raise SystemExit("this torch build has no oneDNN linear kernel: nothing to compare")
    warnings.simplefilter('ignore')
    corpus, bbbp = load_pretrain_store(limit=5000), load_dataset('bbbp')
    split = make_split('scaffold', bbbp.smiles, seed=0)
    print(f"CPU: {cpu_model()}; torch threads: {a.threads}; {a.rounds} rounds; ratios are torch / oneDNN (median over rounds)", flush=True)
    out = {'threads': a.threads, 'rounds': a.rounds, 'steps': a.steps, 'encoders': {}}
    with torch_threads(a.threads):
        for encoder in a.encoders:
            cases = {'pretrain_step': pretrain_case(encoder, corpus, a.steps)}
            cases['finetune_step'], cases['evaluate'] = finetune_case(encoder, bbbp, split, 2 * a.steps)
            seconds = {c: {lib: [] for lib in LIBRARIES} for c in cases}
            for r in range(a.rounds):
                for case, fn in cases.items():
                    for lib in (LIBRARIES if r % 2 == 0 else LIBRARIES[::-1]):   # alternate who goes first
                        use(lib)
                        seconds[case][lib].append(fn())
            ratios = {c: float(np.median(np.array(s['torch']) / np.array(s['onednn']))) for c, s in seconds.items()}
            gap = rounding_gap(encoder, corpus)
            out['encoders'][encoder] = {'seconds': seconds, 'ratios': ratios, 'rounding': gap}
            print(f"{encoder}: " + ', '.join(f"{c} {np.median(s['torch']) * 1e3:.0f} -> {np.median(s['onednn']) * 1e3:.0f} ms ({ratios[c]:.2f}x)"
                                              for c, s in seconds.items())
                  + "; one pretraining step against float64, |loss error| / gradient's relative L2 error: "
                  + ', '.join(f"{lib} {e['loss_abs_error']:.1e} / {e['grad_rel_l2_error']:.1e}" for lib, e in gap.items()), flush=True)
    os.environ.pop('MOLMASK_CPU_GEMM')
    out.update(machine=machine_info(), versions=package_versions(), when=time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()))
    write_json(a.out, out)


if __name__ == '__main__':
    main()
