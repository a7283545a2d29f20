# SPDX-License-Identifier: Apache-2.0
# Type stub of the `vaccel` extension module (bindings/python/module.cpp).
import enum
import os
from typing_extensions import Buffer as _Buffer
from collections.abc import Iterable, Sequence
from types import TracebackType
from typing import Any, Optional, Protocol, TypeVar, Union, overload

import numpy as np
import numpy.typing as npt

__version__: str

_Path = Union[str, os.PathLike[str]]

class _DLPack(Protocol):
    """An array exported through DLPack: a torch CPU tensor ..."""

    def __dlpack__(self, *, stream: Any = ...) -> Any: ...

# Anything with the buffer protocol: bytes, bytearray, memoryview, numpy
# arrays; or else with DLPack.
_Bytes = Union[bytes, bytearray, memoryview, npt.NDArray[Any], _Buffer, _DLPack]
# A float32 matrix, numpy's or torch's (or another exporter's).
_Matrix = Union[npt.NDArray[np.float32], _Buffer, _DLPack]
_C = TypeVar("_C", bound=_Matrix)
# An exec/genop argument: see Session.exec().
_ArgValue = Union[int, float, bool, str, "Op", "Arg", _Bytes, np.generic]

class Error(RuntimeError):
    """A vAccel call failed; ``code`` is the C API's errno value."""

    code: int
    def __init__(self, code: int, message: Optional[str] = ...) -> None: ...

class ResourceType(enum.IntEnum):
    LIB = 0
    DATA = 1
    MODEL = 2

class ArgType(enum.IntEnum):
    RAW = 0
    INT8 = 1
    INT8_ARRAY = 2
    INT16 = 3
    INT16_ARRAY = 4
    INT32 = 5
    INT32_ARRAY = 6
    INT64 = 7
    INT64_ARRAY = 8
    UINT8 = 9
    UINT8_ARRAY = 10
    UINT16 = 11
    UINT16_ARRAY = 12
    UINT32 = 13
    UINT32_ARRAY = 14
    UINT64 = 15
    UINT64_ARRAY = 16
    FLOAT32 = 17
    FLOAT32_ARRAY = 18
    FLOAT64 = 19
    FLOAT64_ARRAY = 20
    BOOL = 21
    BOOL_ARRAY = 22
    CHAR = 23
    CHAR_ARRAY = 24
    UCHAR = 25
    UCHAR_ARRAY = 26
    STRING = 27
    BUFFER = 28
    CUSTOM = 29

class Op(enum.IntEnum):
    NOOP = 0
    EXEC = 1
    EXEC_WITH_RESOURCE = 2
    IMAGE_CLASSIFY = 3
    IMAGE_DETECT = 4
    IMAGE_SEGMENT = 5
    IMAGE_POSE = 6
    IMAGE_DEPTH = 7
    TF_MODEL_LOAD = 8
    TF_MODEL_UNLOAD = 9
    TF_MODEL_RUN = 10
    TFLITE_MODEL_LOAD = 11
    TFLITE_MODEL_UNLOAD = 12
    TFLITE_MODEL_RUN = 13
    TORCH_MODEL_LOAD = 14
    TORCH_MODEL_RUN = 15
    TORCH_SGEMM = 16
    BLAS_SGEMM = 17
    FPGA_ARRAYCOPY = 18
    FPGA_MMULT = 19
    FPGA_PARALLEL = 20
    FPGA_VECTORADD = 21
    MINMAX = 22
    OPENCV = 23

class PluginType(enum.IntFlag):
    CPU = 0x0001
    GPU = 0x0002
    FPGA = 0x0004
    SOFTWARE = 0x0008
    TENSORFLOW = 0x0010
    TORCH = 0x0020
    JETSON = 0x0040
    GENERIC = 0x0080
    DEBUG = 0x0100
    REMOTE = 0x4000
    ALL = 0xFFFF

