// SPDX-License-Identifier: Apache-2.0
// The `vaccel` Python module: sessions, resources, the operations and
// profiling regions of the C API, with Python objects as arguments.
//
// Principles:
// - No copies of bulk data. Arrays and byte buffers are passed to the
//   runtime through the buffer protocol, or DLPack for objects without it
//   (torch tensors): the runtime reads inputs and writes outputs straight
//   into the caller's memory. Whatever cannot be passed that way (a
//   non-contiguous array, a float64 array where float32 is needed) is
//   refused with TypeError or ValueError, never converted; the error names
//   the dtype as numpy and torch do and the call that would convert it.
// - The GIL is released around every call into the runtime that may block
//   or do work (operations, session and resource life cycle, bootstrap):
//   a remote call waits for the agent without stopping other threads. The
//   buffers stay exported (so not resizable) until the call returns.
// - A failed C call raises vaccel.Error with its code; the message is
//   vaccel.hpp's ("vaccel_exec: No such file or directory (2)").
// - The C structs live inside the Python objects and are freed only with
//   them: releasing a session that another thread is using makes that
//   thread's call fail with EINVAL, not crash.
#include <vaccel.hpp>

#include <pybind11/eval.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <atomic>
#include <bit>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace py = pybind11;

namespace {

/* ---- errors -------------------------------------------------------------- */

// vaccel.Error, created at import (in Python, so that it is an ordinary
// exception class with a `code` attribute). Kept for the process' life.
PyObject *g_error = nullptr;

const char *const kErrorSource = R"PY(
class Error(RuntimeError):
    """A vAccel call failed.

    ``code`` is the C API's return code, an errno value (``errno.ENOENT``,
    ``errno.ENOTSUP`` ...); ``message`` is why it failed, as the runtime,
    the plugin or (through the rpc plugin) the host's agent said it, or
    ``""``; ``str(error)`` names the failing call, the code and the
    message, e.g. ``"vaccel_exec: Operation not permitted (1): [agent]
    ... exec refused: ..."``.
    """

    def __init__(self, code, text=None, message=""):
        import os
        code = int(code)
        super().__init__(os.strerror(code) if text is None else text)
        self.code = code
        self.message = message
)PY";

// Set vaccel.Error(code, message) as the Python exception.
void set_error(const vaccel::Error &e)
{
	py::object err = py::reinterpret_borrow<py::object>(g_error);
	py::object inst = err(e.code(), e.what(), e.message());
	PyErr_SetObject(g_error, inst.ptr());
}

[[noreturn]] void raise_error(int code, const std::string &what)
{
	vaccel::detail::raise(code, what); // with the thread's error lines
}

void check(int ret, const char *what)
{
	vaccel::check(ret, what);
}

/* ---- arrays -------------------------------------------------------------- */

std::string type_name(py::handle obj)
{
	return Py_TYPE(obj.ptr())->tp_name;
}

bool is_path(py::handle obj)
{
	return py::isinstance<py::str>(obj) || py::hasattr(obj, "__fspath__");
}

// True for torch tensors (and their subclasses, e.g. nn.Parameter): they
// have no buffer protocol, and their methods are not numpy's.
bool is_torch(py::handle obj)
{
	PyObject *mod = PyObject_GetAttrString(
		reinterpret_cast<PyObject *>(Py_TYPE(obj.ptr())), "__module__");
	if (!mod) {
		PyErr_Clear();
		return false;
	}
	const char *s = PyUnicode_Check(mod) ? PyUnicode_AsUTF8(mod) : nullptr;
	const bool torch = s && std::strncmp(s, "torch", 5) == 0 &&
			   (s[5] == '\0' || s[5] == '.');
	if (!s)
		PyErr_Clear();
	Py_DECREF(mod);
	return torch;
}

// The call that gives the caller what vAccel takes without a copy, in the
// words of the caller's library: "a.astype(numpy.float32)",
// "a.to(torch.float32)", "a.contiguous()".
std::string astype_hint(py::handle obj, const std::string &name, const char *dtype)
{
	return is_torch(obj) ? name + ".to(torch." + dtype + ")"
			     : name + ".astype(numpy." + dtype + ")";
}

std::string contiguous_hint(py::handle obj, const std::string &name)
{
	return is_torch(obj) ? name + ".contiguous()"
			     : "numpy.ascontiguousarray(" + name + ")";
}

// DLPack's C ABI (dlpack.h; capsules of version 0.x and 1.x), declared
// here rather than included: it is a fixed exchange format, and its header
// would be one more build dependency for five structs.
namespace dlpack {
struct Device {
	std::int32_t type;
	std::int32_t id;
};
struct DataType {
	std::uint8_t code;
	std::uint8_t bits;
	std::uint16_t lanes;
};
struct Tensor {
	void *data;
	Device device;
	std::int32_t ndim;
	DataType dtype;
	std::int64_t *shape;
	std::int64_t *strides; // in elements; null: C-contiguous
	std::uint64_t byte_offset;
};
struct Managed {
	Tensor tensor;
	void *manager_ctx;
	void (*deleter)(Managed *);
};
struct Version {
	std::uint32_t major;
	std::uint32_t minor;
};
struct ManagedVersioned {
	Version version;
	void *manager_ctx;
	void (*deleter)(ManagedVersioned *);
	std::uint64_t flags;
	Tensor tensor;
};
static_assert(sizeof(Tensor) == 48 && sizeof(Managed) == 64 &&
	      sizeof(ManagedVersioned) == 80);

enum TypeCode : std::uint8_t {
	kInt = 0, kUInt = 1, kFloat = 2, kBfloat = 4, kComplex = 5, kBool = 6
};
enum DeviceType : std::int32_t {
	kCPU = 1, kCUDA = 2, kCUDAHost = 3, kROCM = 10, kROCMHost = 11,
	kCUDAManaged = 13
};
constexpr std::uint64_t kFlagReadOnly = 1;

// Memory the CPU can address: what the runtime and its plugins read.
bool host_addressable(std::int32_t type)
{
	return type == kCPU || type == kCUDAHost || type == kROCMHost ||
	       type == kCUDAManaged;
}

std::string device_name(std::int32_t type)
{
	switch (type) {
	case kCUDA: return "cuda";
	case kROCM: return "rocm";
	default: return "DLPack device " + std::to_string(type);
	}
}
} // namespace dlpack

// An element type, read from a buffer format or a DLPack data type, and
// named as numpy and torch name it ("float64"), for error messages.
struct Dtype {
	// 'i' signed, 'u' unsigned, 'f' float, 'c' complex, 'b' bool,
	// 'B' bfloat, 'S' char; 0: none of these (`other` says what).
	char kind = 0;
	unsigned bits = 0;
	bool swapped = false; // not in the machine's byte order
	std::string other;

	static Dtype from_format(const char *f, std::size_t itemsize)
	{
		Dtype d;
		const std::string whole = f ? f : "B";
		const char *p = whole.c_str();
		bool big = std::endian::native == std::endian::big;
		if (*p == '@' || *p == '=' || *p == '<' || *p == '>' || *p == '!') {
			if (*p == '<')
				big = false;
			else if (*p == '>' || *p == '!')
				big = true;
			++p;
		}
		d.bits = static_cast<unsigned>(itemsize * 8);
		d.swapped = itemsize > 1 && big != (std::endian::native == std::endian::big);
		const bool complex = *p == 'Z';
		if (complex)
			++p;
		if (p[0] == '\0' || p[1] != '\0') {
			d.other = "format '" + whole + "'";
			return d;
		}
		if (complex)
			d.kind = std::strchr("efdg", *p) ? 'c' : 0;
		else if (std::strchr("bhilqn", *p))
			d.kind = 'i';
		else if (std::strchr("BHILQN", *p))
			d.kind = 'u';
		else if (std::strchr("efdg", *p))
			d.kind = 'f';
		else if (*p == '?')
			d.kind = 'b';
		else if (*p == 'c')
			d.kind = 'S';
		if (!d.kind)
			d.other = "format '" + whole + "'";
		return d;
	}

