"""The `molmask-static` Jupyter kernel: the kernel whose outputs molmask stores or publishes.

`make lessons` (tools/lessons.py) and `make docs` (tools/docs.py) execute notebooks with it, so that what they store
is deterministic and shows wherever a notebook is opened, without a running kernel or network access:
- one thread for torch, OpenMP and BLAS, and a fixed PYTHONHASHSEED (the notebooks seed their own generators);
- torch's own product for the linear layers (MOLMASK_CPU_GEMM=torch) on every machine, so that stored outputs do
  not depend on which library `molmask_nb.core.cpu_gemm` picks for the CPU's vendor;
- Altair charts as PNG images drawn by vl-convert (a pinned dependency), at 2x resolution with their display size
  in the output's metadata, instead of a Vega-Lite spec that only a JavaScript front end draws;
- no progress bars (MOLMASK_PROGRESS=0).
Interactive sessions (`make lab`) keep the ordinary kernel and its interactive charts.

    python tools/static_kernel.py DIR     # write DIR/kernels/molmask-static/kernel.json; use with JUPYTER_PATH=DIR
The kernel runs tools/static_kernel_startup.py (ipykernel's exec_files) before the first cell.
"""
import json, sys
from pathlib import Path

KERNEL_NAME = 'molmask-static'
THREAD_VARS = ('OMP_NUM_THREADS', 'MKL_NUM_THREADS', 'OPENBLAS_NUM_THREADS')
STARTUP = Path(__file__).resolve().parent / 'static_kernel_startup.py'   # run by the kernel before the first cell


def kernel_env() -> dict:
    "Environment of the kernel process: one thread, torch's product, fixed hashing, no progress bars."
    return {**{v: '1' for v in THREAD_VARS}, 'MOLMASK_CPU_GEMM': 'torch', 'PYTHONHASHSEED': '0', 'MOLMASK_PROGRESS': '0'}


def write_kernelspec(jupyter_dir, # folder to put on JUPYTER_PATH
                     python: str = sys.executable, # interpreter of the kernel (the project's venv)
                    ) -> Path:
    "Write (if changed) the kernelspec of `molmask-static` under `jupyter_dir`; return its folder."
    spec = dict(argv=[python, '-m', 'ipykernel_launcher', '-f', '{connection_file}',
                      f'--IPKernelApp.exec_files={json.dumps([str(STARTUP)])}',
                      '--IPKernelApp.log_level=ERROR'],   # not the warning that a local kernel talks over TCP
                display_name='Python (molmask, static outputs)', language='python', env=kernel_env(),
                metadata={'debugger': False})
    folder = Path(jupyter_dir) / 'kernels' / KERNEL_NAME
    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps(spec, indent=1) + '\n'
    path = folder / 'kernel.json'
    if not path.exists() or path.read_text() != text: path.write_text(text)
    return folder


def kernelspec_metadata() -> dict:
    "The `kernelspec` entry of a notebook that runs on this kernel."
    return dict(name=KERNEL_NAME, display_name='Python (molmask, static outputs)', language='python')


if __name__ == '__main__':
    print(write_kernelspec(sys.argv[1] if len(sys.argv) > 1 else '_docs/jupyter'))
