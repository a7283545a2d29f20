# SPDX-License-Identifier: Apache-2.0
"""The build backend of pyproject.toml (PEP 517): `pip install .` and
`pip wheel .` build the wheel with the project's CMake build.

It needs nothing from the Python package index (the standard library,
cmake, a compiler, python3-dev and pybind11-dev), so a build works offline,
in pip's isolated build environment as well as with --no-build-isolation;
Debian 12 packages neither scikit-build-core nor a setuptools able to drive
CMake.

The wheel is what the CMake component `python-wheel` installs
(bindings/python/CMakeLists.txt says what and why), with its metadata.

Config settings (`pip ... --config-settings KEY=VALUE`):

  build-dir    a CMake build tree to use: an existing one is built as it
               is configured (a development tree gives its objects, and
               only the wheel's module is linked), a missing one is
               configured first and kept for the next build; relative to
               the source tree. Default: a temporary tree.
  cmake-args   more arguments for configuring a new tree, e.g.
               "-DCMAKE_INSTALL_PREFIX=/usr" (which sets where the runtime
               looks for plugins named in VACCEL_PLUGINS after the wheel's
               own: <prefix>/lib).
"""
import base64
import hashlib
import io
import os
import pathlib
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import tomllib
import zipfile

# pyproject.toml's [project] keys this backend puts into the metadata.
_PROJECT_KEYS = {"name", "dynamic", "description", "requires-python", "license"}
# Timestamps of archive members, so that a build is reproducible.
_EPOCH = (1980, 1, 1, 0, 0, 0)


def _source():
    # PEP 517 runs the hooks in the source tree.
    return pathlib.Path.cwd()


def _project(src):
    with open(src / "pyproject.toml", "rb") as f:
        project = tomllib.load(f)["project"]
    unknown = set(project) - _PROJECT_KEYS
    if unknown:
        raise RuntimeError("pyproject.toml: this backend does not write "
                           f"[project] {', '.join(sorted(unknown))} into the metadata")
    if project.get("dynamic", []) != ["version"]:
        raise RuntimeError("pyproject.toml: the version comes from CMakeLists.txt: "
                           'dynamic = ["version"]')
    return project


def _version(src):
    # One version for the C library and the module: the CMake project's.
    m = re.search(r"project\(\s*vaccel\s+VERSION\s+([0-9.]+)",
                  (src / "CMakeLists.txt").read_text())
    if not m:
        raise RuntimeError("CMakeLists.txt: no project(vaccel VERSION ...)")
    return m.group(1)


def _metadata(src):
    project = _project(src)
    lines = ["Metadata-Version: 2.1", f"Name: {project['name']}",
             f"Version: {_version(src)}"]
    if "description" in project:
        lines.append(f"Summary: {project['description']}")
    lic = project.get("license")
    if isinstance(lic, dict) and "text" in lic:
        lines.append(f"License: {lic['text']}")
    elif lic is not None:
        raise RuntimeError("pyproject.toml: license = {text = ...} only")
    if "requires-python" in project:
        lines.append(f"Requires-Python: {project['requires-python']}")
    return project["name"], _version(src), "\n".join(lines) + "\n"


def _tag():
    # The module is built for this interpreter and this machine's libc and
    # libstdc++: not a manylinux wheel, so the platform is the plain one.
    if sys.implementation.name != "cpython":
        raise RuntimeError(f"{sys.implementation.name}: only CPython wheels are built")
    py = f"cp{sys.version_info.major}{sys.version_info.minor}"
    abi = py + ("d" if sysconfig.get_config_var("Py_DEBUG") else "")
    platform = re.sub(r"[-.]", "_", sysconfig.get_platform())
    return f"{py}-{abi}-{platform}"


def _run(args):
    print("+", shlex.join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], check=True)


def _cmake_build(src, tree, settings, stage):
    """Build the `python-wheel` target in `tree` and install its component
    into `stage`, stripped."""
    if not (tree / "CMakeCache.txt").exists():
        args = ["cmake", "-S", src, "-B", tree,
                "-DCMAKE_BUILD_TYPE=Release",
                # The module is linked twice (build tree, wheel): with LTO
                # each link would compile it again.
                "-DCMAKE_INTERPROCEDURAL_OPTIMIZATION=OFF",
                f"-DPython3_EXECUTABLE={sys.executable}",
                "-DVACCEL_BUILD_PYTHON=ON", "-DVACCEL_BUILD_TESTS=OFF",
                "-DVACCEL_BUILD_EXAMPLES=OFF", "-DVACCEL_BUILD_BENCH=OFF",
                "-DVACCEL_BUILD_MODEL=OFF"]
        if shutil.which("ninja"):
            args += ["-G", "Ninja"]
        args += shlex.split(settings.get("cmake-args", ""))
        _run(args)
    try:
        _run(["cmake", "--build", tree, "--target", "python-wheel"])
    except subprocess.CalledProcessError:
        raise RuntimeError(
            f"building the wheel in {tree} failed; without python3-dev and "
            "pybind11-dev, or with VACCEL_BUILD_PYTHON=OFF, a tree has no "
            "python-wheel target") from None
    _run(["cmake", "--install", tree, "--component", "python-wheel",
          "--prefix", stage, "--strip"])
    module = stage / ("vaccel" + sysconfig.get_config_var("EXT_SUFFIX"))
    if not module.exists():
        found = ", ".join(p.name for p in stage.glob("vaccel*.so")) or "nothing"
        raise RuntimeError(
            f"{tree} builds the module for another Python ({found}), not "
            f"{sys.executable} ({module.name}); use another build-dir")