	static Dtype from_dlpack(const dlpack::DataType &t)
	{
		Dtype d;
		d.bits = t.bits;
		if (t.lanes != 1 || t.bits % 8 != 0) {
			d.other = "DLPack type (code " + std::to_string(t.code) + ", " +
				  std::to_string(t.bits) + " bits, " +
				  std::to_string(t.lanes) + " lanes)";
			return d;
		}
		switch (t.code) {
		case dlpack::kInt: d.kind = 'i'; break;
		case dlpack::kUInt: d.kind = 'u'; break;
		case dlpack::kFloat: d.kind = 'f'; break;
		case dlpack::kComplex: d.kind = 'c'; break;
		case dlpack::kBool: d.kind = 'b'; break;
		case dlpack::kBfloat: d.kind = 'B'; break;
		default:
			d.other = "DLPack type code " + std::to_string(t.code);
		}
		return d;
	}

	std::string name() const
	{
		std::string n;
		switch (kind) {
		case 'i': n = "int" + std::to_string(bits); break;
		case 'u': n = "uint" + std::to_string(bits); break;
		case 'f': n = "float" + std::to_string(bits); break;
		case 'c': n = "complex" + std::to_string(bits); break;
		case 'B': n = "bfloat" + std::to_string(bits); break;
		case 'b': n = "bool"; break;
		case 'S': n = "char"; break;
		default: return other;
		}
		return swapped ? "byte-swapped " + n : n;
	}
};

// The VACCEL_ARG_* scalar type of an element type; MAX if none.
vaccel_arg_type_t element_type(const Dtype &d)
{
	if (d.swapped)
		return VACCEL_ARG_MAX;
	auto by_bits = [&d](vaccel_arg_type_t t8, vaccel_arg_type_t t16,
			    vaccel_arg_type_t t32, vaccel_arg_type_t t64) {
		switch (d.bits) {
		case 8: return t8;
		case 16: return t16;
		case 32: return t32;
		case 64: return t64;
		default: return VACCEL_ARG_MAX;
		}
	};
	switch (d.kind) {
	case 'i':
		return by_bits(VACCEL_ARG_INT8, VACCEL_ARG_INT16, VACCEL_ARG_INT32,
			       VACCEL_ARG_INT64);
	case 'u':
		return by_bits(VACCEL_ARG_UINT8, VACCEL_ARG_UINT16,
			       VACCEL_ARG_UINT32, VACCEL_ARG_UINT64);
	case 'f':
		return by_bits(VACCEL_ARG_MAX, VACCEL_ARG_MAX, VACCEL_ARG_FLOAT32,
			       VACCEL_ARG_FLOAT64);
	case 'b':
		return d.bits == 8 ? VACCEL_ARG_BOOL : VACCEL_ARG_MAX;
	case 'S':
		return d.bits == 8 ? VACCEL_ARG_CHAR : VACCEL_ARG_MAX;
	default:
		return VACCEL_ARG_MAX;
	}
}

bool has_dlpack(py::handle obj)
{
	return PyObject_HasAttrString(obj.ptr(), "__dlpack__") == 1;
}

// The memory of an array, held for the duration of a call (the GIL is
// needed to take and to release it): through the buffer protocol (numpy,
// bytes, memoryview ...) or, for objects without it, DLPack (torch
// tensors ...). Either way the caller's memory, never a copy.
class View {
public:
	static bool accepts(py::handle obj)
	{
		return PyObject_CheckBuffer(obj.ptr()) || has_dlpack(obj);
	}

	// `what` names the object in errors ("sgemm: a").
	View(py::handle obj, const std::string &what)
	{
		if (PyObject_CheckBuffer(obj.ptr())) {
			if (PyObject_GetBuffer(obj.ptr(), &b_, PyBUF_RECORDS_RO) != 0)
				throw py::error_already_set();
			buffer_ = true;
		}
		// No destructor runs for a constructor that throws.
		try {
			if (buffer_)
				dtype_ = Dtype::from_format(
					b_.format, static_cast<std::size_t>(b_.itemsize));
			else
				import_dlpack(obj, what);
		} catch (...) {
			release();
			throw;
		}
	}

	~View() { release(); }

	View(View &&o) noexcept
		: b_(o.b_), buffer_(o.buffer_), managed_(o.managed_),
		  versioned_(o.versioned_), t_(o.t_), nbytes_(o.nbytes_),
		  readonly_(o.readonly_), contiguous_(o.contiguous_),
		  dtype_(std::move(o.dtype_))
	{
		o.buffer_ = false;
		o.managed_ = nullptr;
		o.versioned_ = nullptr;
	}

	View(const View &) = delete;
	View &operator=(const View &) = delete;
	View &operator=(View &&) = delete;

	bool dlpack() const { return t_ != nullptr; }
	const Dtype &dtype() const { return dtype_; }

	void *data() const
	{
		return t_ ? static_cast<char *>(t_->data) + t_->byte_offset : b_.buf;
	}

	std::size_t nbytes() const
	{
		return t_ ? nbytes_ : static_cast<std::size_t>(b_.len);
	}

	std::size_t itemsize() const
	{
		return t_ ? t_->dtype.bits / 8U : static_cast<std::size_t>(b_.itemsize);
	}

	int ndim() const { return t_ ? t_->ndim : b_.ndim; }
	bool readonly() const { return t_ ? readonly_ : b_.readonly != 0; }

	bool c_contiguous() const
	{
		return t_ ? contiguous_ : PyBuffer_IsContiguous(&b_, 'C') != 0;
	}

	std::int64_t shape(int i) const
	{
		if (t_)
			return t_->shape[i];
		return b_.shape ? static_cast<std::int64_t>(b_.shape[i])
				: static_cast<std::int64_t>(b_.len);
	}

private:
	void import_dlpack(py::handle obj, const std::string &what)
	{
		// Asked for no stream (the CPU's), the exporter synchronises
		// nothing, so the device is checked on the tensor itself:
		// __dlpack_device__() would cost torch more than the export.
		py::object cap = export_capsule(obj);
		PyObject *c = cap.ptr();
		if (PyCapsule_IsValid(c, "dltensor_versioned")) {
			auto *m = static_cast<dlpack::ManagedVersioned *>(
				PyCapsule_GetPointer(c, "dltensor_versioned"));
			if (m->version.major != 1)
				throw py::type_error(what + ": DLPack version " +
						     std::to_string(m->version.major) +
						     " is not supported (1 is)");
			PyCapsule_SetName(c, "used_dltensor_versioned");
			versioned_ = m;
			t_ = &m->tensor;
			readonly_ = (m->flags & dlpack::kFlagReadOnly) != 0;
		} else if (PyCapsule_IsValid(c, "dltensor")) {
			auto *m = static_cast<dlpack::Managed *>(
				PyCapsule_GetPointer(c, "dltensor"));
			PyCapsule_SetName(c, "used_dltensor");
			managed_ = m;
			t_ = &m->tensor;
		} else {
			throw py::type_error(what + ": " + type_name(obj) +
					     ".__dlpack__() did not return a DLPack capsule");
		}
		// From here on, this View owns the tensor (and frees it).
		if (!dlpack::host_addressable(t_->device.type))
			throw py::value_error(what + ": the " + type_name(obj) + " is in " +
					      dlpack::device_name(t_->device.type) +
					      " memory; vAccel takes host memory "
					      "(no copy is made; pass .cpu() of it)");
		dtype_ = Dtype::from_dlpack(t_->dtype);
		std::size_t n = 1;
		std::int64_t expect = 1;
		contiguous_ = true;
		for (int d = t_->ndim - 1; d >= 0; --d) {
			const std::int64_t len = t_->shape[d];
			n *= static_cast<std::size_t>(len);
			if (t_->strides && len != 1 && t_->strides[d] != expect)
				contiguous_ = false;
			expect *= len;
		}
		if (n == 0)
			contiguous_ = true;
		nbytes_ = n * (t_->dtype.bits / 8U) * t_->dtype.lanes;
	}

