"""Several fine-tuning seeds in one pass against one seed alone, measured in one run on this machine.

    python benchmarks/multiseed.py [--encoder gin] [--seeds 3] [--epochs 2] [--rounds 3] [--threads 1] [--no-profile]
                                   [--out results/multiseed-gin.json]

On BBBP (scaffold split, batch 32, the encoder's own fine-tuning recipe, 5 x 300) it times `finetune_seeds` for
  (a) one seed alone,
  (b) --seeds seeds in one pass (the default of `finetune`),
  (c) the same seeds one pass each (`seeds_per_pass=1`, the loop before passes),
  (d) one seed alone with torch's own product for the linear layers (MOLMASK_CPU_GEMM=torch, MKL on x86: the
      library before oneDNN became the default), when oneDNN is available,
taking turns for --rounds rounds so that a change in machine load affects them alike, and prints the wall and CPU
seconds of each and the paired ratios b/a, c/a and b/d (median over rounds), with the CPU model. It also checks that
seed 0 scores the same in (a) and (b), and how far (a) and (d) differ (rounding of the two libraries).

First (unless --no-profile) it measures where one seed's time goes: a training step (mean over 20 batches), the
dense matrix products that step runs (recorded with a dispatch mode, timed on the same shapes with the library
`cpu_gemm()` names: oneDNN's linear kernel, or torch.bmm), the same step at width 8 (what is left when the
arithmetic vanishes: Python, autograd, dispatch, batching, graph work), and one evaluation of the three splits; these bound what seeds sharing a pass can save.
The profiled batches are run once before they are timed: oneDNN builds a kernel for each new product shape on
first use (about 0.3 ms at a fine-tuning batch's size, several at a pretraining batch's) and keeps it, so a cold
step at width 8 would time the building instead of the per-step work.
"""
import argparse, os, time, warnings

os.environ.setdefault('MOLMASK_PROGRESS', '0')
import numpy as np
import torch
from torch.utils._python_dispatch import TorchDispatchMode

from molmask_nb.core import cpu_gemm, cpu_model, machine_info, onednn_linear_available, package_versions, set_seed, torch_threads, write_json
from molmask_nb.data import GraphLoader, load_dataset
from molmask_nb.encoders import _onednn_product
from molmask_nb.finetune import GraphPredictor, build_encoder, finetune_seeds, make_optimizer, masked_loss, predict
from molmask_nb.params import FinetuneParams, finetune_epochs, resolve_finetune_params
from molmask_nb.splits import make_split

aten = torch.ops.aten
_GEMMS = {aten.mm.default: (0, 1), aten.addmm.default: (1, 2), aten.addmm_.default: (1, 2)}
_ONEDNN = torch.ops.mkldnn._linear_pointwise.default if onednn_linear_available() else None   # a @ bᵀ


class DenseGemms(TorchDispatchMode):
    "Records (M, K, N) of every dense matrix product run inside the block (sparse products are left out)."
    def __init__(self):
        super().__init__()
        self.shapes = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if func is _ONEDNN:
            a, b = args[0], args[1]
            self.shapes.append((1, a.shape[0], a.shape[1], b.shape[0]))
        elif func in _GEMMS:
            a, b = (args[i] for i in _GEMMS[func])
            if a.layout == torch.strided and b.layout == torch.strided: self.shapes.append((1, a.shape[0], a.shape[1], b.shape[1]))
        elif func is aten.bmm.default: self.shapes.append((args[0].shape[0], *args[0].shape[1:], args[1].shape[2]))
        return func(*args, **(kwargs or {}))


def mm_seconds(shapes, reps: int = 3) -> float:
    "Best of `reps` of the time the `cpu_gemm()` library takes on every (batch, M, K, N) in `shapes` once (torch.bmm for batches)."
    onednn = cpu_gemm() == 'onednn'
    def product(a, b): return _onednn_product(a[0], b[0]) if onednn and len(a) == 1 else torch.bmm(a, b.transpose(1, 2))
    mats = {s: (torch.randn(s[0], s[1], s[2]), torch.randn(s[0], s[3], s[2])) for s in set(shapes)}   # b as [batch, N, K]
    best = float('inf')
    for _ in range(reps):
        t0 = time.perf_counter()
        for s in shapes: product(*mats[s])
        best = min(best, time.perf_counter() - t0)
    return best