def _wheel_files(stage):
    """(name in the wheel, file) for each file under stage. The wheel
    format has no symbolic links: a link is stored as a copy of its target
    under its own name (libvaccel.so.0, the name the module and the plugins
    ask the loader for), and a file that links point to is left out."""
    paths = sorted(stage.rglob("*"))
    link_targets = {p.resolve() for p in paths if p.is_symlink()}
    files = []
    for p in paths:
        if p.is_dir() or (not p.is_symlink() and p.resolve() in link_targets):
            continue
        files.append((p.relative_to(stage).as_posix(), p.resolve()))
    return files


def _record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return f"{name},sha256={digest.decode()},{len(data)}"


def _zip_add(zf, name, data, mode=0o644):
    info = zipfile.ZipInfo(name, _EPOCH)
    info.external_attr = (0o100000 | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, data)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    src = _source()
    settings = config_settings or {}
    name, version, metadata = _metadata(src)
    tag = _tag()
    dist_info = f"{name}-{version}.dist-info"
    wheel_name = f"{name}-{version}-{tag}.whl"
    with tempfile.TemporaryDirectory(prefix="vaccel-wheel.") as tmp:
        tmp = pathlib.Path(tmp)
        tree = src / settings["build-dir"] if settings.get("build-dir") else tmp / "build"
        stage = tmp / "stage"
        _cmake_build(src, tree.absolute(), settings, stage)
        entries = [(n, f.read_bytes(), 0o755 if os.access(f, os.X_OK) else 0o644)
                   for n, f in _wheel_files(stage)]
        entries += [
            (f"{dist_info}/METADATA", metadata.encode(), 0o644),
            (f"{dist_info}/WHEEL", (
                "Wheel-Version: 1.0\n"
                "Generator: vaccel_wheel (bindings/python/vaccel_wheel.py)\n"
                "Root-Is-Purelib: false\n"
                f"Tag: {tag}\n").encode(), 0o644),
            (f"{dist_info}/LICENSE", (src / "LICENSE").read_bytes(), 0o644),
        ]
        record = [_record_line(n, data) for n, data, _ in entries]
        record.append(f"{dist_info}/RECORD,,")
        entries.append((f"{dist_info}/RECORD", ("\n".join(record) + "\n").encode(), 0o644))
        out = pathlib.Path(wheel_directory) / wheel_name
        with zipfile.ZipFile(out, "w") as zf:
            for n, data, mode in entries:
                _zip_add(zf, n, data, mode)
    return wheel_name


def _sdist_files(src):
    if (src / ".git").exists():
        r = subprocess.run(["git", "-C", src, "ls-files", "-z"], check=True,
                           capture_output=True)
        return sorted(n for n in r.stdout.decode().split("\0") if n)
    # An unpacked sdist: everything but build trees and caches.
    files = []
    for root, dirs, names in os.walk(src):
        rel = pathlib.Path(root).relative_to(src)
        dirs[:] = [d for d in dirs if not d.startswith(".") and d != "__pycache__"
                   and not (rel == pathlib.Path(".") and d.startswith("build"))]
        files += [(rel / n).as_posix() for n in names if n != "PKG-INFO"]
    return sorted(files)


def build_sdist(sdist_directory, config_settings=None):
    src = _source()
    name, version, metadata = _metadata(src)
    base = f"{name}-{version}"
    out = pathlib.Path(sdist_directory) / f"{base}.tar.gz"

    def normalise(info):
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        info.mtime = 0
        return info

    with tarfile.open(out, "w:gz", format=tarfile.PAX_FORMAT) as tf:
        for n in _sdist_files(src):
            if (src / n).is_file():
                tf.add(src / n, f"{base}/{n}", recursive=False, filter=normalise)
        data = metadata.encode()
        info = tarfile.TarInfo(f"{base}/PKG-INFO")
        info.size = len(data)
        info.mode = 0o644
        tf.addfile(info, io.BytesIO(data))
    return out.name