	// obj.__dlpack__(), asking for a versioned capsule; exporters older
	// than DLPack 1.0 refuse max_version with TypeError. Their type is
	// remembered, so that they pay for that refusal once.
	static py::object export_capsule(py::handle obj)
	{
		static PyTypeObject *unversioned = nullptr;
		py::object fn = obj.attr("__dlpack__");
		if (Py_TYPE(obj.ptr()) != unversioned) {
			try {
				return fn(py::arg("max_version") = py::make_tuple(1, 0));
			} catch (py::error_already_set &e) {
				if (!e.matches(PyExc_TypeError))
					throw;
				unversioned = Py_TYPE(obj.ptr());
			}
		}
		return fn();
	}

	void release()
	{
		if (buffer_)
			PyBuffer_Release(&b_);
		if (managed_ && managed_->deleter)
			managed_->deleter(managed_);
		if (versioned_ && versioned_->deleter)
			versioned_->deleter(versioned_);
		buffer_ = false;
		managed_ = nullptr;
		versioned_ = nullptr;
	}

	Py_buffer b_{};
	bool buffer_ = false;
	dlpack::Managed *managed_ = nullptr;
	dlpack::ManagedVersioned *versioned_ = nullptr;
	const dlpack::Tensor *t_ = nullptr;
	std::size_t nbytes_ = 0;
	bool readonly_ = false;
	bool contiguous_ = true;
	Dtype dtype_;
};

// True for numpy arrays and numpy scalars. numpy is not imported for this:
// if nobody has imported it, the object cannot be one of its.
bool is_numpy(py::handle obj)
{
	static PyObject *ndarray = nullptr;
	static PyObject *generic = nullptr;
	if (!ndarray) {
		PyObject *np = PyImport_GetModule(py::str("numpy").ptr());
		if (!np) {
			PyErr_Clear();
			return false;
		}
		ndarray = PyObject_GetAttrString(np, "ndarray");
		generic = PyObject_GetAttrString(np, "generic");
		Py_DECREF(np);
		if (!ndarray || !generic) {
			PyErr_Clear();
			Py_CLEAR(ndarray);
			Py_CLEAR(generic);
			return false;
		}
	}
	return PyObject_IsInstance(obj.ptr(), ndarray) == 1 ||
	       PyObject_IsInstance(obj.ptr(), generic) == 1;
}

/* ---- explicit args --------------------------------------------------------- */

// vaccel.Arg(value, type): a value passed with the type the caller chose.
struct TypedArg {
	py::object value;
	vaccel_arg_type_t type;
	std::uint32_t custom_id;
};

/* ---- argument lists ---------------------------------------------------- */

// The vaccel_args of one exec/genop list, pointing into the Python objects
// (held exported) or into copies of immutable scalars kept here.
class Args {
public:
	Args(py::handle seq, bool writable, const char *what)
		: writable_(writable), what_(what)
	{
		if (seq.is_none())
			return;
		if (py::isinstance<py::str>(seq) || View::accepts(seq))
			throw py::type_error(std::string(what) +
					     ": expected a list of arguments, got " +
					     type_name(seq));
		py::object list = py::isinstance<py::sequence>(seq)
					  ? py::reinterpret_borrow<py::object>(seq)
					  : py::list(py::reinterpret_borrow<py::object>(seq));
		auto items = list.cast<py::sequence>();
		const std::size_t n = items.size();
		// Reserved up front: the args point into these vectors.
		args_.reserve(n);
		views_.reserve(n);
		scalars_.reserve(n);
		strings_.reserve(n);
		for (std::size_t i = 0; i < n; ++i)
			add(items[i], i);
	}

	vaccel_arg *data() { return args_.empty() ? nullptr : args_.data(); }
	std::size_t size() const { return args_.size(); }

private:
	std::string where(std::size_t i) const
	{
		return std::string(what_) + "[" + std::to_string(i) + "]";
	}

	void push(void *buf, std::size_t size, vaccel_arg_type_t type,
		  std::uint32_t custom_id = 0)
	{
		args_.push_back(vaccel_arg{buf, size, type, custom_id, false});
	}

	void need_readable_only(std::size_t i, py::handle obj)
	{
		if (writable_)
			throw py::type_error(where(i) + ": a " + type_name(obj) +
					     " cannot receive output; pass a "
					     "writable buffer (bytearray, numpy array)");
	}

	template <class T> void push_scalar(T v, vaccel_arg_type_t type,
					    std::uint32_t custom_id = 0)
	{
		std::uint64_t slot = 0;
		static_assert(sizeof(T) <= sizeof slot);
		std::memcpy(&slot, &v, sizeof v);
		scalars_.push_back(slot);
		push(&scalars_.back(), sizeof(T), type, custom_id);
	}

	const View &hold(py::handle obj, std::size_t i)
	{
		views_.emplace_back(obj, where(i));
		const View &v = views_.back();
		if (!v.c_contiguous())
			throw py::value_error(where(i) + ": the " + type_name(obj) +
					      " is not C-contiguous (no copy is "
					      "made; pass " + contiguous_hint(obj, "x") + ")");
		if (writable_ && v.readonly())
			throw py::value_error(where(i) + ": the " + type_name(obj) +
					      " is read-only and cannot receive output");
		return v;
	}

	void add_string(const std::string &s, vaccel_arg_type_t type,
			std::uint32_t custom_id = 0)
	{
		strings_.push_back(s);
		std::string &kept = strings_.back();
		// STRING args include the terminator; the others are the bytes.
		push(kept.data(), kept.size() + (type == VACCEL_ARG_STRING), type,
		     custom_id);
	}

	template <class T>
	void add_int_as(py::handle obj, vaccel_arg_type_t type, std::size_t i,
			std::uint32_t custom_id)
	{
		T v{};
		if constexpr (std::is_signed_v<T>) {
			long long x = PyLong_AsLongLong(obj.ptr());
			if (x == -1 && PyErr_Occurred())
				throw py::error_already_set();
			if (x < std::numeric_limits<T>::min() ||
			    x > std::numeric_limits<T>::max())
				throw py::value_error(where(i) + ": " +
						      std::to_string(x) +
						      " does not fit " +
						      vaccel_arg_type_to_str(type));
			v = static_cast<T>(x);
		} else {
			unsigned long long x = PyLong_AsUnsignedLongLong(obj.ptr());
			if (x == static_cast<unsigned long long>(-1) && PyErr_Occurred())
				throw py::error_already_set();
			if (x > std::numeric_limits<T>::max())
				throw py::value_error(where(i) + ": " +
						      std::to_string(x) +
						      " does not fit " +
						      vaccel_arg_type_to_str(type));
			v = static_cast<T>(x);
		}
		push_scalar(v, type, custom_id);
	}

	void add_typed(const TypedArg &a, std::size_t i)
	{
		py::handle obj = a.value;
		const vaccel_arg_type_t t = a.type;
		if (View::accepts(obj)) {
			const View &v = hold(obj, i);
			push(v.data(), v.nbytes(), t, a.custom_id);
			return;
		}
		need_readable_only(i, obj);
		if (py::isinstance<py::str>(obj)) {
			add_string(obj.cast<std::string>(), t, a.custom_id);
			return;
		}
		const bool number = PyLong_Check(obj.ptr()) || PyFloat_Check(obj.ptr()) ||
				    PyIndex_Check(obj.ptr());
		if (number) {
			py::object idx;
			if (t != VACCEL_ARG_FLOAT32 && t != VACCEL_ARG_FLOAT64) {
				if (PyFloat_Check(obj.ptr()))
					throw py::type_error(where(i) + ": a float cannot be a " +
							     vaccel_arg_type_to_str(t));
				idx = py::reinterpret_steal<py::object>(
					PyNumber_Index(obj.ptr()));
				if (!idx)
					throw py::error_already_set();
			}
			switch (t) {
			case VACCEL_ARG_INT8: return add_int_as<std::int8_t>(idx, t, i, a.custom_id);
			case VACCEL_ARG_INT16: return add_int_as<std::int16_t>(idx, t, i, a.custom_id);
			case VACCEL_ARG_INT32: return add_int_as<std::int32_t>(idx, t, i, a.custom_id);
			case VACCEL_ARG_INT64: return add_int_as<std::int64_t>(idx, t, i, a.custom_id);
			case VACCEL_ARG_UINT8: return add_int_as<std::uint8_t>(idx, t, i, a.custom_id);
			case VACCEL_ARG_UINT16: return add_int_as<std::uint16_t>(idx, t, i, a.custom_id);
			case VACCEL_ARG_UINT32: return add_int_as<std::uint32_t>(idx, t, i, a.custom_id);
			case VACCEL_ARG_UINT64: return add_int_as<std::uint64_t>(idx, t, i, a.custom_id);
			case VACCEL_ARG_CHAR: return add_int_as<signed char>(idx, t, i, a.custom_id);
			case VACCEL_ARG_UCHAR: return add_int_as<unsigned char>(idx, t, i, a.custom_id);
			case VACCEL_ARG_BOOL: return push_scalar<bool>(PyObject_IsTrue(obj.ptr()) == 1, t, a.custom_id);
			case VACCEL_ARG_FLOAT32: return push_scalar(obj.cast<float>(), t, a.custom_id);
			case VACCEL_ARG_FLOAT64: return push_scalar(obj.cast<double>(), t, a.custom_id);
			default:
				break;
			}
		}
		throw py::type_error(where(i) + ": cannot pass a " + type_name(obj) +
				     " as " + vaccel_arg_type_to_str(t));
	}