class Arg:
    """An exec/genop argument with an explicit ArgType."""

    def __init__(self, value: Any, type: ArgType, custom_id: int = 0) -> None: ...
    @property
    def value(self) -> Any: ...
    @property
    def type(self) -> ArgType: ...
    @property
    def custom_id(self) -> int: ...

class Resource:
    """A model, library or data that operations use."""

    def __init__(
        self,
        source: Union[_Path, Sequence[_Path], _Bytes],
        type: ResourceType,
        filename: Optional[str] = None,
    ) -> None: ...
    def register(self, session: Session) -> None: ...
    def unregister(self, session: Session) -> None: ...
    def release(self) -> None: ...
    def __enter__(self) -> Resource: ...
    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None: ...
    @property
    def id(self) -> int: ...
    @property
    def type(self) -> ResourceType: ...
    @property
    def refcount(self) -> int: ...
    @property
    def released(self) -> bool: ...

class Session:
    """A vAccel session: the context operations run in."""

    def __init__(self, hint: int = 0) -> None: ...
    def release(self) -> None: ...
    def __enter__(self) -> Session: ...
    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None: ...
    @property
    def id(self) -> int: ...
    @property
    def hint(self) -> int: ...
    @property
    def is_remote(self) -> bool: ...
    @property
    def released(self) -> bool: ...
    def has(self, resource: Resource) -> bool: ...
    def noop(self) -> None: ...
    @overload
    def sgemm(self, a: _Matrix, b: _Matrix, c: _C, alpha: float = 1.0, beta: float = 0.0) -> _C: ...
    @overload
    def sgemm(
        self, a: _Matrix, b: _Matrix, c: None = None, alpha: float = 1.0, beta: float = 0.0
    ) -> Any: ...
    def classify(self, image: Union[_Bytes, _Path], max_len: int = 256) -> tuple[str, str]: ...
    def detect(self, image: Union[_Bytes, _Path], max_len: int = 256) -> str: ...
    def segment(self, image: Union[_Bytes, _Path], max_len: int = 256) -> str: ...
    def pose(self, image: Union[_Bytes, _Path], max_len: int = 256) -> str: ...
    def depth(self, image: Union[_Bytes, _Path], max_len: int = 256) -> str: ...
    def exec(
        self,
        library: _Path,
        symbol: str,
        read: Iterable[_ArgValue] = (),
        write: Iterable[_ArgValue] = (),
    ) -> None: ...
    def exec_with_resource(
        self,
        resource: Resource,
        symbol: str,
        read: Iterable[_ArgValue] = (),
        write: Iterable[_ArgValue] = (),
    ) -> None: ...
    def genop(self, read: Iterable[_ArgValue], write: Iterable[_ArgValue] = ()) -> None: ...
    def torch_model_load(self, model: Resource) -> None: ...
    def torch_model_run(
        self,
        model: Resource,
        inputs: Sequence[Union[npt.NDArray[Any], _DLPack]],
        nr_outputs: Optional[int] = None,
        run_options: Optional[bytes] = None,
    ) -> list[npt.NDArray[Any]]: ...

class ProfRegion:
    """A named profiling region; ``with region:`` records one sample."""

    def __init__(self, name: str) -> None: ...
    def start(self) -> None: ...
    def stop(self) -> None: ...
    def __enter__(self) -> ProfRegion: ...
    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None: ...
    @property
    def name(self) -> str: ...
    @property
    def count(self) -> int: ...
    @property
    def total_ns(self) -> int: ...
    @property
    def samples(self) -> list[tuple[int, int]]: ...
    def print(self) -> None: ...

def prof_enabled() -> bool: ...
def prof_enable(on: bool = True) -> None: ...
def bootstrap(
    plugins: Optional[str] = None,
    *,
    log_level: Optional[int] = None,
    log_file: Optional[str] = None,
    profiling: Optional[bool] = None,
    version_ignore: Optional[bool] = None,
) -> None: ...
def cleanup() -> None: ...
def is_initialized() -> bool: ...
def _empty() -> None: ...
