# SPDX-License-Identifier: Apache-2.0
"""noop, sgemm, the image operations and genop, with the noop plugin's
documented outputs (plugins/noop/noop.c), locally and through the agent."""
import errno
import threading

import numpy as np
import pytest

import vaccel


def noop_sgemm(alpha, beta, c0):
    """What the noop plugin writes: c[i][j] = alpha * (i + j) + beta * c[i][j]."""
    i, j = np.indices(c0.shape)
    return np.float32(alpha) * (i + j).astype(np.float32) + np.float32(beta) * c0


def test_noop(session):
    assert session.noop() is None


def test_noop_from_threads(session):
    errors = []

    def work():
        try:
            for _ in range(500):
                session.noop()
        except vaccel.Error as e:
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_sgemm_writes_c_in_place(session):
    a = np.arange(15, dtype=np.float32).reshape(5, 3)
    b = np.ones((3, 7), dtype=np.float32)
    c = np.arange(35, dtype=np.float32).reshape(5, 7)
    c0 = c.copy()
    out = session.sgemm(a, b, c, alpha=1.5, beta=0.25)
    assert out is c
    np.testing.assert_array_equal(c, noop_sgemm(1.5, 0.25, c0))
    assert c.dtype == np.float32


def test_sgemm_into_rows_of_a_larger_array(session):
    # A slice of whole rows is C-contiguous: written in place, neighbours kept.
    big = np.full((6, 4), 9.0, dtype=np.float32)
    c = big[2:4]
    session.sgemm(np.ones((2, 3), np.float32), np.ones((3, 4), np.float32), c, alpha=2.0)
    np.testing.assert_array_equal(big[2:4], noop_sgemm(2.0, 0.0, np.zeros((2, 4), np.float32)))
    np.testing.assert_array_equal(big[:2], 9.0)
    np.testing.assert_array_equal(big[4:], 9.0)


def test_sgemm_without_c_makes_one(session):
    c = session.sgemm(np.ones((2, 3), np.float32), np.ones((3, 4), np.float32))
    assert isinstance(c, np.ndarray)
    assert c.shape == (2, 4) and c.dtype == np.float32
    np.testing.assert_array_equal(c, [[0, 1, 2, 3], [1, 2, 3, 4]])


def test_sgemm_refuses_what_it_would_have_to_copy(session):
    a = np.ones((2, 3), np.float32)
    b = np.ones((3, 4), np.float32)
    c = np.zeros((2, 4), np.float32)
    with pytest.raises(TypeError, match="float32"):
        session.sgemm(a.astype(np.float64), b, c)
    with pytest.raises(TypeError, match="float32"):
        session.sgemm(a, b, c.astype(np.float16))
    with pytest.raises(TypeError):
        session.sgemm([[1.0, 2.0, 3.0]], b, c)
    with pytest.raises(ValueError, match="C-contiguous"):
        session.sgemm(np.ones((3, 2), np.float32).T, b, c)
    wide = np.zeros((2, 8), np.float32)
    with pytest.raises(ValueError, match="C-contiguous"):
        session.sgemm(a, b, wide[:, ::2])
    np.testing.assert_array_equal(wide, 0.0)
    with pytest.raises(ValueError, match="2-D"):
        session.sgemm(np.ones(3, np.float32), b, c)
    with pytest.raises(ValueError, match="rows"):
        session.sgemm(a, np.ones((4, 4), np.float32), c)
    with pytest.raises(ValueError, match="2x4"):
        session.sgemm(a, b, np.zeros((4, 2), np.float32))
    ro = np.zeros((2, 4), np.float32)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        session.sgemm(a, b, ro)


def test_classify(session, tmp_path):
    expected = ("This is a dummy classification tag!", "This is a dummy imgname!")
    assert session.classify(b"not really a jpeg") == expected
    assert session.classify(bytearray(b"\x89PNG")) == expected
    assert session.classify(np.zeros(10, np.uint8)) == expected
    img = tmp_path / "cat.jpg"
    img.write_bytes(b"jpeg bytes")
    assert session.classify(img) == expected
    assert session.classify(str(img)) == expected
    # Results are cut to max_len - 1 characters.
    assert session.classify(b"x", max_len=5) == ("This", "This")


def test_classify_errors(session, tmp_path):
    with pytest.raises(vaccel.Error) as e:
        session.classify(tmp_path / "missing.jpg")
    assert e.value.code == errno.ENOENT
    with pytest.raises(vaccel.Error) as e:
        session.classify(b"")
    assert e.value.code == errno.EINVAL
    with pytest.raises(TypeError):
        session.classify(42)


def test_other_image_operations(session):
    assert session.detect(b"img") == "This is a dummy imgname!"
    assert session.segment(b"img") == "This is a dummy imgname!"
    assert session.pose(b"img") == "This is a dummy imgname!"
    assert session.depth(b"img") == "This is a dummy imgname!"
    assert session.depth(b"img", max_len=6) == "This "


def test_genop_noop(session):
    session.genop([vaccel.Op.NOOP])


def test_genop_sgemm(session):
    m, n, k = 3, 4, 2
    a = np.arange(m * k, dtype=np.float32)
    b = np.arange(k * n, dtype=np.float32)
    c = np.full((m, n), 7.0, dtype=np.float32)
    read = [vaccel.Op.BLAS_SGEMM, m, n, k, np.float32(2.0), a, k, b, n,
            vaccel.Arg(0.5, vaccel.ArgType.FLOAT32), n]
    session.genop(read, [c])
    np.testing.assert_array_equal(c, noop_sgemm(2.0, 0.5, np.full((m, n), 7.0, np.float32)))


def test_genop_exec(session, testlib):
    out = np.zeros((), np.int32)
    session.genop([vaccel.Op.EXEC, testlib, "mytestfunc", np.int32(-8)], [out])
    assert int(out) == -16


def test_genop_classify(session):
    name = vaccel.Arg(bytearray(32), vaccel.ArgType.UCHAR_ARRAY)
    text = vaccel.Arg(bytearray(16), vaccel.ArgType.UCHAR_ARRAY)
    session.genop([vaccel.Op.IMAGE_CLASSIFY, b"image"], [name, text])
    assert bytes(name.value).rstrip(b"\0") == b"This is a dummy imgname!"
    assert bytes(text.value).rstrip(b"\0") == b"This is a dummy"  # cut to 16 bytes


def test_genop_errors(session):
    # Model operations have no generic form.
    with pytest.raises(vaccel.Error) as e:
        session.genop([vaccel.Op.TORCH_MODEL_RUN])
    assert e.value.code == errno.ENOTSUP
    # The operation must be a UINT8: a Python int is an INT64.
    with pytest.raises(vaccel.Error) as e:
        session.genop([0])
    assert e.value.code == errno.EINVAL
    with pytest.raises(vaccel.Error) as e:
        session.genop([])
    assert e.value.code == errno.EINVAL
