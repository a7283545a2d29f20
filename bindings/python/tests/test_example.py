# SPDX-License-Identifier: Apache-2.0
"""examples/python/hello.py runs unchanged locally and through the agent."""
import subprocess
import sys

from conftest import SOURCE_DIR


def test_hello(mode):
    r = subprocess.run([sys.executable, str(SOURCE_DIR / "examples/python/hello.py")],
                       env=mode.subprocess_env(), capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("session ")
    assert lines[0].endswith(" remote" if mode.remote else " local")
    assert lines[1:] == [
        "noop: ok",
        "sgemm: [[0.0, 1.0], [1.0, 2.0]]",
        "classify: This is a dummy classification tag! This is a dummy imgname!",
        "missing model: ENOENT",
    ]
