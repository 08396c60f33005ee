"""Forward + backward time of each encoder on one batch of MOSES molecules, and the share of the matmul roof it reaches.

    python benchmarks/encoders.py [--encoders gin gin_reference gps] [--batch-size 256] [--steps 5] [--threads 1] [--clock cpu]

The GEMMs of a step are the `nn.Linear` calls (recorded with forward hooks: rows x in x out) in the forward pass and
their two backward products (input gradient and weight gradient), 3 x 2*M*K*N FLOPs each; the per-molecule attention
products (useful, unpadded: 4*n^2*d per molecule and layer forward, x3 with backward) are counted at the same rate.
The roof is `torch.mm` timed on exactly those shapes right after each step; the achieved fraction is
(step FLOPs / step time) / (GEMM FLOPs / mm time), the median over steps (pairing each step with its own roof cancels
load drifts). The small [N, 18] x [18, d] bond products of GIN (< 1 % of the FLOPs) are left out. For GPS the step is
also timed with attention replaced by a zero-cost stand-in (each atom attending only to itself), which gives the
share of the step that each attention implementation (`attn_impl`: 'bucket', 'padded') costs.

On a machine shared with other jobs, run one thread and time with the process CPU clock (`--threads 1 --clock cpu`,
the defaults): it does not count the time the process waits for a core; on an idle machine it equals wall time.
The batch is unmasked. The top ops of each encoder by self CPU time follow the table unless --no-profile.
"""
import argparse, contextlib, math, os, time
from typing import Sequence

os.environ.setdefault('MOLMASK_PROGRESS', '0')
import numpy as np
import pandas as pd
import torch
from torch import nn

from molmask_nb.core import pick_device, torch_threads
from molmask_nb.data import load_pretrain_store
from molmask_nb.encoders import _ATTN_IMPLS, GPSEncoder, MoleculeAttention, get_encoder

SELF_ONLY = 'self'   # the stand-in variant: each atom attends only to itself (no attention cost)