	void add(py::handle obj, std::size_t i)
	{
		if (py::isinstance<TypedArg>(obj))
			return add_typed(obj.cast<const TypedArg &>(), i);
		if (PyBool_Check(obj.ptr())) {
			need_readable_only(i, obj);
			return push_scalar<bool>(obj.ptr() == Py_True, VACCEL_ARG_BOOL);
		}
		if (py::isinstance<vaccel_op_type_t>(obj)) {
			need_readable_only(i, obj);
			const auto op = obj.cast<vaccel_op_type_t>();
			return push_scalar(static_cast<std::uint8_t>(op), VACCEL_ARG_UINT8);
		}
		if (PyLong_Check(obj.ptr())) {
			need_readable_only(i, obj);
			return add_int_as<std::int64_t>(obj, VACCEL_ARG_INT64, i, 0);
		}
		if (PyFloat_Check(obj.ptr())) {
			need_readable_only(i, obj);
			return push_scalar(PyFloat_AsDouble(obj.ptr()), VACCEL_ARG_FLOAT64);
		}
		if (py::isinstance<py::str>(obj)) {
			need_readable_only(i, obj);
			return add_string(obj.cast<std::string>(), VACCEL_ARG_STRING);
		}
		if (View::accepts(obj)) {
			// Arrays (numpy's, or any through DLPack) have a type;
			// other buffers are bytes.
			const bool numpy = is_numpy(obj);
			const View &v = hold(obj, i);
			if (!numpy && !v.dlpack())
				return push(v.data(), v.nbytes(), VACCEL_ARG_BUFFER);
			vaccel_arg_type_t t = element_type(v.dtype());
			if (t == VACCEL_ARG_MAX)
				throw py::type_error(
					where(i) + ": " + v.dtype().name() +
					" has no vAccel type; pass vaccel.Arg(x, type)");
			// A 0-d array or numpy scalar is a scalar; else an array
			// (each *_ARRAY type follows its scalar type).
			if (v.ndim() > 0)
				t = static_cast<vaccel_arg_type_t>(t + 1);
			return push(v.data(), v.nbytes(), t);
		}
		if (PyIndex_Check(obj.ptr())) {
			need_readable_only(i, obj);
			py::object idx = py::reinterpret_steal<py::object>(
				PyNumber_Index(obj.ptr()));
			if (!idx)
				throw py::error_already_set();
			return add_int_as<std::int64_t>(idx, VACCEL_ARG_INT64, i, 0);
		}
		throw py::type_error(where(i) + ": a " + type_name(obj) +
				     " cannot be passed to vAccel");
	}

	std::vector<vaccel_arg> args_;
	std::vector<View> views_;
	std::vector<std::uint64_t> scalars_;
	std::vector<std::string> strings_;
	bool writable_;
	const char *what_;
};

/* ---- session, resource ------------------------------------------------- */

class Session {
public:
	explicit Session(std::uint32_t hint)
	{
		int ret;
		{
			py::gil_scoped_release nogil;
			ret = vaccel_session_init(&s_, hint);
		}
		check(ret, "vaccel_session_init");
		live_ = true;
	}

	~Session()
	{
		if (live_.exchange(false))
			vaccel_session_release(&s_);
	}

	Session(const Session &) = delete;
	Session &operator=(const Session &) = delete;

	void release()
	{
		if (!live_.exchange(false))
			return;
		int ret;
		{
			py::gil_scoped_release nogil;
			ret = vaccel_session_release(&s_);
		}
		check(ret, "vaccel_session_release");
	}

	vaccel_session *get() { return &s_; }
	bool live() const { return live_; }
	std::int64_t id() const { return live_ ? s_.id : 0; }
	std::uint32_t hint() const { return s_.hint; }
	bool remote() const { return live_ && s_.is_virtio; }

private:
	vaccel_session s_{};
	std::atomic<bool> live_{false};
};

class Resource {
public:
	Resource(py::handle source, vaccel_resource_type_t type,
		 const std::optional<std::string> &filename)
	{
		int ret;
		const char *call;
		if (is_path(source)) {
			const std::string path =
				source.cast<std::filesystem::path>().string();
			py::gil_scoped_release nogil;
			call = "vaccel_resource_init";
			ret = vaccel_resource_init(&r_, path.c_str(), type);
		} else if (View::accepts(source)) {
			View v(source, "Resource");
			if (!v.c_contiguous())
				throw py::value_error("Resource: the buffer is not C-contiguous");
			const char *name = filename ? filename->c_str() : nullptr;
			py::gil_scoped_release nogil;
			// A memory-only resource borrows its bytes (as upstream's):
			// the object keeps a copy, since the caller's buffer may
			// change or go.
			const auto *p = static_cast<const uint8_t *>(v.data());
			bytes_.assign(p, p + v.nbytes());
			call = "vaccel_resource_init_from_buf";
			ret = vaccel_resource_init_from_buf(&r_, bytes_.data(),
							    bytes_.size(), type,
							    name, true);
		} else if (py::isinstance<py::sequence>(source)) {
			std::vector<std::string> paths;
			for (py::handle p : source) {
				if (!is_path(p))
					throw py::type_error("Resource: a list must hold paths, not " +
							     type_name(p));
				paths.push_back(p.cast<std::filesystem::path>().string());
			}
			std::vector<const char *> ptrs;
			for (const auto &p : paths)
				ptrs.push_back(p.c_str());
			py::gil_scoped_release nogil;
			call = "vaccel_resource_init_multi";
			ret = vaccel_resource_init_multi(&r_, ptrs.data(), ptrs.size(),
							 type);
		} else {
			throw py::type_error("Resource: expected a path, a list of paths "
					     "or bytes, got " + type_name(source));
		}
		check(ret, call);
		live_ = true;
	}

	~Resource()
	{
		if (live_.exchange(false))
			vaccel_resource_release(&r_);
	}

	Resource(const Resource &) = delete;
	Resource &operator=(const Resource &) = delete;

	void release()
	{
		if (!live_.exchange(false))
			return;
		int ret;
		{
			py::gil_scoped_release nogil;
			ret = vaccel_resource_release(&r_);
		}
		check(ret, "vaccel_resource_release");
	}

	void register_with(Session &s)
	{
		int ret;
		{
			py::gil_scoped_release nogil;
			ret = vaccel_resource_register(&r_, s.get());
		}
		check(ret, "vaccel_resource_register");
	}

	void unregister_from(Session &s)
	{
		int ret;
		{
			py::gil_scoped_release nogil;
			ret = vaccel_resource_unregister(&r_, s.get());
		}
		check(ret, "vaccel_resource_unregister");
	}

