# SPDX-License-Identifier: Apache-2.0
"""A user of the wheel: the module as pip installed it (VACCEL_WHEEL_SITE,
the only entry of PYTHONPATH), run from a directory outside the source
tree, with VACCEL_PLUGINS=noop. wheel_check.py copies this file there.
The build tree (VACCEL_WHEEL_BUILD_DIR) only lends a plugin by path and
the agent."""
import os
import pathlib
import signal
import subprocess
import sys
import tempfile
import time

import numpy as np
import pytest

import vaccel

SITE = pathlib.Path(os.environ["VACCEL_WHEEL_SITE"]).resolve()
LIBS = SITE / "vaccel.libs"
BUILD = pathlib.Path(os.environ["VACCEL_WHEEL_BUILD_DIR"])


def vaccel_libraries(maps="/proc/self/maps"):
    with open(maps) as f:
        return {line.split()[-1] for line in f if "/libvaccel" in line}


def run_python(code, **env):
    r = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, **env),
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_everything_comes_from_the_install():
    assert pathlib.Path(vaccel.__file__).parent == SITE
    assert (SITE / "vaccel.pyi").is_file()
    assert not any(str(p).startswith(str(BUILD)) for p in map(pathlib.Path, sys.path))
    with vaccel.Session() as s:
        s.noop()
    # VACCEL_PLUGINS=noop names the plugin next to the wheel's libvaccel.
    assert vaccel_libraries() == {str(LIBS / "libvaccel.so.0"), str(LIBS / "libvaccel-noop.so")}


def test_a_plugin_given_by_path_uses_the_wheels_runtime():
    # The build tree's noop needs libvaccel.so.0 and would find the build
    # tree's through its RUNPATH; the one already loaded serves instead.
    noop = BUILD / "lib" / "libvaccel-noop.so"
    out = run_python("import vaccel\n"
                     "with vaccel.Session() as s:\n"
                     "    s.noop()\n"
                     "print('\\n'.join(l.split()[-1] for l in open('/proc/self/maps')"
                     " if '/libvaccel' in l))\n",
                     VACCEL_PLUGINS=str(noop))
    assert set(out.split()) == {str(LIBS / "libvaccel.so.0"), str(noop)}


def test_sgemm_with_numpy():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    b = np.ones((3, 4), np.float32)
    with vaccel.Session() as s:
        c = s.sgemm(a, b)
        np.testing.assert_array_equal(c, [[0, 1, 2, 3], [1, 2, 3, 4]])
        s.sgemm(a, b, c, alpha=2.0, beta=1.0)
        np.testing.assert_array_equal(c, [[0, 3, 6, 9], [3, 6, 9, 12]])


def test_sgemm_writes_into_a_torch_tensor_in_place():
    torch = pytest.importorskip("torch")
    a, b = torch.ones(2, 3), torch.ones(3, 4)
    c = torch.full((2, 4), 10.0)
    address = c.data_ptr()
    with vaccel.Session() as s:
        assert s.sgemm(a, b, c, alpha=2.0, beta=0.5) is c
    assert c.data_ptr() == address
    assert c.tolist() == [[5.0, 7.0, 9.0, 11.0], [7.0, 9.0, 11.0, 13.0]]


def test_float64_is_refused_with_the_astype_hint():
    with vaccel.Session() as s, pytest.raises(TypeError) as e:
        s.sgemm(np.ones((2, 3)), np.ones((3, 4), np.float32))
    assert "float64" in str(e.value) and ".astype(numpy.float32)" in str(e.value)


def test_a_non_contiguous_tensor_is_refused():
    torch = pytest.importorskip("torch")
    c = torch.zeros(4, 2)
    with vaccel.Session() as s, pytest.raises(ValueError, match="C-contiguous"):
        s.sgemm(torch.ones(2, 3), torch.ones(3, 4), c.t())
    assert (c == 0).all()


def test_rpc_plugin_of_the_wheel_reaches_an_agent():
    with tempfile.TemporaryDirectory(prefix="vaccel-wheel-agent.") as d:
        uri = f"unix://{d}/agent.sock"
        out = pathlib.Path(d) / "agent.out"
        with open(out, "w") as f:
            agent = subprocess.Popen(
                [str(BUILD / "bin" / "vaccel-agent"), "-a", uri],
                env={"VACCEL_PLUGINS": str(BUILD / "lib" / "libvaccel-noop.so")},
                stdout=f, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 20
            while f"listening on {uri}" not in out.read_text():
                assert agent.poll() is None and time.monotonic() < deadline, out.read_text()
                time.sleep(0.01)
            got = run_python("import numpy as np, vaccel\n"
                             "with vaccel.Session() as s:\n"
                             "    c = s.sgemm(np.ones((1, 2), np.float32), np.ones((2, 3), np.float32))\n"
                             "    print(s.is_remote, c.tolist())\n",
                             VACCEL_PLUGINS="rpc", VACCEL_RPC_ADDRESS=uri)
            assert got.split("\n")[0] == "True [[0.0, 1.0, 2.0]]"
        finally:
            agent.send_signal(signal.SIGTERM)
            agent.wait(timeout=30)
