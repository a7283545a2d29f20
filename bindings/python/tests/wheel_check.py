# SPDX-License-Identifier: Apache-2.0
"""pip builds a wheel of the source tree and installs it into a temporary
directory, offline and with pip's build isolation, as `pip install .` does;
then the installed module is used the way a user uses it (wheel_user.py,
run by pytest from another directory), with nothing on the paths pointing
into the source or build tree.

    wheel_check.py SOURCE_DIR BUILD_DIR

BUILD_DIR is given to the build backend (build-dir), so that the wheel
is made of this build tree's objects instead of a second build.
"""
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent


def main(src, build):
    with tempfile.TemporaryDirectory(prefix="vaccel-wheel-check.") as tmp:
        tmp = pathlib.Path(tmp)
        dist, site, work = tmp / "dist", tmp / "site", tmp / "work"
        work.mkdir()
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("VACCEL_", "PYTHON")) and k != "LD_LIBRARY_PATH"}
        pip = [sys.executable, "-m", "pip", "--isolated", "--disable-pip-version-check",
               "--no-input", "--no-cache-dir"]
        subprocess.run(pip + ["wheel", "--no-index", "-w", dist,
                              "--config-settings", f"build-dir={build}", src],
                       check=True, env=env, cwd=work)
        (wheel,) = dist.glob("vaccel-*.whl")
        subprocess.run(pip + ["install", "--no-index", "--target", site, wheel],
                       check=True, env=env, cwd=work)
        shutil.copy(HERE / "wheel_user.py", work / "test_wheel_user.py")
        env.update(PYTHONPATH=str(site), PYTHONDONTWRITEBYTECODE="1",
                   VACCEL_PLUGINS="noop", VACCEL_WHEEL_SITE=str(site),
                   VACCEL_WHEEL_BUILD_DIR=str(pathlib.Path(build).resolve()))
        return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                               "test_wheel_user.py"], cwd=work, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