	vaccel_resource *get() { return &r_; }
	bool live() const { return live_; }
	std::int64_t id() const { return live_ ? r_.id : 0; }
	vaccel_resource_type_t type() const { return r_.type; }
	long refcount() const { return live_ ? vaccel_resource_refcount(&r_) : -1; }

private:
	vaccel_resource r_{};
	std::vector<uint8_t> bytes_; // what a memory-only resource borrows
	std::atomic<bool> live_{false};
};

/* ---- operations -------------------------------------------------------- */

// A float32, 2-D, C-contiguous array, for sgemm.
View matrix(py::handle obj, const char *name, bool writable)
{
	const std::string what = std::string("sgemm: ") + name;
	if (!View::accepts(obj))
		throw py::type_error(what + " must be a float32 array (numpy, torch or "
					    "another buffer or DLPack exporter), not a " +
				     type_name(obj));
	View v(obj, what);
	if (element_type(v.dtype()) != VACCEL_ARG_FLOAT32)
		throw py::type_error(what + " is " + v.dtype().name() +
				     ", not float32 (no copy is made; pass " +
				     astype_hint(obj, name, "float32") + ")");
	if (v.ndim() != 2)
		throw py::value_error(what + " must be 2-D, it has " +
				      std::to_string(v.ndim()) + " dimensions");
	if (!v.c_contiguous())
		throw py::value_error(what + " is not C-contiguous (no copy is made; "
					     "pass " + contiguous_hint(obj, name) + ")");
	if (writable && v.readonly())
		throw py::value_error(what + " is read-only");
	return v;
}

py::object sgemm(Session &s, py::handle a, py::handle b, py::object c,
		 float alpha, float beta)
{
	View va = matrix(a, "a", false);
	View vb = matrix(b, "b", false);
	const std::int64_t m = va.shape(0), k = va.shape(1), n = vb.shape(1);
	if (vb.shape(0) != k)
		throw py::value_error("sgemm: a is " + std::to_string(m) + "x" +
				      std::to_string(k) + " but b has " +
				      std::to_string(vb.shape(0)) + " rows");
	// The result is of the kind of a: a torch tensor for torch inputs.
	if (c.is_none() && is_torch(a)) {
		py::module_ torch = py::module_::import("torch");
		c = torch.attr("zeros")(m, n, py::arg("dtype") = torch.attr("float32"));
	} else if (c.is_none()) {
		c = py::module_::import("numpy").attr("zeros")(
			py::make_tuple(m, n), py::arg("dtype") = "float32");
	}
	View vc = matrix(c, "c", true);
	if (vc.shape(0) != m || vc.shape(1) != n)
		throw py::value_error("sgemm: c must be " + std::to_string(m) + "x" +
				      std::to_string(n) + ", it is " +
				      std::to_string(vc.shape(0)) + "x" +
				      std::to_string(vc.shape(1)));
	auto *pa = static_cast<float *>(va.data());
	auto *pb = static_cast<float *>(vb.data());
	auto *pc = static_cast<float *>(vc.data());
	const std::int64_t lda = k > 1 ? k : 1, ldb = n > 1 ? n : 1,
			   ldc = n > 1 ? n : 1;
	int ret;
	{
		py::gil_scoped_release nogil;
		ret = vaccel_sgemm(s.get(), m, n, k, alpha, pa, lda, pb, ldb, beta,
				   pc, ldc);
	}
	check(ret, "vaccel_sgemm");
	return c;
}

// The bytes of an image given as a buffer or as a path, borrowed or read.
struct Image {
	std::optional<View> view;
	std::string file;
	const void *data = nullptr;
	std::size_t size = 0;

	Image(py::handle obj, const char *what)
	{
		if (is_path(obj)) {
			const auto path = obj.cast<std::filesystem::path>();
			int err = 0;
			{
				py::gil_scoped_release nogil;
				errno = 0;
				std::ifstream in(path, std::ios::binary);
				if (in)
					file.assign(std::istreambuf_iterator<char>(in), {});
				else
					err = errno ? errno : VACCEL_ENOENT;
			}
			if (err)
				raise_error(err, std::string(what) + ": " + path.string());
			data = file.data();
			size = file.size();
		} else if (View::accepts(obj)) {
			view.emplace(obj, what);
			if (!view->c_contiguous())
				throw py::value_error(std::string(what) +
						      ": the image buffer is not C-contiguous");
			data = view->data();
			size = view->nbytes();
		} else {
			throw py::type_error(std::string(what) +
					     ": the image must be bytes or a path, not " +
					     type_name(obj));
		}
	}
};

std::string trimmed(std::string s)
{
	s.resize(std::strlen(s.c_str()));
	return s;
}

std::pair<std::string, std::string> classify(Session &s, py::handle image,
					     std::size_t max_len)
{
	Image img(image, "classify");
	std::string tag(max_len, '\0'), name(max_len, '\0');
	int ret;
	{
		py::gil_scoped_release nogil;
		ret = vaccel_image_classification(
			s.get(), img.data, reinterpret_cast<unsigned char *>(tag.data()),
			reinterpret_cast<unsigned char *>(name.data()), img.size,
			max_len, max_len);
	}
	check(ret, "vaccel_image_classification");
	return {trimmed(std::move(tag)), trimmed(std::move(name))};
}

using image_fn = int (*)(vaccel_session *, const void *, unsigned char *,
			 std::size_t, std::size_t);

template <image_fn Fn>
std::string image_op(Session &s, py::handle image, std::size_t max_len,
		     const char *what)
{
	Image img(image, what);
	std::string name(max_len, '\0');
	int ret;
	{
		py::gil_scoped_release nogil;
		ret = Fn(s.get(), img.data,
			 reinterpret_cast<unsigned char *>(name.data()), img.size,
			 max_len);
	}
	check(ret, what);
	return trimmed(std::move(name));
}

void exec(Session &s, const std::filesystem::path &library,
	  const std::string &symbol, py::handle read, py::handle write)
{
	const std::string lib = library.string();
	Args r(read, false, "read"), w(write, true, "write");
	int ret;
	{
		py::gil_scoped_release nogil;
		ret = vaccel_exec(s.get(), lib.c_str(), symbol.c_str(), r.data(),
				  r.size(), w.data(), w.size());
	}
	check(ret, "vaccel_exec");
}

void exec_with_resource(Session &s, Resource &res, const std::string &symbol,
			py::handle read, py::handle write)
{
	Args r(read, false, "read"), w(write, true, "write");
	int ret;
	{
		py::gil_scoped_release nogil;
		ret = vaccel_exec_with_resource(s.get(), res.get(), symbol.c_str(),
						r.data(), r.size(), w.data(),
						w.size());
	}
	check(ret, "vaccel_exec_with_resource");
}

int to_int(std::size_t n, const char *what)
{
	if (n > static_cast<std::size_t>(std::numeric_limits<int>::max()))
		throw py::value_error(std::string(what) + ": too many arguments");
	return static_cast<int>(n);
}

void genop(Session &s, py::handle read, py::handle write)
{
	Args r(read, false, "read"), w(write, true, "write");
	const int nr = to_int(r.size(), "genop"), nw = to_int(w.size(), "genop");
	int ret;
	{
		py::gil_scoped_release nogil;
		ret = vaccel_genop(s.get(), r.data(), nr, w.data(), nw);
	}
	check(ret, "vaccel_genop");
}

/* ---- torch ------------------------------------------------------------- */

struct TorchType {
	char kind; // as Dtype::kind
	std::size_t size;
	const char *numpy; // numpy dtype name
	vaccel_torch_data_type type;
};

constexpr TorchType kTorchTypes[] = {
	{'u', 1, "uint8", VACCEL_TORCH_BYTE},
	{'i', 1, "int8", VACCEL_TORCH_CHAR},
	{'i', 2, "int16", VACCEL_TORCH_SHORT},
	{'i', 4, "int32", VACCEL_TORCH_INT},
	{'i', 8, "int64", VACCEL_TORCH_LONG},
	{'f', 2, "float16", VACCEL_TORCH_HALF},
	{'f', 4, "float32", VACCEL_TORCH_FLOAT},
};

