# SPDX-License-Identifier: Apache-2.0
"""Arrays through the buffer protocol and through DLPack (torch CPU
tensors, and hand-made DLPack capsules for what torch does not export):
the caller's memory is used as it is, outputs are written into it, and
what would need a copy is refused with the dtype named as numpy and torch
name it."""
import ctypes
import re

import numpy as np
import pytest

import vaccel

torch = pytest.importorskip("torch")


def noop_sgemm(alpha, beta, c0):
    """What the noop plugin writes: c[i][j] = alpha * (i + j) + beta * c[i][j]."""
    i, j = np.indices(c0.shape)
    return np.float32(alpha) * (i + j).astype(np.float32) + np.float32(beta) * c0


# ---- dtype names in errors ----------------------------------------------------


def test_float64_is_named_with_the_astype_hint(session):
    b = np.ones((3, 4), np.float32)
    with pytest.raises(TypeError) as e:
        session.sgemm(np.ones((2, 3)), b)
    msg = str(e.value)
    assert "float64" in msg and "a.astype(numpy.float32)" in msg
    assert "'d'" not in msg
    with pytest.raises(TypeError, match=r"c is int32, .*c\.astype\(numpy\.float32\)"):
        session.sgemm(np.ones((2, 3), np.float32), b, np.zeros((2, 4), np.int32))


def test_byte_order_and_odd_formats_are_named(session):
    b = np.ones((3, 4), np.float32)
    with pytest.raises(TypeError, match="byte-swapped float32"):
        session.sgemm(np.ones((2, 3), ">f4"), b)
    with pytest.raises(TypeError, match="complex64"):
        session.sgemm(np.ones((2, 3), np.complex64), b)
    with pytest.raises(TypeError, match="format 'T"):
        session.sgemm(np.zeros((2, 3), "f4,f4"), b)


def test_exec_and_torch_errors_name_the_dtype(session, argslib):
    out = np.zeros(8, np.int64)
    with pytest.raises(TypeError, match=r"read\[0\]: complex128 has no vAccel type"):
        session.exec(argslib, "describe", [np.zeros(2, np.complex128)], [out])
    with vaccel.Resource(b"m", vaccel.ResourceType.MODEL, filename="model.pt") as m:
        m.register(session)
        session.torch_model_load(m)
        with pytest.raises(TypeError, match=r"inputs\[0\] is float64;"):
            session.torch_model_run(m, [np.zeros(2)])


# ---- torch tensors --------------------------------------------------------------


def test_sgemm_writes_a_torch_tensor_in_place(session):
    a = torch.arange(6, dtype=torch.float32).reshape(2, 3)
    b = torch.ones(3, 4)
    c = torch.arange(8, dtype=torch.float32).reshape(2, 4)
    c0 = c.numpy().copy()
    address = c.data_ptr()
    out = session.sgemm(a, b, c, alpha=1.5, beta=0.25)
    assert out is c and c.data_ptr() == address
    np.testing.assert_array_equal(c.numpy(), noop_sgemm(1.5, 0.25, c0))


def test_sgemm_mixes_numpy_and_torch(session):
    c = torch.zeros(2, 4)
    session.sgemm(np.ones((2, 3), np.float32), torch.ones(3, 4), c, alpha=2.0)
    np.testing.assert_array_equal(c.numpy(), noop_sgemm(2.0, 0.0, np.zeros((2, 4), np.float32)))
    # A view of whole rows is contiguous: written in place, neighbours kept.
    big = torch.full((6, 4), 9.0)
    session.sgemm(torch.ones(2, 3), torch.ones(3, 4), big[2:4])
    np.testing.assert_array_equal(big[2:4].numpy(), [[0, 1, 2, 3], [1, 2, 3, 4]])
    assert (big[:2] == 9).all() and (big[4:] == 9).all()


def test_sgemm_without_c_returns_a_tensor_for_tensors(session):
    c = session.sgemm(torch.ones(2, 3), torch.ones(3, 4))
    assert isinstance(c, torch.Tensor) and c.dtype == torch.float32
    np.testing.assert_array_equal(c.numpy(), [[0, 1, 2, 3], [1, 2, 3, 4]])
    assert isinstance(session.sgemm(np.ones((2, 3), np.float32), torch.ones(3, 4)), np.ndarray)


def test_torch_tensors_that_would_need_a_copy_are_refused(session):
    a, b = torch.ones(2, 3), torch.ones(3, 4)
    with pytest.raises(TypeError, match=re.escape("a is float64, not float32 (no copy is made; "
                                                  "pass a.to(torch.float32))")):
        session.sgemm(a.double(), b)
    with pytest.raises(ValueError, match=re.escape("b is not C-contiguous (no copy is made; "
                                                   "pass b.contiguous())")):
        session.sgemm(a, torch.ones(4, 3).t())
    wide = torch.zeros(2, 8)
    with pytest.raises(ValueError, match="c is not C-contiguous"):
        session.sgemm(a, b, wide[:, ::2])
    assert (wide == 0).all()
    with pytest.raises(ValueError, match="2-D"):
        session.sgemm(torch.ones(3), b)
    with pytest.raises(RuntimeError, match="detach"):  # torch's own refusal
        session.sgemm(torch.ones(2, 3, requires_grad=True), b)


