"""Test fixtures for the report notebooks (nbs/14a_results … 14d_report); not part of the package.

`synthetic_study` writes a study output folder by hand: `study.json`, then one folder per run with
`params.json`, `metrics.json` and `status.json`, with scores built from a formula, so every number the
report shows is known in advance. The notebooks import it with `from fixtures import synthetic_study`
(nbdev_test and Jupyter run a notebook from nbs/, where this file lives).
"""
from __future__ import annotations
from pathlib import Path
from typing import Sequence

from molmask_nb.core import write_json
from molmask_nb.params import FinetuneParams, PretrainParams, params_hash, to_dict

FAKE_PROVENANCE = {'versions': {'python': '3.11.0', 'molmask_nb': '0.1.0', 'torch': '2.13.0'},
                   'git_revision': 'synthetic', 'machine': {'platform': 'synthetic', 'cpu_count': 2}}

def write_status(folder: Path, seconds: float, state: str = 'done', error: str | None = None) -> None:
    "Write a run's status.json (what a study writes last)."
    write_json(Path(folder) / 'status.json', {'state': state, 'error': error, 'traceback': None, 'seconds': seconds})

def _mask_statistics(masking: str, index: int) -> dict:
    "Pretraining mask statistics at the start ('0.0') and end ('1.0'): the reference masking keeps its labels, the others shift to carbon."
    end_entropy = 1.3 - 0.2 * index
    return {'0.0': {'masked_fraction': 0.15, 'element_entropy_bits': 1.3, 'label_entropy_bits': 1.3, 'element_shares': {'C': 0.7, 'N': 0.1}},
            '1.0': {'masked_fraction': 0.15 + 0.01 * index, 'element_entropy_bits': end_entropy, 'label_entropy_bits': end_entropy,
                    'element_shares': {'C': 0.7 + 0.05 * index, 'N': 0.1}}}

def _score(base: float, pretrained: bool, levels: dict, effects: dict, seed: int, jitter_sign: int | None, shift: float) -> float:
    v = base + (0.02 if pretrained else 0.0) + 0.01 * (seed - 1) + shift
    for k, table in effects.items():   # a factor name, or a tuple of factors for an interaction
        v += table.get(tuple(levels[f] for f in k) if isinstance(k, tuple) else levels[k], 0.0)
    return v + (0.01 * jitter_sign if jitter_sign is not None else 0.0)