const TorchType *torch_type_of(const Dtype &d)
{
	if (d.swapped)
		return nullptr;
	for (const auto &tt : kTorchTypes)
		if (tt.kind == d.kind && tt.size * 8 == d.bits)
			return &tt;
	return nullptr;
}

const TorchType *torch_type_of(vaccel_torch_data_type type)
{
	for (const auto &tt : kTorchTypes)
		if (tt.type == type)
			return &tt;
	return nullptr;
}

void torch_model_load(Session &s, Resource &model)
{
	int ret;
	{
		py::gil_scoped_release nogil;
		ret = vaccel_torch_model_load(s.get(), model.get());
	}
	check(ret, "vaccel_torch_model_load");
}

// A plugin's output tensor as a numpy array, taking over its data when the
// tensor owns it (no copy), copying it otherwise.
py::array torch_output(vaccel_torch_tensor *t, std::size_t i)
{
	const TorchType *tt = torch_type_of(t->data_type);
	if (!tt)
		raise_error(VACCEL_EBACKEND,
			    "vaccel_torch_model_run: output " + std::to_string(i) +
				    " has unknown data type " +
				    std::to_string(static_cast<int>(t->data_type)));
	std::vector<py::ssize_t> shape;
	std::size_t elements = 1;
	for (std::int64_t d = 0; d < t->nr_dims; ++d) {
		if (t->dims[d] < 0)
			raise_error(VACCEL_EBACKEND, "vaccel_torch_model_run: output " +
							     std::to_string(i) +
							     " has a negative dimension");
		shape.push_back(static_cast<py::ssize_t>(t->dims[d]));
		elements *= static_cast<std::size_t>(t->dims[d]);
	}
	if (elements * tt->size != t->size)
		raise_error(VACCEL_EBACKEND,
			    "vaccel_torch_model_run: output " + std::to_string(i) +
				    " holds " + std::to_string(t->size) +
				    " bytes, its shape needs " +
				    std::to_string(elements * tt->size));
	py::dtype dtype(tt->numpy);
	if (t->owned && t->data) {
		void *data = nullptr;
		std::size_t size = 0;
		vaccel_torch_tensor_take_data(t, &data, &size);
		py::capsule owner(data, [](void *p) { std::free(p); });
		return py::array(dtype, shape, data, owner);
	}
	return py::array(dtype, shape, t->data); // copied
}

py::list torch_model_run(Session &s, Resource &model, py::sequence inputs,
			 std::optional<int> nr_outputs,
			 std::optional<py::bytes> run_options)
{
	const std::size_t n = inputs.size();
	std::vector<View> views;
	std::vector<std::vector<std::int64_t>> dims(n);
	std::vector<vaccel_torch_tensor> tensors(n);
	std::vector<vaccel_torch_tensor *> in(n);
	views.reserve(n);
	for (std::size_t i = 0; i < n; ++i) {
		py::handle obj = inputs[i];
		const std::string what = "torch_model_run: inputs[" + std::to_string(i) + "]";
		if (!View::accepts(obj))
			throw py::type_error(what + " must be a numpy array or a torch "
						    "tensor, not a " + type_name(obj));
		const View &v = views.emplace_back(obj, what);
		if (!v.c_contiguous())
			throw py::value_error(what + " is not C-contiguous (no copy is made; "
						     "pass " + contiguous_hint(obj, "x") + ")");
		const TorchType *tt = torch_type_of(v.dtype());
		if (!tt)
			throw py::type_error(what + " is " + v.dtype().name() +
					     "; torch tensors hold uint8, int8, int16, "
					     "int32, int64, float16 or float32");
		for (int d = 0; d < v.ndim(); ++d)
			dims[i].push_back(v.shape(d));
		vaccel_torch_tensor &t = tensors[i];
		t.data = v.data();
		t.size = v.nbytes();
		t.owned = false;
		t.nr_dims = v.ndim();
		t.dims = dims[i].empty() ? nullptr : dims[i].data();
		t.data_type = tt->type;
		in[i] = &t;
	}
	const int nr_in = to_int(n, "torch_model_run");
	const int nr_out = nr_outputs ? *nr_outputs : nr_in;
	if (nr_out < 0)
		throw py::value_error("torch_model_run: nr_outputs must be >= 0");
	std::string opts_bytes;
	vaccel_torch_buffer opts{};
	if (run_options) {
		opts_bytes = *run_options;
		opts.data = opts_bytes.data();
		opts.size = opts_bytes.size();
	}
	std::vector<vaccel_torch_tensor *> out(static_cast<std::size_t>(nr_out),
					       nullptr);
	int ret;
	{
		py::gil_scoped_release nogil;
		ret = vaccel_torch_model_run(s.get(), model.get(),
					     run_options ? &opts : nullptr,
					     in.empty() ? nullptr : in.data(), nr_in,
					     out.empty() ? nullptr : out.data(), nr_out);
	}
	// Whatever happens below, the tensors the plugin allocated are freed.
	struct Outputs {
		std::vector<vaccel_torch_tensor *> &v;
		~Outputs()
		{
			for (auto *t : v)
				if (t)
					vaccel_torch_tensor_delete(t);
		}
	} guard{out};
	check(ret, "vaccel_torch_model_run");
	py::list result;
	for (std::size_t i = 0; i < out.size(); ++i) {
		if (!out[i])
			raise_error(VACCEL_EBACKEND, "vaccel_torch_model_run: output " +
							     std::to_string(i) +
							     " was not produced");
		result.append(torch_output(out[i], i));
	}
	return result;
}

/* ---- profiling --------------------------------------------------------- */

class ProfRegion {
public:
	explicit ProfRegion(const std::string &name)
	{
		check(vaccel_prof_region_init(&r_, name.c_str()),
		      "vaccel_prof_region_init");
	}
	~ProfRegion() { vaccel_prof_region_release(&r_); }
	ProfRegion(const ProfRegion &) = delete;
	ProfRegion &operator=(const ProfRegion &) = delete;

	void start() { check(vaccel_prof_region_start(&r_), "vaccel_prof_region_start"); }
	void stop() { check(vaccel_prof_region_stop(&r_), "vaccel_prof_region_stop"); }
	std::uint64_t total_ns() const { return vaccel_prof_region_total(&r_); }
	std::size_t count() const { return r_.nr_entries; }
	std::string name() const { return r_.name ? r_.name : ""; }
	void print() const { check(vaccel_prof_region_print(&r_), "vaccel_prof_region_print"); }

	std::vector<std::pair<std::uint64_t, std::uint64_t>> samples() const
	{
		std::vector<std::pair<std::uint64_t, std::uint64_t>> s;
		s.reserve(r_.nr_entries);
		for (std::size_t i = 0; i < r_.nr_entries; ++i)
			s.emplace_back(r_.samples[i].start, r_.samples[i].time);
		return s;
	}

private:
	vaccel_prof_region r_{};
};

/* ---- runtime ----------------------------------------------------------- */

void bootstrap(std::optional<std::string> plugins,
	       std::optional<int> log_level, std::optional<std::string> log_file,
	       std::optional<bool> profiling, std::optional<bool> version_ignore)
{
	int ret;
	if (!plugins && !log_level && !log_file && !profiling && !version_ignore) {
		py::gil_scoped_release nogil;
		ret = vaccel_bootstrap();
		check(ret, "vaccel_bootstrap");
		return;
	}
	struct vaccel_config env{};
	check(vaccel_config_init_from_env(&env), "vaccel_config_init_from_env");
	struct vaccel_config cfg{};
	ret = vaccel_config_init(
		&cfg, plugins ? plugins->c_str() : env.plugins,
		log_level ? static_cast<vaccel_log_level_t>(*log_level) : env.log_level,
		log_file ? log_file->c_str() : env.log_file,
		profiling ? *profiling : env.profiling_enabled,
		version_ignore ? *version_ignore : env.version_ignore);
	vaccel_config_release(&env);
	check(ret, "vaccel_config_init");
	{
		py::gil_scoped_release nogil;
		ret = vaccel_bootstrap_with_config(&cfg);
	}
	vaccel_config_release(&cfg);
	check(ret, "vaccel_bootstrap_with_config");
}

