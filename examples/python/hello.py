#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Hello, vAccel from Python: a session, the empty operation, a matrix
multiply in place, an image classification, and errors as exceptions.

Run (from a build tree; see README.md, "Python"):
    PYTHONPATH=build/python VACCEL_PLUGINS=build/lib/libvaccel-noop.so \
        python3 examples/python/hello.py
The same script runs on a vaccel-agent with VACCEL_PLUGINS=<libvaccel-rpc.so>
and VACCEL_RPC_ADDRESS=unix:///path/to/agent.sock.
"""
import errno
import sys

import numpy as np

import vaccel


def main():
    # Released at the end of the block (or when garbage-collected).
    with vaccel.Session() as session:
        session.noop()
        # Remote once an operation has gone to a vaccel-agent.
        print("session", session.id, "remote" if session.is_remote else "local")
        print("noop: ok")

        # c = alpha * a @ b + beta * c, written into c: no copies.
        a = np.array([[1, 2, 3], [4, 5, 6]], dtype=np.float32)
        b = np.array([[7, 8], [9, 10], [11, 12]], dtype=np.float32)
        c = np.zeros((2, 2), dtype=np.float32)
        session.sgemm(a, b, c)
        # A BLAS plugin gives [[58 64] [139 154]]; the noop plugin, which
        # does no work, writes its placeholder alpha * (i + j) instead.
        print("sgemm:", c.tolist())

        tag, image = session.classify(b"not really a jpeg")
        print("classify:", tag, image)

        # Failures raise vaccel.Error carrying the C API's code.
        try:
            vaccel.Resource("/nonexistent/model.pt", vaccel.ResourceType.MODEL)
        except vaccel.Error as e:
            print("missing model:", errno.errorcode[e.code])
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except vaccel.Error as e:
        # e.g. ENOTSUP when VACCEL_PLUGINS names no plugin for an operation
        print("error:", e, file=sys.stderr)
        sys.exit(1)