def linear_calls(model: nn.Module, batch) -> list[tuple[int, int, int]]:
    "(rows, in, out) of every nn.Linear call in one forward pass of `model` on `batch`."
    calls, hooks = [], []
    def hook(mod, inp, out): calls.append((inp[0].numel() // mod.in_features, mod.in_features, mod.out_features))
    for m in model.modules():
        if isinstance(m, nn.Linear): hooks.append(m.register_forward_hook(hook))
    try:
        with torch.no_grad(): model(batch)
    finally:
        for h in hooks: h.remove()
    return calls


def _sync(device):
    if device.type == 'cuda': torch.cuda.synchronize(device)


def _clock(clock: str):
    return time.perf_counter if clock == 'wall' else time.process_time


def matmul_roof(calls, device, reps: int = 3, clock: str = 'wall') -> tuple[float, float]:
    "(FLOPs, seconds) of torch.mm on the forward, input-gradient and weight-gradient shapes of `calls`."
    shapes = [s for M, K, N in calls for s in ((M, K, N), (M, N, K), (K, M, N))]
    mats = {s: (torch.randn(s[0], s[1], device=device), torch.randn(s[1], s[2], device=device)) for s in set(shapes)}
    flops, now, best = sum(2 * M * K * N for M, K, N in shapes), _clock(clock), math.inf
    for _ in range(reps + 1):
        _sync(device)
        t0 = now()
        for s in shapes: torch.mm(*mats[s])
        _sync(device)
        best = min(best, now() - t0)
    return flops, best


def _step(model, batch, device, clock: str = 'wall') -> float:
    "Seconds of one forward + backward pass (gradients cleared first, outside the clock)."
    model.zero_grad(set_to_none=True)
    now = _clock(clock)
    _sync(device)
    t0 = now()
    model(batch).square().mean().backward()
    _sync(device)
    return now() - t0


def _self_only(attn: MoleculeAttention, h: torch.Tensor, plan) -> torch.Tensor:
    "The attention stand-in: each atom's value vector, projected out; no scores."
    return attn.out(attn.qkv(h)[:, 2 * h.shape[1]:])


@contextlib.contextmanager
def attention(enc, impl):
    "Run `enc` with attention implementation `impl` (None: not a GPS encoder; SELF_ONLY: the stand-in), restoring it after."
    if impl is None:
        yield
        return
    old = enc.attn_impl
    attns = [m for m in enc.modules() if isinstance(m, MoleculeAttention)]
    if impl == SELF_ONLY:
        enc.attn_impl = 'padded'     # no permutation of the atoms; the stand-in ignores the plan
        for m in attns: m.forward = _self_only.__get__(m)
    else: enc.attn_impl = impl
    try: yield
    finally:
        enc.attn_impl = old
        for m in attns: m.__dict__.pop('forward', None)


def benchmark_encoders(names: Sequence[str] = ('gin', 'gps'), # encoders to time
                       batch_size: int = 256, # molecules per batch
                       limit: int = 5000, # MOSES molecules to draw the batch from
                       steps: int = 5, # timed steps per variant (after `warmup`); medians are reported
                       warmup: int = 1,
                       threads: int | None = None, # torch CPU threads for the run (None: torch's current setting)
                       clock: str = 'wall', # 'wall', or 'cpu' (process CPU time: robust on a shared machine with threads=1)
                       encoder_kw: dict | None = None, # extra parameters per encoder name, e.g. {'gps': {'heads': 8}}
                       device: str = 'cpu',
                       profile: bool = True, # print the top ops of each encoder by self CPU time
                       row_limit: int = 12, seed: int = 0) -> pd.DataFrame:
    "Forward+backward time per batch and achieved fraction of the matmul roof, measured in one run."
    if clock not in ('wall', 'cpu'): raise ValueError(f"clock must be 'wall' or 'cpu', got {clock!r}")
    dev = pick_device(device)
    if dev.type == 'cuda' and clock == 'cpu': raise ValueError("clock='cpu' measures host CPU time; use clock='wall' on a GPU")
    with torch_threads(threads): return _benchmark(names, batch_size, limit, steps, warmup, clock, encoder_kw, dev, profile, row_limit, seed)


def _benchmark(names, batch_size, limit, steps, warmup, clock, encoder_kw, dev, profile, row_limit, seed) -> pd.DataFrame:
    store = load_pretrain_store('moses', limit=limit)
    variants = []                                   # (encoder name, attention implementation or None, model)
    for name in names:
        torch.manual_seed(seed)
        enc = get_encoder(name, **(encoder_kw or {}).get(name, {}))
        enc.prepare(store)
        enc.to(dev).train()
        impls = _ATTN_IMPLS + (SELF_ONLY,) if isinstance(enc, GPSEncoder) else (None,)
        variants += [(name, impl, enc) for impl in impls]
    idx = np.random.default_rng(seed).choice(len(store), min(batch_size, len(store)), replace=False)
    batch = store.batch(idx).to(dev)
    sizes = (batch.ptr[1:] - batch.ptr[:-1]).double()
    info = {}
    for name, impl, enc in variants:
        with attention(enc, impl): calls = linear_calls(enc, batch)
        attn = 3 * 4 * float((sizes ** 2).sum()) * enc.emb_dim * enc.num_layers if impl in _ATTN_IMPLS else 0.0
        info[name, impl] = dict(calls=calls, lin_flops=sum(6 * M * K * N for M, K, N in calls), attn_flops=attn, wall=[], times=[], roof=[])
    for it in range(warmup + steps):                # each step is followed at once by its roof: both see the same load
        for name, impl, enc in variants:
            r, w0 = info[name, impl], time.perf_counter()
            with attention(enc, impl): t = _step(enc, batch, dev, clock)
            w = time.perf_counter() - w0
            if it >= warmup:
                r['times'].append(t)
                r['wall'].append(w)
                r['roof'].append(matmul_roof(r['calls'], dev, 1, clock)[1])
    rows = []
    for name, impl, enc in variants:
        r = info[name, impl]
        t, t_mm = np.array(r['times']), np.array(r['roof'])
        flops = r['lin_flops'] + r['attn_flops']
        frac = np.median(flops / t / (r['lin_flops'] / t_mm))  # per step: achieved rate / roof rate of the same moment
        rows.append(dict(encoder=name, attn_impl=impl or '', params=enc.num_params(), atoms=batch.num_nodes,
                         wall_ms=float(np.median(r['wall'])) * 1e3, step_ms=float(np.median(t)) * 1e3, gemm_gflop=flops / 1e9,
                         achieved_gflops=flops / np.median(t) / 1e9, mm_gflops=r['lin_flops'] / np.median(t_mm) / 1e9,
                         roof_fraction=float(frac)))
    df = pd.DataFrame(rows)
    for name, impl, enc in variants:                # share of the step spent in attention: paired with the stand-in, step by step
        if impl in _ATTN_IMPLS:
            share = 1 - np.array(info[name, SELF_ONLY]['times']) / np.array(info[name, impl]['times'])
            df.loc[(df.encoder == name) & (df.attn_impl == impl), 'attention_share'] = float(np.median(share))
    if profile:
        from torch.profiler import profile as _profile, ProfilerActivity
        acts = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if dev.type == 'cuda' else [])
        for name, impl, enc in variants:
            if impl == SELF_ONLY: continue
            with attention(enc, impl), _profile(activities=acts) as prof:
                for _ in range(3): _step(enc, batch, dev)
            print(f"--- {name}{f' ({impl} attention)' if impl else ''}: top ops by self CPU time, 3 steps of {batch.num_nodes} atoms")
            print(prof.key_averages().table(sort_by='self_cpu_time_total', row_limit=row_limit))
    return df


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--encoders', nargs='+', default=['gin', 'gin_reference', 'gps'])
    ap.add_argument('--batch-size', type=int, default=256)
    ap.add_argument('--limit', type=int, default=5000, help='MOSES molecules to draw the batch from')
    ap.add_argument('--steps', type=int, default=5, help='timed steps per variant')
    ap.add_argument('--warmup', type=int, default=1)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--clock', choices=('wall', 'cpu'), default='cpu')
    ap.add_argument('--device', default='cpu')
    ap.add_argument('--no-profile', action='store_true')
    ap.add_argument('--seed', type=int, default=0)
    a = ap.parse_args()
    bench = benchmark_encoders(a.encoders, batch_size=a.batch_size, limit=a.limit, steps=a.steps, warmup=a.warmup, threads=a.threads,
                               clock=a.clock, device=a.device, profile=not a.no_profile, seed=a.seed)
    with pd.option_context('display.width', 200, 'display.max_columns', 20): print(bench.round(3).to_string(index=False))
    step = bench.drop_duplicates('encoder').set_index('encoder').step_ms
    if {'gin', 'gin_reference'} <= set(step.index): print(f"gin_reference / gin step time: {step['gin_reference'] / step['gin']:.2f}")


if __name__ == '__main__':
    main()
