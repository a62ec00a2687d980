"""The package's layering (.importlinter): the pipeline's stages import only the stages below them.

Runs import-linter's `lint-imports` on the installed package, so a new import across the layers fails
the suite with the chain of imports that breaks it.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_layers_hold():
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    assert exe, "import-linter is in the test extras: pip install -e '.[test]'"
    out = subprocess.run([exe, "--config", str(ROOT / ".importlinter")], capture_output=True, text=True,
                         cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    assert "0 broken" in out.stdout and "2 kept" in out.stdout
