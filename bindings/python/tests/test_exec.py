# SPDX-License-Identifier: Apache-2.0
"""exec and exec_with_resource: how Python objects become vaccel_args, and
outputs written in place, locally and through the agent."""
import array
import errno
import threading
import time

import numpy as np
import pytest

import vaccel

T = vaccel.ArgType


def describe(session, argslib, read, write=()):
    """(type, size) of every read arg, then of every write arg, as the
    called function saw them (argslib.c: describe)."""
    write = list(write)
    out = np.zeros(2 * (len(read) + len(write) + 1), np.int64)
    session.exec(argslib, "describe", read, write + [out])
    pairs = [(T(int(t)), int(s)) for t, s in out.reshape(-1, 2)]
    n = len(read)
    return pairs[:n], pairs[n:-1]


def test_mytestfunc_doubles_an_int32(session, testlib):
    out = np.zeros((), np.int32)
    session.exec(testlib, "mytestfunc", read=[np.int32(21)], write=[out])
    assert int(out) == 42
    session.exec(testlib, "mytestfunc", [vaccel.Arg(-50, T.INT32)], [out])
    assert int(out) == -100
    # An int32 buffer of any kind, given the type explicitly.
    buf = bytearray(4)
    session.exec(testlib, "mytestfunc", [np.array(7, np.int32)], [vaccel.Arg(buf, T.INT32)])
    assert int.from_bytes(buf, "little", signed=True) == 14


def test_sum_arrays(session, testlib):
    x = np.array([1, 2, 3, 4], np.float32)
    y = np.array([0.5, 0.25, -1, 8], np.float32)
    out = np.zeros(4, np.float32)
    session.exec(testlib, "sum_arrays", [x, y, x], [out])
    np.testing.assert_array_equal(out, x + y + x)


def test_python_objects_map_to_arg_types(session, argslib):
    read = [
        7,
        2.5,
        True,
        "abc",
        b"xyz",
        bytearray(4),
        memoryview(b"12345"),
        array.array("d", [1.0, 2.0]),
        np.int32(3),
        np.float64(1.0),
        np.zeros((), np.int16),
        np.zeros(3, np.float32),
        np.zeros((2, 2), np.uint64),
        np.zeros(2, np.bool_),
        np.zeros(5, np.int8),
        np.zeros(1, np.uint16),
        np.zeros(2, np.uint32),
        np.zeros(2, np.int64),
        np.zeros(3, np.uint8),
        vaccel.Op.BLAS_SGEMM,
        vaccel.Arg(5, T.INT8),
        vaccel.Arg(300, T.UINT16),
        vaccel.Arg(1.5, T.FLOAT32),
        vaccel.Arg(b"ab", T.UCHAR_ARRAY),
        vaccel.Arg("hi", T.STRING),
        vaccel.Arg("hi", T.CHAR_ARRAY),
        vaccel.Arg(b"\x01\x02\x03", T.CUSTOM, custom_id=9),
    ]
    expected = [
        (T.INT64, 8),
        (T.FLOAT64, 8),
        (T.BOOL, 1),
        (T.STRING, 4),
        (T.BUFFER, 3),
        (T.BUFFER, 4),
        (T.BUFFER, 5),
        (T.BUFFER, 16),
        (T.INT32, 4),
        (T.FLOAT64, 8),
        (T.INT16, 2),
        (T.FLOAT32_ARRAY, 12),
        (T.UINT64_ARRAY, 32),
        (T.BOOL_ARRAY, 2),
        (T.INT8_ARRAY, 5),
        (T.UINT16_ARRAY, 2),
        (T.UINT32_ARRAY, 8),
        (T.INT64_ARRAY, 16),
        (T.UINT8_ARRAY, 3),
        (T.UINT8, 1),
        (T.INT8, 1),
        (T.UINT16, 2),
        (T.FLOAT32, 4),
        (T.UCHAR_ARRAY, 2),
        (T.STRING, 3),
        (T.CHAR_ARRAY, 2),
        (T.CUSTOM, 3),
    ]
    write = [bytearray(3), np.zeros(4, np.int8), np.zeros((), np.float64),
             vaccel.Arg(bytearray(2), T.UCHAR_ARRAY)]
    got_read, got_write = describe(session, argslib, read, write)
    assert got_read == expected
    assert got_write == [(T.BUFFER, 3), (T.INT8_ARRAY, 4), (T.FLOAT64, 8), (T.UCHAR_ARRAY, 2)]


DTYPES = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32,
          np.uint64, np.float32, np.float64, np.bool_]


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_outputs_are_written_in_place(session, argslib, dtype):
    src = (np.arange(6) % 2 if dtype is np.bool_ else np.arange(6) * 3).astype(dtype)
    arr = np.zeros(6, dtype)
    scalar = np.zeros((), dtype)
    session.exec(argslib, "copy_args", [src, src[4]], [arr, scalar])
    np.testing.assert_array_equal(arr, src)
    assert scalar == src[4]


def test_values_reach_the_function(session, argslib):
    # copy_args gives back the bytes the function received.
    ba = bytearray(8)
    s = bytearray(6)
    f = np.zeros((), np.float64)
    i = np.zeros((), np.int64)
    b = np.zeros((), np.uint8)
    u = bytearray(2)
    read = [b"\x00\x01\x02\x03\x04\x05\x06\x07", "hello", 2.75, -123456789012, True,
            vaccel.Arg(65535, T.UINT16)]
    session.exec(argslib, "copy_args", read, [ba, s, f, i, b, u])
    assert ba == bytearray(range(8))
    assert s == bytearray(b"hello\0")
    assert float(f) == 2.75
    assert int(i) == -123456789012
    assert int(b) == 1
    assert u == b"\xff\xff"