void cleanup()
{
	int ret;
	{
		py::gil_scoped_release nogil;
		ret = vaccel_cleanup();
	}
	check(ret, "vaccel_cleanup");
}

/* Session.noop() is a plain CPython method (METH_NOARGS) rather than a
 * pybind11 one: pybind11's generic dispatcher (argument tuple, type lookup
 * of `self`) costs several times the operation itself, and noop is the
 * call that measures what vAccel adds (bench/python_noop.py). */
const py::detail::type_info *g_session_type = nullptr;

PyObject *session_noop(PyObject *self, PyObject *)
{
	auto *inst = reinterpret_cast<py::detail::instance *>(self);
	auto vh = inst->get_value_and_holder(g_session_type, false);
	auto *s = vh ? vh.value_ptr<Session>() : nullptr;
	if (!s) {
		PyErr_SetString(PyExc_TypeError, "noop: the Session is not initialised");
		return nullptr;
	}
	int ret;
	Py_BEGIN_ALLOW_THREADS
	ret = vaccel_noop(s->get());
	Py_END_ALLOW_THREADS
	if (ret != VACCEL_OK) {
		std::string why = vaccel_error_message();
		vaccel_error_clear();
		set_error(vaccel::Error(ret, "vaccel_noop", why));
		return nullptr;
	}
	Py_RETURN_NONE;
}

PyMethodDef g_noop_def = {
	"noop", session_noop, METH_NOARGS,
	"noop()\n--\n\nThe empty operation: the cost of a call (vaccel_noop)."};

std::string session_repr(const Session &s)
{
	if (!s.live())
		return "<vaccel.Session (released)>";
	char hint[32];
	std::snprintf(hint, sizeof hint, "0x%x", s.hint());
	return "<vaccel.Session id=" + std::to_string(s.id()) + " hint=" + hint +
	       (s.remote() ? " remote" : "") + ">";
}

std::string resource_repr(const Resource &r)
{
	if (!r.live())
		return "<vaccel.Resource (released)>";
	return "<vaccel.Resource id=" + std::to_string(r.id()) + " type=" +
	       vaccel_resource_type_to_base_str(r.type()) + ">";
}

#define VACCEL_PY_ENUM_VALUE_(e, NAME, VALUE) e.value(#NAME, decltype(e)::type(VALUE));

} // namespace

