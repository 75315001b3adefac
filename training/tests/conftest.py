import os
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))
os.chdir(ROOT)  # node_modules paths are relative to the repository root
torch.set_num_threads(os.cpu_count() or 1)
os.environ.setdefault('AUPIPE_QUIET', '1')


@pytest.fixture(scope='session')
def tiny_dataset(tmp_path_factory):
    from tiny_data import make_tiny_dataset

    return make_tiny_dataset(tmp_path_factory.mktemp('tiny'))
