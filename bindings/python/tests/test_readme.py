"""The README's five-line example runs as written (from the repository root)."""

import os
import re
import subprocess
import sys

from conftest import BINDING, REPO


def test_readme_example():
    with open(os.path.join(BINDING, "README.md"), encoding="utf-8") as f:
        code = re.search(r"```python\n(.*?)```", f.read(), re.S).group(1)
    assert len(code.strip().splitlines()) == 5
    env = dict(os.environ, PYTHONPATH=BINDING)
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("['")
