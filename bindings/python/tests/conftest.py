# SPDX-License-Identifier: Apache-2.0
"""Fixtures of the Python tests.

Tests that take the ``mode`` fixture run once per mode:

- ``local``: the runtime loads the exec and noop plugins of the build tree;
- ``remote``: a vaccel-agent with those plugins is started on a unix socket
  in a temporary directory, and the runtime loads only the rpc plugin.

``--vaccel-mode=local,remote`` (the default) runs both in one process,
switching with vaccel.cleanup() and vaccel.bootstrap(); CTest runs each
mode in its own process. Paths come from VACCEL_PYTEST_LIB_DIR,
VACCEL_PYTEST_BIN_DIR and VACCEL_PYTEST_SOURCE_DIR, or else from where the
module was imported (<build>/python).
"""
import gc
import os
import pathlib
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

import vaccel

_BUILD = pathlib.Path(vaccel.__file__).resolve().parent.parent
LIB_DIR = pathlib.Path(os.environ.get("VACCEL_PYTEST_LIB_DIR") or _BUILD / "lib")
BIN_DIR = pathlib.Path(os.environ.get("VACCEL_PYTEST_BIN_DIR") or _BUILD / "bin")
SOURCE_DIR = pathlib.Path(
    os.environ.get("VACCEL_PYTEST_SOURCE_DIR") or pathlib.Path(__file__).resolve().parents[3]
)
MODES = ("local", "remote")


def plugin(name):
    """Path of the build tree's libvaccel-<name>.so."""
    return str(LIB_DIR / f"libvaccel-{name}.so")


def lib(name):
    """Path of the build tree's lib<name>.so."""
    return str(LIB_DIR / f"lib{name}.so")


HOST_PLUGINS = f"{plugin('exec')}:{plugin('noop')}"


class Agent:
    """A vaccel-agent process listening on a unix socket in a temporary
    directory; stop() sends SIGTERM and returns its exit status."""

    def __init__(self, plugins, *args):
        self.dir = tempfile.mkdtemp(prefix="vaccel-pytest-agent.")
        self.uri = f"unix://{self.dir}/agent.sock"
        self.log_path = os.path.join(self.dir, "agent.log")
        out_path = os.path.join(self.dir, "agent.out")
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "VACCEL_PLUGINS": plugins,
            "VACCEL_LOG_LEVEL": "2",
        }
        with open(out_path, "w") as out, open(self.log_path, "w") as log:
            self.proc = subprocess.Popen(
                [str(BIN_DIR / "vaccel-agent"), "-a", self.uri, *args],
                env=env, stdout=out, stderr=log, stdin=subprocess.DEVNULL)
        # It prints "listening on URI" once the socket accepts connections.
        deadline = time.monotonic() + 20
        while True:
            with open(out_path) as f:
                if f"listening on {self.uri}" in f.read():
                    break
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"vaccel-agent did not start:\n{self.log()}")
            time.sleep(0.01)

    def log(self):
        with open(self.log_path) as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def remove(self):
        shutil.rmtree(self.dir, ignore_errors=True)


class Mode:
    """What a test needs to know about the mode it runs in."""

    def __init__(self, name, env, agent=None):
        self.name = name
        self.env = env  # the environment that selects this mode
        self.agent = agent
        self.remote = agent is not None

    def subprocess_env(self):
        """os.environ with this mode's variables, for child processes."""
        env = dict(os.environ)
        env.update(self.env)
        return env


def pytest_addoption(parser):
    parser.addoption("--vaccel-mode", default=",".join(MODES),
                     help="comma-separated modes to run: local, remote")


def pytest_generate_tests(metafunc):
    if "mode" in metafunc.fixturenames:
        modes = [m for m in metafunc.config.getoption("vaccel_mode").split(",") if m]
        for m in modes:
            if m not in MODES:
                raise pytest.UsageError(f"--vaccel-mode: unknown mode {m!r}")
        metafunc.parametrize("mode", modes, indirect=True, scope="session")


def _restart(plugins):
    # Objects of the previous mode that are still referenced (a failed
    # test's traceback) are released by cleanup() and become inert.
    gc.collect()
    vaccel.cleanup()
    vaccel.bootstrap(plugins)


@pytest.fixture(scope="session")
def mode(request):
    agent = None
    if request.param == "local":
        env = {"VACCEL_PLUGINS": HOST_PLUGINS}
    else:
        agent = Agent(HOST_PLUGINS, "--exec-dir", str(LIB_DIR), "--allow-guest-libs")
        env = {
            "VACCEL_PLUGINS": plugin("rpc"),
            "VACCEL_RPC_ADDRESS": agent.uri,
            "VACCEL_RPC_TIMEOUT_MS": "20000",
        }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        _restart(env["VACCEL_PLUGINS"])
        yield Mode(request.param, env, agent)
        gc.collect()
        vaccel.cleanup()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        if agent:
            status = agent.stop()
            log = agent.log()
            agent.remove()
    if agent:
        # A clean exit: every call finished, nothing leaked or crashed.
        assert status == 0, log


@pytest.fixture
def session(mode):
    with vaccel.Session() as s:
        yield s


@pytest.fixture
def testlib():
    """tests/lib/testlib.c: mytestfunc doubles an int32, sum_arrays adds
    float32 arrays, always_fails returns EREMOTEIO, sleep_ms sleeps."""
    return lib("vaccel-test-lib")


@pytest.fixture
def argslib():
    """bindings/python/tests/argslib.c: describe, copy_args."""
    return lib("vaccel-pytest-lib")