def test_exec_takes_tensors_as_typed_arrays(session, argslib):
    x = torch.arange(5, dtype=torch.float32)
    n = torch.tensor(7, dtype=torch.int16)  # 0-d: a scalar
    desc = np.zeros(6, np.int64)
    session.exec(argslib, "describe", [x, n], [desc])
    assert desc.tolist() == [vaccel.ArgType.FLOAT32_ARRAY, 20, vaccel.ArgType.INT16, 2,
                             vaccel.ArgType.INT64_ARRAY, 48]
    out = torch.zeros(5)
    address = out.data_ptr()
    session.exec(argslib, "copy_args", [x], [out])
    assert out.data_ptr() == address and out.tolist() == x.tolist()
    with pytest.raises(ValueError, match=r"write\[0\].*x\.contiguous\(\)"):
        session.exec(argslib, "copy_args", [x], [torch.zeros(10)[::2]])
    with pytest.raises(TypeError, match="list of arguments"):
        session.exec(argslib, "copy_args", x, [out])


def test_torch_model_run_takes_tensors(session):
    with vaccel.Resource(b"m", vaccel.ResourceType.MODEL, filename="model.pt") as m:
        m.register(session)
        session.torch_model_load(m)
        x = torch.arange(6, dtype=torch.int64).reshape(2, 3)
        (y,) = session.torch_model_run(m, [x])
        assert y.dtype == np.int64 and y.shape == (2, 3)
        np.testing.assert_array_equal(y, x.numpy())
        with pytest.raises(ValueError, match=r"x\.contiguous\(\)"):
            session.torch_model_run(m, [x.t()])


def test_classify_takes_a_uint8_tensor(session):
    assert session.classify(torch.zeros(10, dtype=torch.uint8)) == ("This is a dummy classification tag!", "This is a dummy imgname!")


# ---- DLPack itself ------------------------------------------------------------


class Exporter:
    """An object whose only interface is DLPack, as numpy's (DLPack 0.x:
    no max_version) exports it."""

    def __init__(self, array):
        self.array = array

    def __dlpack__(self, stream=None):
        return self.array.__dlpack__()


def test_any_dlpack_exporter_is_used_without_copy(session):
    c = np.zeros((2, 4), np.float32)
    session.sgemm(Exporter(np.ones((2, 3), np.float32)), Exporter(np.ones((3, 4), np.float32)),
                  Exporter(c), alpha=3.0)
    np.testing.assert_array_equal(c, noop_sgemm(3.0, 0.0, np.zeros((2, 4), np.float32)))
    with pytest.raises(TypeError, match=r"float64.*a\.astype\(numpy\.float32\)"):
        session.sgemm(Exporter(np.ones((2, 3))), Exporter(np.ones((3, 4), np.float32)))


# DLPack 1.0 structs, built by hand to check what no exporter here makes:
# versioned capsules, the read-only flag, other devices, the deleter.
class _Device(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int32), ("id", ctypes.c_int32)]


class _DataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class _Tensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("device", _Device), ("ndim", ctypes.c_int32),
                ("dtype", _DataType), ("shape", ctypes.POINTER(ctypes.c_int64)),
                ("strides", ctypes.POINTER(ctypes.c_int64)), ("byte_offset", ctypes.c_uint64)]


class _Versioned(ctypes.Structure):
    pass


_Deleter = ctypes.CFUNCTYPE(None, ctypes.POINTER(_Versioned))
_Versioned._fields_ = [("major", ctypes.c_uint32), ("minor", ctypes.c_uint32),
                       ("ctx", ctypes.c_void_p), ("deleter", _Deleter),
                       ("flags", ctypes.c_uint64), ("tensor", _Tensor)]

_capsule_new = ctypes.pythonapi.PyCapsule_New
_capsule_new.restype = ctypes.py_object
_capsule_new.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]


class VersionedExporter:
    """Exports a float32 numpy matrix as DLPack 1.0, counting the calls of
    the deleter the consumer must make."""

    def __init__(self, array, read_only=False, device=1):
        self.array = array
        self.read_only = read_only
        self.device = device
        self.deleted = 0
        self.deleter = _Deleter(self._delete)

    def _delete(self, _):
        self.deleted += 1

    def __dlpack__(self, stream=None, max_version=None):
        assert max_version == (1, 0)
        self.shape = (ctypes.c_int64 * 2)(*self.array.shape)
        self.managed = _Versioned(
            1, 0, None, self.deleter, 1 if self.read_only else 0,
            _Tensor(self.array.ctypes.data, _Device(self.device, 0), 2, _DataType(2, 32, 1),
                    self.shape, None, 0))
        return _capsule_new(ctypes.addressof(self.managed), b"dltensor_versioned", None)


def test_versioned_dlpack_and_its_deleter(session):
    a = VersionedExporter(np.ones((2, 3), np.float32))
    b = VersionedExporter(np.ones((3, 4), np.float32))
    c = np.zeros((2, 4), np.float32)
    out = VersionedExporter(c)
    session.sgemm(a, b, out, alpha=2.0)
    np.testing.assert_array_equal(c, noop_sgemm(2.0, 0.0, np.zeros((2, 4), np.float32)))
    assert (a.deleted, b.deleted, out.deleted) == (1, 1, 1)
    # Read-only memory can be read, not written; refused, it is still freed.
    ro = VersionedExporter(np.zeros((2, 4), np.float32), read_only=True)
    session.sgemm(VersionedExporter(np.ones((2, 3), np.float32), read_only=True), b,
                  np.zeros((2, 4), np.float32))
    with pytest.raises(ValueError, match="c is read-only"):
        session.sgemm(a, b, ro)
    assert ro.deleted == 1


def test_device_memory_is_refused(session):
    gpu = VersionedExporter(np.ones((2, 3), np.float32), device=2)
    with pytest.raises(ValueError, match=r"cuda memory; vAccel takes host memory"):
        session.sgemm(gpu, np.ones((3, 4), np.float32))
    assert gpu.deleted == 1
