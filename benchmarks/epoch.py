"""One full pretraining epoch through the library's own loop, on the device and precision you choose.

    python benchmarks/epoch.py [--molecules 20000] [--encoder gin] [--device auto] [--precision fp32 bf16]
                               [--corpus moses] [--corpus-path FILE] [--out results/epoch.json]

Meant for a GPU: `--molecules 0` takes the whole corpus (MOSES: 1,584,663 molecules; a 2M-molecule ZINC
file via `--corpus zinc_standard_agent --corpus-path FILE`). Each precision is one `pretrain(...)` call of
one epoch (uniform masking, atom-type target, Hu et al. defaults otherwise); the script prints molecules/s,
seconds per epoch and, on CUDA, peak device memory, and writes them with the machine and versions to --out.
Featurizing and loading the corpus happen before the timed epoch (they are cached after the first run).
"""
import argparse, os, time
os.environ.setdefault('MOLMASK_PROGRESS', '0')
import torch
from molmask_nb.core import machine_info, package_versions, pick_device, write_json
from molmask_nb.data import load_pretrain_store
from molmask_nb.pretrain import pretrain


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--molecules', type=int, default=20000, help='corpus molecules (0: all)')
    ap.add_argument('--encoder', default='gin')
    ap.add_argument('--device', default='auto')
    ap.add_argument('--precision', nargs='+', default=['fp32', 'bf16'])
    ap.add_argument('--corpus', default='moses')
    ap.add_argument('--corpus-path', default=None)
    ap.add_argument('--batch-size', type=int, default=256)
    ap.add_argument('--out', default='results/epoch.json')
    a = ap.parse_args()
    device = pick_device(a.device)
    limit = a.molecules or None
    t0 = time.perf_counter()
    store = load_pretrain_store(a.corpus, limit, a.corpus_path)
    load_s = time.perf_counter() - t0
    rows = []
    for precision in a.precision:
        if device.type == 'cuda': torch.cuda.reset_peak_memory_stats(device)
        res = pretrain(store=store, corpus=a.corpus, corpus_limit=limit, corpus_path=a.corpus_path, encoder=a.encoder,
                       epochs=1, batch_size=a.batch_size, device=str(device), precision=precision)
        h = res.history[-1]
        row = {'precision': precision, 'molecules': len(store), 'seconds': h['seconds'], 'molecules_per_s': h['molecules_per_s'],
               'final_loss': h['loss'], 'final_accuracy': h['accuracy'],
               'peak_device_memory_gb': torch.cuda.max_memory_allocated(device) / 2**30 if device.type == 'cuda' else None}
        rows.append(row)
        mem = f", peak {row['peak_device_memory_gb']:.1f} GiB" if row['peak_device_memory_gb'] is not None else ''
        print(f"{a.encoder} {precision} on {device}: {len(store):,} molecules in {h['seconds']:.0f} s = {h['molecules_per_s']:.0f} mol/s"
              f" (loss {h['loss']:.3f}, accuracy {h['accuracy']:.3f}{mem})", flush=True)
    gpu = torch.cuda.get_device_name(device) if device.type == 'cuda' else None
    write_json(a.out, {'rows': rows, 'encoder': a.encoder, 'device': str(device), 'gpu': gpu, 'corpus': a.corpus,
                       'load_seconds': load_s, 'torch_threads': torch.get_num_threads(), 'machine': machine_info(),
                       'versions': package_versions(), 'when': time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})


if __name__ == '__main__':
    main()
