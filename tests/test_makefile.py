"""The make targets give the same result whatever the user's shell exports."""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_recipes_do_not_pass_the_users_mplbackend_to_the_kernels():
    """With MPLBACKEND=Agg reaching an nbval kernel, plt.show() draws nothing and every figure cell fails."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")} | {"MPLBACKEND": "Agg"}
    probe = "mplbackend-probe: ; @echo MPLBACKEND=$${MPLBACKEND-unset}"
    out = subprocess.run(["make", "-s", "--no-print-directory", "--eval", probe, "mplbackend-probe"],
                         cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "MPLBACKEND=unset"
