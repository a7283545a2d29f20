# SPDX-License-Identifier: Apache-2.0
"""Sessions, resources, errors and the runtime's life cycle."""
import errno
import gc
import os
import subprocess
import sys

import numpy as np
import pytest

import vaccel
from conftest import plugin


def test_session_basics(mode):
    with vaccel.Session() as s:
        assert s.id > 0
        assert s.hint == 0
        # A remote session reaches the agent with its first operation.
        s.noop()
        assert s.is_remote == mode.remote
        assert not s.released
        assert repr(s).startswith(f"<vaccel.Session id={s.id} hint=0x0")
        other = vaccel.Session(vaccel.PluginType.CPU | vaccel.PluginType.DEBUG)
        assert other.id != s.id
        assert other.hint == 0x101
        other.release()
    assert s.released
    assert s.id == 0
    assert repr(s) == "<vaccel.Session (released)>"
    s.release()  # idempotent


def test_released_session_refuses_operations(mode):
    s = vaccel.Session()
    s.release()
    with pytest.raises(vaccel.Error) as e:
        s.noop()
    assert e.value.code == errno.EINVAL
    assert e.value.message == "VACCEL_OP_NOOP: invalid session"
    assert str(e.value) == "vaccel_noop: Invalid argument (22): VACCEL_OP_NOOP: invalid session"


def test_error_is_a_runtime_error_with_a_code():
    assert issubclass(vaccel.Error, RuntimeError)
    e = vaccel.Error(errno.ENOENT)
    assert e.code == errno.ENOENT
    assert str(e) == os.strerror(errno.ENOENT)
    assert str(vaccel.Error(5, "custom")) == "custom"


def test_missing_resource_path_raises_enoent(mode, tmp_path):
    missing = tmp_path / "model.pt"
    with pytest.raises(vaccel.Error) as e:
        vaccel.Resource(missing, vaccel.ResourceType.MODEL)
    assert e.value.code == errno.ENOENT
    assert "vaccel_resource_init" in str(e.value)
    with pytest.raises(vaccel.Error) as e:
        vaccel.Resource([str(missing)], vaccel.ResourceType.DATA)
    assert e.value.code == errno.ENOENT


def test_resource_sources(mode, tmp_path):
    f = tmp_path / "model.bin"
    f.write_bytes(b"\x01\x02\x03")
    g = tmp_path / "other.bin"
    g.write_bytes(b"\x04")
    for source in (f, str(f), [f, g], b"\x01\x02", bytearray(b"xyz"), memoryview(b"abc")):
        with vaccel.Resource(source, vaccel.ResourceType.DATA) as r:
            assert r.id > 0
            assert r.type == vaccel.ResourceType.DATA
            assert r.refcount == 0
        assert r.released
        assert r.id == 0
    with pytest.raises(TypeError):
        vaccel.Resource(42, vaccel.ResourceType.DATA)
    with pytest.raises(TypeError):
        vaccel.Resource([f, 3], vaccel.ResourceType.DATA)


def test_register_and_unregister(session):
    with vaccel.Resource(b"weights", vaccel.ResourceType.MODEL, filename="w.bin") as r:
        assert repr(r) == f"<vaccel.Resource id={r.id} type=MODEL>"
        assert not session.has(r)
        r.register(session)
        assert session.has(r)
        assert r.refcount == 1
        with pytest.raises(vaccel.Error) as e:
            r.register(session)
        assert e.value.code == errno.EEXIST
        r.unregister(session)
        assert not session.has(r)
        assert r.refcount == 0
        with pytest.raises(vaccel.Error) as e:
            r.unregister(session)
        assert e.value.code == errno.ENOENT


def test_releasing_either_side_unregisters(mode):
    s1, s2 = vaccel.Session(), vaccel.Session()
    r = vaccel.Resource(b"x", vaccel.ResourceType.DATA)
    r.register(s1)
    r.register(s2)
    assert r.refcount == 2
    s1.release()
    assert r.refcount == 1
    r.release()
    assert not s2.has(r)
    s2.release()


def test_objects_are_released_when_collected(mode):
    r = vaccel.Resource(b"x", vaccel.ResourceType.DATA)
    s = vaccel.Session()
    r.register(s)
    del s
    gc.collect()
    assert r.refcount == 0


def test_exit_does_not_hide_the_exception_in_flight(mode):
    with pytest.raises(KeyError):
        with vaccel.Session() as s:
            raise KeyError("mine")
    assert s.released


def test_bootstrap_refused_while_objects_live(mode):
    with vaccel.Session():
        with pytest.raises(vaccel.Error) as e:
            vaccel.bootstrap(mode.env["VACCEL_PLUGINS"])
        assert e.value.code == errno.EBUSY
    assert vaccel.is_initialized()


def _run(code, env):
    return subprocess.run([sys.executable, "-c", code], env=env,
                          capture_output=True, text=True, timeout=60)


def test_first_use_reads_the_environment(mode):
    # A fresh process: no bootstrap() call, only the mode's variables.
    code = ("import vaccel\n"
            "with vaccel.Session() as s:\n"
            "    s.noop()\n"
            "    print(vaccel.is_initialized(), s.is_remote)\n")
    r = _run(code, mode.subprocess_env())
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"True {mode.remote}\n"


def test_no_plugin_gives_enotsup():
    env = dict(os.environ, VACCEL_PLUGINS="")
    code = ("import vaccel\n"
            "s = vaccel.Session()\n"
            "try:\n"
            "    s.noop()\n"
            "except vaccel.Error as e:\n"
            "    print(e.code, e)\n"
            "    print(e.message)\n")
    r = _run(code, env)
    assert r.returncode == 0, r.stderr
    why = "VACCEL_OP_NOOP: no loaded plugin implements it (VACCEL_PLUGINS)"
    assert r.stdout == (f"{errno.ENOTSUP} vaccel_noop: {os.strerror(errno.ENOTSUP)} "
                        f"({errno.ENOTSUP}): {why}\n{why}\n")


def test_bootstrap_switches_plugins():
    # bootstrap() replaces the plugins chosen by the environment.
    env = dict(os.environ, VACCEL_PLUGINS="")
    code = ("import errno, vaccel\n"
            "s = vaccel.Session()\n"
            "try:\n"
            "    s.noop()\n"
            "except vaccel.Error as e:\n"
            "    assert e.code == errno.ENOTSUP\n"
            "s.release()\n"
            f"vaccel.bootstrap({plugin('noop')!r})\n"
            "with vaccel.Session() as s:\n"
            "    s.noop()\n"
            "print('ok')\n")
    r = _run(code, env)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "ok\n"


def test_hint_selects_the_plugin(mode, testlib):
    # exec goes to the exec plugin (loaded first) unless the session
    # prefers DEBUG plugins: then noop serves it, echoing the input.
    out = np.zeros((), np.int32)
    with vaccel.Session() as s:
        s.exec(testlib, "mytestfunc", [np.int32(21)], [out])
    assert int(out) == 42
    with vaccel.Session(vaccel.PluginType.DEBUG) as s:
        s.exec(testlib, "mytestfunc", [np.int32(21)], [out])
    assert int(out) == 21