def profile_step(store, split, params, n: int = 20) -> dict:
    "Where one seed's time goes: a training step, its dense products alone, the step at width 8, one evaluation."
    batches = [b for _, b in zip(range(n + 2), GraphLoader(store, params.batch_size, shuffle=True, seed=0, indices=split[0]))]
    def step_time(p, record=False):
        set_seed(0)
        model = GraphPredictor(build_encoder(p)[0], len(store.tasks), p.pooling)
        model.encoder.prepare(store)
        opt = make_optimizer(p, model.parameters())
        model.train()
        def step(b):
            loss = masked_loss(model(b), b.y, store.task_type)
            loss.backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
        for b in batches: step(b)   # warm-up: every shape's oneDNN kernel built before the clock runs
        t0 = time.perf_counter()
        for b in batches[2:]: step(b)
        seconds = (time.perf_counter() - t0) / n
        shapes = []
        if record:
            with DenseGemms() as rec:
                for b in batches[2:]: step(b)
            shapes = rec.shapes
        return model, seconds, shapes
    model, step_s, shapes = step_time(params, record=True)
    narrow_kw = {**params.encoder_kw, **({'pe_dim': 4} if params.encoder == 'gps' else {})}
    _, narrow_s, _ = step_time(resolve_finetune_params(FinetuneParams(**{**vars(params), 'emb_dim': 8, 'encoder_kw': narrow_kw})))
    gemm_s = mm_seconds(shapes) / n
    flop = sum(2 * bs * m * k * nn for bs, m, k, nn in shapes) / n
    t0 = time.perf_counter()
    predict(model, store, np.concatenate(split), 'cpu')
    eval_s = time.perf_counter() - t0
    steps = len(GraphLoader(store, params.batch_size, indices=split[0]))
    return dict(step_ms=step_s * 1e3, gemm_ms=gemm_s * 1e3, gemm_gflop=flop / 1e9, gemm_gflops=flop / gemm_s / 1e9,
                width8_step_ms=narrow_s * 1e3, eval_s=eval_s, steps_per_epoch=steps,
                eval_share_of_epoch=eval_s / (eval_s + steps * step_s))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--encoder', default='gin', choices=['gin', 'gps'])
    ap.add_argument('--seeds', type=int, default=3, help='seeds in the pass')
    ap.add_argument('--epochs', type=int, default=2)
    ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--no-profile', action='store_true')
    ap.add_argument('--out', default=None, help='JSON file for the results (default: results/multiseed-<encoder>.json)')
    a = ap.parse_args()
    warnings.simplefilter('ignore')
    store = load_dataset('bbbp')
    split = make_split('scaffold', store.smiles, seed=0)
    params = resolve_finetune_params(FinetuneParams(dataset='bbbp', encoder=a.encoder, epochs=a.epochs, device='cpu'))
    seeds = list(range(a.seeds))
    print(f"CPU: {cpu_model()}; torch threads: {a.threads}; BBBP, {a.encoder} 5 x 300, batch {params.batch_size}, "
          f"{finetune_epochs(params)} epochs, recipe {params.optimizer} lr {params.lr} dropout {params.dropout}", flush=True)
    out = {'encoder': a.encoder, 'seeds': a.seeds, 'epochs': a.epochs, 'threads': a.threads}
    with torch_threads(a.threads):
        build_encoder(params)[0].prepare(store)           # RWSE for GPS, outside the clock
        if not a.no_profile:
            prof = profile_step(store, split, params)
            out['profile'] = prof
            step, gemm, narrow = prof['step_ms'], prof['gemm_ms'], prof['width8_step_ms']
            rest = step - gemm - narrow
            print(f"one seed's training step: {step:.1f} ms\n"
                  f"  its dense matrix products alone (same shapes): {gemm:.1f} ms = {gemm / step:.0%}"
                  f" ({prof['gemm_gflop']:.2f} GFLOP at {prof['gemm_gflops']:.0f} GFLOP/s)\n"
                  f"  the same step at width 8 (per-step work): {narrow:.1f} ms = {narrow / step:.0%}\n"
                  f"  the rest (element-wise work, sparse products, Adam): {rest:.1f} ms = {rest / step:.0%}\n"
                  f"evaluating train, valid and test once: {prof['eval_s']:.2f} s = {prof['eval_share_of_epoch']:.0%} of an epoch "
                  f"({prof['steps_per_epoch']} steps + evaluation)", flush=True)
        library = cpu_gemm()
        variants = {'alone': lambda: finetune_seeds(store, split, params, [0]),
                    'pass': lambda: finetune_seeds(store, split, params, seeds),
                    'one_by_one': lambda: [finetune_seeds(store, split, params, [s])[0] for s in seeds]}
        if library == 'onednn': variants['alone_torch'] = lambda: finetune_seeds(store, split, params, [0])
        times = {k: {'wall': [], 'cpu': []} for k in variants}
        results = {}
        for r in range(a.rounds):
            for name, fn in variants.items():
                os.environ['MOLMASK_CPU_GEMM'] = 'torch' if name == 'alone_torch' else library
                w0, c0 = time.perf_counter(), time.process_time()
                results[name] = fn()
                times[name]['wall'].append(time.perf_counter() - w0)
                times[name]['cpu'].append(time.process_time() - c0)
            print(f"round {r + 1}: " + ', '.join(f"{k} {v['wall'][-1]:.1f} s" for k, v in times.items()), flush=True)
    same = [h['loss'] for h in results['alone'][0]['history']] == [h['loss'] for h in results['pass'][0]['history']]
    ratio = {f'{k}/alone': {c: float(np.median(np.array(times[k][c]) / np.array(times['alone'][c]))) for c in ('wall', 'cpu')}
             for k in ('pass', 'one_by_one')}
    if 'alone_torch' in times:
        ratio['pass/alone_torch'] = {c: float(np.median(np.array(times['pass'][c]) / np.array(times['alone_torch'][c]))) for c in ('wall', 'cpu')}
        ratio['alone_torch/alone'] = {c: float(np.median(np.array(times['alone_torch'][c]) / np.array(times['alone'][c]))) for c in ('wall', 'cpu')}
        gap = {k: abs(results['alone'][0][k] - results['alone_torch'][0][k]) for k in ('test_at_best', 'test_at_last', 'valid_at_best')}
        out['libraries_score_gap'] = gap
        print(f"one seed with torch's product / with oneDNN: {ratio['alone_torch/alone']['cpu']:.2f}x CPU; {a.seeds} seeds in one pass (oneDNN) "
              f"/ one seed alone with torch's product: {ratio['pass/alone_torch']['wall']:.2f}x wall, {ratio['pass/alone_torch']['cpu']:.2f}x CPU; "
              f"seed 0's scores, oneDNN vs torch's product: |difference| " + ', '.join(f'{k} {v:.4f}' for k, v in gap.items()))
    print(f"{a.seeds} seeds in one pass / one seed alone: {ratio['pass/alone']['wall']:.2f}x wall, {ratio['pass/alone']['cpu']:.2f}x CPU; "
          f"one by one: {ratio['one_by_one/alone']['wall']:.2f}x wall, {ratio['one_by_one/alone']['cpu']:.2f}x CPU "
          f"(median of {a.rounds} paired rounds); seed 0 identical in the pass: {same}")
    out.update(times=times, ratios=ratio, seed0_identical=same, library=library, machine=machine_info(), versions=package_versions(),
               when=time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()))
    write_json(a.out or f'results/multiseed-{a.encoder}.json', out)


if __name__ == '__main__':
    main()