def synthetic_study(out_dir: str | Path,                       # folder to create (the study's OUT)
                    maskings: Sequence[str] = ('uniform', 'pagerank'), # first one is the reference
                    targets: Sequence[str] = ('atom_type', 'motif'),
                    encoders: Sequence[str] = ('gin',),
                    datasets: Sequence[str] = ('bbbp', 'bace'),
                    seeds: Sequence[int] = (0, 1, 2),          # fine-tuning seeds
                    pretrain_seeds: Sequence[int] = (0,),      # one pretraining run per configuration and seed
                    effects: dict | None = None,               # {factor: {level: added}} or {(f1, f2): {(l1, l2): added}}; default motif +0.05
                    pretrain_shifts: dict | None = None,       # {level of any factor: [added score per pretraining seed]}
                    seconds_per_epoch: dict | None = None,     # masking -> pretraining seconds per epoch
                    baseline: bool = True,                     # add the no-pretrain baseline per encoder
                    information: bool = True,                  # add information-measure runs
                    metric: str = 'roc_auc',                   # the fine-tuning metric ('rmse': lower is better)
                    margin: float | None = None,               # write study.report.margin
                    recipe_details: bool = True,               # write encoder_parameters, mask_statistics (False: an older run)
                    jitter: bool = True,                       # ±0.01 on every masking but the first, cancelling in pairs
                    regimes: Sequence[dict] = ({},),           # PretrainParams overrides (decoder, loss, mask_rate); each configuration in each
                   ) -> Path:
    """Write a study output folder whose scores follow a known formula:

    score = base(dataset) + 0.02 (pretrained) + effects + 0.01 (seed − 1) + shift(level, pretraining seed) + jitter,

    base = 0.70, 0.75, ... per dataset; the jitter (±0.01, alternating over dataset, fine-tuning seed, target and
    pretraining seed) is added to every masking distribution other than the first, so its paired differences
    against the first cancel exactly. The test score at the last epoch is one point below the best-validation one.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    effects = {'target': {'motif': 0.05}} if effects is None else effects
    shifts = pretrain_shifts or {}
    spe = {m: 10.0 * (1 + 0.3 * i) for i, m in enumerate(maskings)} if seconds_per_epoch is None else seconds_per_epoch
    base = {d: 0.70 + 0.05 * i for i, d in enumerate(datasets)}
    runs, configs = [], []
    for enc in encoders:
        if baseline: configs.append(('none', 'none', enc))
        configs += [(m, t, enc) for m in maskings for t in targets]
    from molmask_nb.results import regime_label
    for (m, t, enc), (ri, regime) in [(c, r) for c in configs for r in (enumerate(regimes) if c[0] != 'none' else [(0, {})])]:
        levels = {'masking': m, 'target': t, 'encoder': enc,
                  'regime': regime_label(to_dict(PretrainParams(**regime))) if m != 'none' else 'none'}
        for pi, ps in enumerate(pretrain_seeds if m != 'none' else [None]):
            ckpt = None
            if m != 'none':
                pp = PretrainParams(masking=m, target=t, encoder=enc, epochs=2, seed=ps, **regime)
                rel = f'pretrain/{m}-{t}-{enc}-{params_hash(pp)}'
                d = out / rel
                write_json(d / 'params.json', {'kind': 'pretrain', 'params': to_dict(pp), 'params_hash': params_hash(pp), **FAKE_PROVENANCE})
                met = {'epochs': 2, 'seconds': 2 * spe[m], 'seconds_per_epoch': spe[m], 'final_loss': 1.0}
                if recipe_details:
                    met.update(encoder_parameters=1000 + 500 * (enc != 'gin'), decoder_parameters=10,
                               mask_statistics=_mask_statistics(m, list(maskings).index(m)))
                write_json(d / 'metrics.json', met)
                write_status(d, 2 * spe[m] + 1)
                runs.append({'kind': 'pretrain', 'key': rel, 'params': to_dict(pp), 'config': f'{m}-{t}-{enc}', 'dataset': None, 'depends': []})
                ckpt = str(d / 'checkpoint.pt')
            shift = sum(shifts[lv][pi] for lv in levels.values() if lv in shifts) if ps is not None else 0.0
            folder = (f'{m}-{t}-{enc}' + (f'-seed{ps}' if ps is not None and len(pretrain_seeds) > 1 else '')
                      + (f'-regime{ri}' if len(regimes) > 1 and m != 'none' else ''))
            for di, ds in enumerate(datasets):
                fp = FinetuneParams(dataset=ds, seeds=list(seeds), encoder=enc)
                rel = f'finetune/{folder}/{ds}-{params_hash(fp)}'
                d = out / rel
                per_seed = []
                for s in seeds:
                    sign = (-1) ** (di + s + list(targets).index(t) + pi) if jitter and m not in ('none', maskings[0]) else None
                    v = _score(base[ds], m != 'none', levels, effects, s, sign, shift)
                    per_seed.append({'seed': s, 'metric': metric, 'best_epoch': 3, 'valid_at_best': v + 0.01, 'test_at_best': v,
                                     'test_at_last': v - 0.01, 'test_per_task_at_best': [v], 'test_per_task_at_last': [v - 0.01]})
                summary = {'dataset': ds, 'metric': metric, 'n_seeds': len(seeds), 'ddof': 1, 'pretrained': ckpt is not None}
                if recipe_details: summary['encoder_parameters'] = 1000 + 500 * (enc != 'gin')
                write_json(d / 'params.json', {'kind': 'finetune', 'params': to_dict(fp), 'params_hash': params_hash(fp), 'checkpoint': ckpt,
                                               **FAKE_PROVENANCE})
                write_json(d / 'metrics.json', {**summary, 'runs': per_seed})
                write_status(d, 5.0)
                runs.append({'kind': 'finetune', 'key': rel, 'params': to_dict(fp), 'config': f'{m}-{t}-{enc}', 'dataset': ds,
                             'depends': [str(Path(ckpt).parent.relative_to(out))] if ckpt else []})
    if information:
        for mi, m in enumerate(maskings):
            for ti, t in enumerate(targets):
                rel = f'information/{m}-{t}'
                d = out / rel
                h = 2.0 + ti + 0.1 * mi
                write_json(d / 'params.json', {'kind': 'information', 'params': {'masking': m, 'target': t}, **FAKE_PROVENANCE})
                write_json(d / 'metrics.json', {'entropy_bits': h, 'entropy_bits_mm_ci_low': h - 0.1, 'entropy_bits_mm_ci_high': h + 0.1,
                                                'cond_entropy_bits': 1.5 - 0.1 * mi,
                                                'mi_label_bits': {ds: 0.1 * (1 + ti) + 0.01 * di for di, ds in enumerate(datasets)},
                                                'seconds': 3.0})
                write_status(d, 3.0)
                runs.append({'kind': 'information', 'key': rel, 'params': {'masking': m, 'target': t}, 'config': f'{m}-{t}',
                             'dataset': None, 'depends': []})
    spec = {'name': 'synthetic', 'description': 'hand-made sidecars for tests', 'pretrain': {'epochs': 2}, 'finetune': {'seeds': list(seeds)},
            'configurations': [{'masking': m, 'target': t, 'encoder': e, **r} for m, t, e in configs if m != 'none' for r in regimes],
            'datasets': list(datasets), 'baseline': baseline, 'information': information}
    if margin is not None: spec['report'] = {'margin': margin}
    study = {'name': 'synthetic', 'description': 'hand-made sidecars for tests', 'source': 'synthetic', 'yaml': '', 'hash': 'synthetic0',
             'study': spec, 'runs': runs, 'written': '2026-01-01T00:00:00+00:00', **FAKE_PROVENANCE}
    write_json(out / 'study.json', study)
    return out
