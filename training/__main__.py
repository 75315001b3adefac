import sys

from .aupipe_train.cli import main

sys.exit(main())