def test_partial_write_into_a_memoryview(session, argslib):
    buf = bytearray(b"..........")
    session.exec(argslib, "copy_args", [b"abc"], [memoryview(buf)[2:5]])
    assert buf == bytearray(b"..abc.....")


def test_refused_arguments(session, argslib):
    with pytest.raises(TypeError, match="read\\[1\\]"):
        session.exec(argslib, "copy_args", [1, {}], [])
    with pytest.raises(TypeError, match="read\\[0\\]"):
        session.exec(argslib, "copy_args", [None], [])
    with pytest.raises(TypeError, match="write\\[0\\]"):
        session.exec(argslib, "copy_args", [1], [5])
    with pytest.raises(TypeError, match="write\\[0\\]"):
        session.exec(argslib, "copy_args", [1], ["text"])
    with pytest.raises(ValueError, match="read-only"):
        session.exec(argslib, "copy_args", [b"x"], [b"y"])
    with pytest.raises(ValueError, match="read-only"):
        session.exec(argslib, "copy_args", [b"x"], [np.int32(0)])
    with pytest.raises(ValueError, match="C-contiguous"):
        session.exec(argslib, "copy_args", [np.zeros(8, np.int32)[::2]], [bytearray(4)])
    with pytest.raises(TypeError, match="float16"):
        session.exec(argslib, "copy_args", [np.zeros(2, np.float16)], [bytearray(4)])
    with pytest.raises(TypeError, match="complex"):
        session.exec(argslib, "copy_args", [np.zeros(2, np.complex64)], [bytearray(4)])
    with pytest.raises(ValueError, match="does not fit"):
        session.exec(argslib, "copy_args", [vaccel.Arg(128, T.INT8)], [bytearray(1)])
    with pytest.raises(OverflowError):
        session.exec(argslib, "copy_args", [vaccel.Arg(-1, T.UINT32)], [bytearray(4)])
    with pytest.raises(OverflowError):
        session.exec(argslib, "copy_args", [2**63], [bytearray(8)])
    with pytest.raises(TypeError, match="a float cannot be"):
        session.exec(argslib, "copy_args", [vaccel.Arg(1.5, T.INT32)], [bytearray(4)])
    with pytest.raises(TypeError, match="list of arguments"):
        session.exec(argslib, "copy_args", b"abc", [])
    # A float16 array goes through with an explicit type: its raw bytes.
    out = bytearray(4)
    session.exec(argslib, "copy_args",
                 [vaccel.Arg(np.array([1.0, 2.0], np.float16), T.RAW)], [out])
    assert out == np.array([1.0, 2.0], np.float16).tobytes()


def test_generators_are_argument_lists(session, testlib):
    out = np.zeros((), np.int32)
    session.exec(testlib, "mytestfunc", (np.int32(v) for v in [4]), iter([out]))
    assert int(out) == 8


def test_function_errors(session, testlib):
    out = np.zeros((), np.int32)
    with pytest.raises(vaccel.Error) as e:
        session.exec(testlib, "always_fails", [np.int32(1)], [out])
    assert e.value.code == errno.EREMOTEIO
    assert str(e.value).startswith("vaccel_exec: ")
    with pytest.raises(vaccel.Error) as e:
        session.exec(testlib, "no_such_symbol", [np.int32(1)], [out])
    assert e.value.code == errno.ENOENT
    # mytestfunc refuses an int64 (a Python int) where it reads an int32.
    with pytest.raises(vaccel.Error) as e:
        session.exec(testlib, "mytestfunc", [21], [out])
    assert e.value.code == errno.EINVAL


def test_exec_with_resource(session, testlib):
    with vaccel.Resource(testlib, vaccel.ResourceType.LIB) as lib:
        out = np.zeros((), np.int32)
        with pytest.raises(vaccel.Error) as e:
            session.exec_with_resource(lib, "mytestfunc", [np.int32(50)], [out])
        assert e.value.code == errno.EPERM  # not registered yet
        lib.register(session)
        session.exec_with_resource(lib, "mytestfunc", [np.int32(50)], [out])
        assert int(out) == 100
        with pytest.raises(vaccel.Error) as e:
            session.exec_with_resource(lib, "always_fails", [], [])
        assert e.value.code == errno.EREMOTEIO


def test_exec_with_a_library_from_memory(session, testlib):
    with open(testlib, "rb") as f:
        data = f.read()
    with vaccel.Resource(data, vaccel.ResourceType.LIB, filename="lib.so") as lib:
        lib.register(session)
        out = np.zeros((), np.int32)
        session.exec_with_resource(lib, "mytestfunc", [np.int32(-3)], [out])
        assert int(out) == -6


def test_the_gil_is_released_during_a_call(session, testlib):
    # While one thread is in a 400 ms call, this one keeps running; were the
    # GIL held, it could not take a single turn in that time.
    span = []

    def call():
        t0 = time.monotonic()
        session.exec(testlib, "sleep_ms", [np.int32(400)], [])
        span.extend([t0, time.monotonic()])

    t = threading.Thread(target=call)
    t.start()
    turns = []
    while t.is_alive():
        turns.append(time.monotonic())
        time.sleep(0.005)
    t.join()
    t0, t1 = span
    assert t1 - t0 >= 0.4
    during = [x for x in turns if t0 + 0.05 < x < t1 - 0.05]
    assert len(during) >= 10, (len(turns), t1 - t0)
