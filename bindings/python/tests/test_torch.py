# SPDX-License-Identifier: Apache-2.0
"""Torch model load and run with numpy arrays of every tensor dtype. The
noop plugin's run copies inputs[i % nr_inputs] to outputs[i] (shape, type
and bytes); remotely the agent's noop does, and the rpc plugin brings the
outputs back."""
import errno

import numpy as np
import pytest

import vaccel

TORCH_DTYPES = [np.uint8, np.int8, np.int16, np.int32, np.int64, np.float16, np.float32]


@pytest.fixture
def model(session):
    with vaccel.Resource(b"not really torchscript", vaccel.ResourceType.MODEL,
                         filename="model.pt") as m:
        m.register(session)
        session.torch_model_load(m)
        yield m


@pytest.mark.parametrize("dtype", TORCH_DTYPES, ids=lambda d: np.dtype(d).name)
def test_run_copies_each_dtype(session, model, dtype):
    x = (np.arange(24) - 5).astype(dtype).reshape(2, 3, 4)
    (y,) = session.torch_model_run(model, [x])
    assert y.dtype == x.dtype
    assert y.shape == (2, 3, 4)
    np.testing.assert_array_equal(y, x)
    assert not np.shares_memory(x, y)


def test_outputs_cycle_through_inputs(session, model):
    a = np.array([1.5, -2.0], np.float32)
    b = np.arange(6, dtype=np.int64).reshape(3, 2)
    c = np.array(7, np.int16)  # 0-d
    outs = session.torch_model_run(model, [a, b, c], nr_outputs=5)
    assert [o.dtype for o in outs] == [a.dtype, b.dtype, c.dtype, a.dtype, b.dtype]
    for o, x in zip(outs, [a, b, c, a, b]):
        assert o.shape == x.shape
        np.testing.assert_array_equal(o, x)
    assert session.torch_model_run(model, [a], nr_outputs=0) == []


def test_outputs_own_the_plugins_memory(session, model):
    x = np.arange(1000, dtype=np.float32)
    (y,) = session.torch_model_run(model, [x], run_options=b"opts")
    # No copy: the array wraps the buffer the plugin allocated.
    assert type(y.base).__name__ == "PyCapsule"
    assert y.flags.writeable and y.flags.c_contiguous
    y[0] = 42.0
    del x
    assert y[0] == 42.0 and y[999] == 999.0


def test_inputs_are_checked(session, model):
    with pytest.raises(TypeError, match="float16 or float32"):
        session.torch_model_run(model, [np.zeros(2, np.float64)])
    with pytest.raises(TypeError, match="float16 or float32"):
        session.torch_model_run(model, [np.zeros(2, np.bool_)])
    with pytest.raises(ValueError, match="C-contiguous"):
        session.torch_model_run(model, [np.zeros((4, 4), np.float32)[:, 1]])
    with pytest.raises(TypeError, match="numpy array"):
        session.torch_model_run(model, [[1.0, 2.0]])
    with pytest.raises(ValueError, match="nr_outputs"):
        session.torch_model_run(model, [np.zeros(2, np.float32)], nr_outputs=-1)


def test_model_must_be_a_registered_model(session, model):
    with vaccel.Resource(b"m", vaccel.ResourceType.MODEL) as other:
        with pytest.raises(vaccel.Error) as e:
            session.torch_model_load(other)
        assert e.value.code == errno.EPERM
        with pytest.raises(vaccel.Error) as e:
            session.torch_model_run(other, [np.zeros(1, np.float32)])
        assert e.value.code == errno.EPERM
    with vaccel.Resource(b"d", vaccel.ResourceType.DATA) as data:
        data.register(session)
        with pytest.raises(vaccel.Error) as e:
            session.torch_model_load(data)
        assert e.value.code == errno.EINVAL
