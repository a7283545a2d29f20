# SPDX-License-Identifier: Apache-2.0
"""Installs the build tree into a temporary DESTDIR and checks that the
installed module and its stub are where the interpreter looks for them,
and work there, with no PYTHONPATH pointing into the build tree.

    install_check.py CMAKE BUILD_DIR PREFIX PYTHON_INSTALL_DIR LIBDIR
"""
import os
import subprocess
import sys
import tempfile


def main(cmake, build, prefix, site_rel, libdir):
    with tempfile.TemporaryDirectory(prefix="vaccel-install.") as stage:
        env = dict(os.environ, DESTDIR=stage)
        subprocess.run([cmake, "--install", build], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        site = stage + os.path.join(prefix, site_rel)
        lib = stage + os.path.join(prefix, libdir)
        stub = os.path.join(site, "vaccel.pyi")
        assert os.path.isfile(stub), f"no stub at {stub}"
        code = ("import vaccel, sys\n"
                "assert vaccel.__file__.startswith(sys.argv[1]), vaccel.__file__\n"
                "with vaccel.Session() as s:\n"
                "    s.noop()\n"
                "print('installed module works')\n")
        env = {k: v for k, v in os.environ.items()
               if k not in ("PYTHONPATH", "LD_LIBRARY_PATH")}
        # The staged site directory stands for the real one; libvaccel is
        # found through the module's RUNPATH, not LD_LIBRARY_PATH.
        env.update(PYTHONPATH=site, VACCEL_PLUGINS=os.path.join(lib, "libvaccel-noop.so"))
        r = subprocess.run([sys.executable, "-c", code, site], env=env,
                           capture_output=True, text=True)
        sys.stdout.write(r.stdout)
        sys.stderr.write(r.stderr)
        return r.returncode


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:6]))