PYBIND11_MODULE(vaccel, m)
{
	m.doc() = R"(vAccel: hardware acceleration at function granularity.

A Session runs operations (noop, sgemm, image classification, exec,
genop, torch models ...) through the plugins the runtime loaded: those
named by VACCEL_PLUGINS, read when the process first uses vAccel, or given
to bootstrap(). With the rpc plugin the same calls run on a vaccel-agent.

Arrays and byte buffers (numpy, torch CPU tensors, anything with the
buffer protocol or DLPack) are passed without copies; outputs are written
into the caller's memory. Failed calls raise vaccel.Error, whose ``code``
is the C API's errno value. The GIL is released while the runtime works.)";
	m.attr("__version__") = VACCEL_VERSION;

	py::exec(kErrorSource, m.attr("__dict__"));
	g_error = m.attr("Error").ptr();
	Py_INCREF(g_error);
	py::register_local_exception_translator([](std::exception_ptr p) {
		try {
			if (p)
				std::rethrow_exception(p);
		} catch (const vaccel::Error &e) {
			set_error(e);
		}
	});

	py::enum_<vaccel_resource_type_t> rtype(m, "ResourceType",
						"What a Resource holds.");
	VACCEL_RESOURCE_TYPE_LIST(VACCEL_PY_ENUM_VALUE_, rtype)

	py::enum_<vaccel_arg_type_t> atype(m, "ArgType",
					   "The type of an exec/genop argument "
					   "(VACCEL_ARG_*), for vaccel.Arg.");
	VACCEL_ARG_TYPE_LIST(VACCEL_PY_ENUM_VALUE_, atype)

	py::enum_<vaccel_op_type_t> otype(m, "Op",
					  "Operation codes: the first read argument "
					  "of Session.genop() (passed as UINT8).");
	VACCEL_OP_TYPE_LIST(VACCEL_PY_ENUM_VALUE_, otype)

	py::enum_<vaccel_plugin_type_t> ptype(m, "PluginType",
					      "Plugin kinds, combined with | as a "
					      "Session's hint.",
					      py::arithmetic());
	VACCEL_PLUGIN_TYPE_LIST(VACCEL_PY_ENUM_VALUE_, ptype)

	py::class_<TypedArg>(m, "Arg", R"(An exec/genop argument with an explicit type.

Arg(value, type, custom_id=0): value is a buffer (bytes, bytearray, numpy
array, torch tensor ...: its bytes, unconverted, borrowed), an int, float
or bool (converted to the C type of a scalar ``type``, range-checked) or a str
(its UTF-8 bytes; NUL-terminated for ArgType.STRING). Only buffers can be
written to.)")
		.def(py::init([](py::object value, vaccel_arg_type_t type,
				 std::uint32_t custom_id) {
			     return TypedArg{std::move(value), type, custom_id};
		     }),
		     py::arg("value"), py::arg("type"), py::arg("custom_id") = 0)
		.def_readonly("value", &TypedArg::value, "The value passed.")
		.def_readonly("type", &TypedArg::type, "Its ArgType.")
		.def_readonly("custom_id", &TypedArg::custom_id,
			      "The custom type id (ArgType.CUSTOM).")
		.def("__repr__", [](const TypedArg &a) {
			return std::string("vaccel.Arg(") +
			       py::repr(a.value).cast<std::string>() + ", ArgType." +
			       vaccel_arg_type_to_base_str(a.type) + ")";
		});

	py::class_<Session>(m, "Session", R"(A vAccel session: the context operations run in.

Session(hint=0): ``hint`` is a combination of PluginType bits preferred
when the runtime picks the plugin of each operation (0: no preference).
Use it as a context manager, or call release(); a session is released
when garbage-collected too.)")
		.def(py::init<std::uint32_t>(), py::arg("hint") = 0)
		.def("release", &Session::release,
		     "Release the session (and unregister its resources). "
		     "Idempotent; operations afterwards raise Error(EINVAL).")
		.def("__enter__", [](Session &s) -> Session & { return s; },
		     py::return_value_policy::reference_internal)
		.def("__exit__",
		     [](Session &s, py::handle type, py::handle, py::handle) {
			     try {
				     s.release();
			     } catch (const vaccel::Error &) {
				     if (type.is_none())
					     throw;
			     }
		     })
		.def_property_readonly("id", &Session::id,
				       "Its id (> 0); 0 once released.")
		.def_property_readonly("hint", &Session::hint,
				       "The hint it was created with.")
		.def_property_readonly("is_remote", &Session::remote,
				       "True once its operations go to a vaccel-agent (the rpc "
				       "plugin connects at the first operation).")
		.def_property_readonly("released", [](const Session &s) { return !s.live(); },
				       "True once released.")
		.def("has", [](Session &s, Resource &r) {
			     return vaccel_session_has_resource(s.get(), r.get());
		     }, py::arg("resource"),
		     "True if the resource is registered with this session.")
		.def("sgemm", &sgemm, py::arg("a"), py::arg("b"), py::arg("c") = py::none(),
		     py::arg("alpha") = 1.0F, py::arg("beta") = 0.0F,
		     R"(c = alpha * a @ b + beta * c, in place (vaccel_sgemm).

a (m x k), b (k x n) and c (m x n) are 2-D, C-contiguous float32 arrays:
numpy arrays, torch CPU tensors, other buffers or DLPack exporters of that
layout, used without copies: c is written in place and returned. Without
c, a zeroed m x n array is made (a torch tensor if a is one, else numpy's).
Raises TypeError for another dtype and ValueError for a wrong shape, a
non-contiguous array, a read-only c or device memory.)")
		.def("classify", &classify, py::arg("image"), py::arg("max_len") = 256,
		     R"(Classify an image: returns (tag, image_name).

image is bytes-like (borrowed) or a path (read). Each result is cut to
max_len - 1 characters.)")
		.def("detect", [](Session &s, py::handle img, std::size_t len) {
			     return image_op<vaccel_image_detection>(s, img, len, "vaccel_image_detection");
		     }, py::arg("image"), py::arg("max_len") = 256,
		     "Object detection on an image (bytes or path): returns the "
		     "name of the image produced.")
		.def("segment", [](Session &s, py::handle img, std::size_t len) {
			     return image_op<vaccel_image_segmentation>(s, img, len, "vaccel_image_segmentation");
		     }, py::arg("image"), py::arg("max_len") = 256,
		     "Image segmentation: returns the name of the image produced.")
		.def("pose", [](Session &s, py::handle img, std::size_t len) {
			     return image_op<vaccel_image_pose>(s, img, len, "vaccel_image_pose");
		     }, py::arg("image"), py::arg("max_len") = 256,
		     "Pose estimation: returns the name of the image produced.")
		.def("depth", [](Session &s, py::handle img, std::size_t len) {
			     return image_op<vaccel_image_depth>(s, img, len, "vaccel_image_depth");
		     }, py::arg("image"), py::arg("max_len") = 256,
		     "Depth estimation: returns the name of the image produced.")
		.def("exec", &exec, py::arg("library"), py::arg("symbol"),
		     py::arg("read") = py::tuple(), py::arg("write") = py::tuple(),
		     R"(Run ``int symbol(read, nr_read, write, nr_write)`` from a shared library.

Arguments map to vaccel_arg types: int -> INT64, float -> FLOAT64,
bool -> BOOL, str -> STRING, Op -> UINT8, bytes/bytearray/memoryview ->
BUFFER, numpy arrays and DLPack tensors (torch) -> <dtype>_ARRAY (0-d ones
and numpy scalars -> <dtype>), vaccel.Arg -> its type. Buffers are borrowed: write arguments
must be writable buffers and receive the outputs in place.)")
		.def("exec_with_resource", &exec_with_resource, py::arg("resource"),
		     py::arg("symbol"), py::arg("read") = py::tuple(),
		     py::arg("write") = py::tuple(),
		     "As exec(), with the library of a LIB Resource registered with "
		     "this session.")
		.def("genop", &genop, py::arg("read"), py::arg("write") = py::tuple(),
		     R"(Any operation through its generic form (vaccel_genop).

read[0] is the Op; the arguments follow in the layout of docs/api.md,
mapped as for exec() (use vaccel.Arg for types the mapping cannot give,
e.g. Arg(x, ArgType.FLOAT32)).)")
		.def("torch_model_load", &torch_model_load, py::arg("model"),
		     "Load the TorchScript model of a MODEL resource registered with "
		     "this session.")
		.def("torch_model_run", &torch_model_run, py::arg("model"),
		     py::arg("inputs"), py::arg("nr_outputs") = py::none(),
		     py::arg("run_options") = py::none(),
		     R"(Run a loaded torch model: returns its outputs as numpy arrays.

inputs are C-contiguous numpy arrays or torch CPU tensors of uint8, int8,
int16, int32, int64, float16 or float32, passed without copies with their
shapes. nr_outputs
defaults to the number of inputs. The outputs take over the memory the
plugin allocated (no copy).)")
		.def("__repr__", &session_repr);

	g_session_type = py::detail::get_type_info(typeid(Session));
	{
		py::object session_cls = m.attr("Session");
		py::object noop = py::reinterpret_steal<py::object>(PyDescr_NewMethod(
			reinterpret_cast<PyTypeObject *>(session_cls.ptr()), &g_noop_def));
		if (!noop)
			throw py::error_already_set();
		session_cls.attr("noop") = noop;
	}

	py::class_<Resource>(m, "Resource", R"(A model, library or data that operations use.

Resource(source, type, filename=None): source is a path (str or
os.PathLike; a directory's files become its blobs), a list of paths, or
bytes-like data (copied, kept in memory, named ``filename``). A missing
path raises Error(ENOENT). Register it with the sessions that use it.
Use it as a context manager, or call release().)")
		.def(py::init([](py::handle source, vaccel_resource_type_t type,
				 std::optional<std::string> filename) {
			     return std::make_unique<Resource>(source, type, filename);
		     }),
		     py::arg("source"), py::arg("type"), py::arg("filename") = py::none())
		.def("register", &Resource::register_with, py::arg("session"),
		     "Register with a session. Error(EEXIST) if already registered.")
		.def("unregister", &Resource::unregister_from, py::arg("session"),
		     "Unregister from a session. Error(ENOENT) if not registered.")
		.def("release", &Resource::release,
		     "Release it, unregistering it from every session. Idempotent.")
		.def("__enter__", [](Resource &r) -> Resource & { return r; },
		     py::return_value_policy::reference_internal)
		.def("__exit__",
		     [](Resource &r, py::handle type, py::handle, py::handle) {
			     try {
				     r.release();
			     } catch (const vaccel::Error &) {
				     if (type.is_none())
					     throw;
			     }
		     })
		.def_property_readonly("id", &Resource::id, "Its id (> 0); 0 once released.")
		.def_property_readonly("type", &Resource::type, "Its ResourceType.")
		.def_property_readonly("refcount", &Resource::refcount,
				       "The number of sessions it is registered with.")
		.def_property_readonly("released", [](const Resource &r) { return !r.live(); },
				       "True once released.")
		.def("__repr__", &resource_repr);

	py::class_<ProfRegion>(m, "ProfRegion", R"(A named profiling region.

Each start()/stop() pair (or ``with region:`` block) records one sample
while profiling is enabled (VACCEL_PROFILING_ENABLED=1, prof_enable(True)
or bootstrap(profiling=True)), and nothing otherwise. One thread at a
time.)")
		.def(py::init<const std::string &>(), py::arg("name"))
		.def("start", &ProfRegion::start, "Open a sample.")
		.def("stop", &ProfRegion::stop, "Close the open sample.")
		.def("__enter__", [](ProfRegion &r) -> ProfRegion & {
			     r.start();
			     return r;
		     }, py::return_value_policy::reference_internal)
		.def("__exit__", [](ProfRegion &r, py::handle, py::handle, py::handle) {
			r.stop();
		})
		.def_property_readonly("name", &ProfRegion::name, "Its name.")
		.def_property_readonly("count", &ProfRegion::count, "The number of samples.")
		.def_property_readonly("total_ns", &ProfRegion::total_ns,
				       "The samples' total time, in nanoseconds.")
		.def_property_readonly("samples", &ProfRegion::samples,
				       "The samples, as (start_ns, time_ns) tuples.")
		.def("print", &ProfRegion::print,
		     "Log the total (nothing without samples).");

	m.def("prof_enabled", [] { return vaccel_prof_enabled(); },
	      "True if profiling is enabled.");
	m.def("prof_enable", [](bool on) { vaccel_prof_enable(on); }, py::arg("on") = true,
	      "Enable or disable profiling process-wide.");

	m.def("bootstrap", &bootstrap, py::arg("plugins") = py::none(),
	      py::kw_only(), py::arg("log_level") = py::none(),
	      py::arg("log_file") = py::none(), py::arg("profiling") = py::none(),
	      py::arg("version_ignore") = py::none(),
	      R"((Re)start the runtime: load the plugins and settings given.

Settings not given come from the environment (VACCEL_PLUGINS ...); with
none given this is vaccel_bootstrap(). plugins is ':'-separated paths or
names. Raises Error(EBUSY) while sessions or resources are alive. Not
needed otherwise: the runtime starts from the environment on first use.)");
	m.def("cleanup", &cleanup,
	      "Release every session, resource and plugin (vaccel_cleanup). "
	      "Python objects still referring to them become released.");
	m.def("is_initialized", [] { return vaccel_is_initialized(); },
	      "True once the runtime has started.");
	m.def("_empty", [] {},
	      "Does nothing: the cost of a pybind11 call, for benchmarks.");
}
