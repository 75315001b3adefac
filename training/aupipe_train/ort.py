"""ONNX Runtime checks through Node (onnxruntime-node is what the pipeline serves with; no Python ORT here)."""
import json
import subprocess
import tempfile
from pathlib import Path

import numpy as np

SCRIPT = Path(__file__).with_name('ort_check.mjs')


def run_ort(model_path: str, x: np.ndarray, bench: int = 0, threads: int = 2, cwd: str = '.') -> dict:
    """Runs the model on x (float32, any rank; NCHW for the AU models) in onnxruntime-node; returns
    {'output': first output as ndarray, 'outputs': {name: ndarray}, 'bench': {...}?}."""
    with tempfile.NamedTemporaryFile(suffix='.f32') as fh:
        fh.write(np.ascontiguousarray(x, dtype=np.float32).tobytes())
        fh.flush()
        cmd = ['node', str(SCRIPT), str(model_path), fh.name, *map(str, x.shape), '--threads', str(threads)]
        if bench:
            cmd += ['--bench', str(bench)]
        res = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, timeout=300)
    if res.returncode != 0:
        raise RuntimeError(f'onnxruntime-node failed: {res.stderr.strip()[-2000:]}')
    rep = json.loads(res.stdout.strip().splitlines()[-1])
    rep['output'] = np.array(rep['output'], dtype=np.float32).reshape(rep['dims'])
    rep['outputs'] = {k: np.array(v['data'], dtype=np.float32).reshape(v['dims']) for k, v in rep.get('outputs', {}).items()}
    return rep
