// SPDX-License-Identifier: Apache-2.0
// vaccel_genop(): every operation reachable through one entry point whose
// arguments are vaccel_args. Each op's argument layout is its row of the
// table in layout.hpp: the args are checked against it (count, types, sizes)
// before a byte is touched, and the typed entry point is then called, so
// genop gets the same validation and plugin selection as a direct call. A
// remote transport forwards every operation in this form.
#include "dispatch.hpp"
#include "layout.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstring>

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace {

using vaccel::ops::Layout;
using vaccel::ops::Slot;

// One checked argument.
struct Val {
	void *p = nullptr;
	size_t n = 0;

	template <class T> T as() const
	{
		T v;
		std::memcpy(&v, p, sizeof v);
		return v;
	}
	template <class T> T *ptr() const
	{
		return static_cast<T *>(p);
	}
};

// The largest layout's number of slots.
constexpr size_t kMaxSlots = [] {
	size_t m = 0;
	for (const Layout &l : vaccel::ops::kLayouts)
		m = std::max({m, l.read.size(), l.write.size()});
	return m;
}();

// Check @p args against @p slots (the rest, if any, are the caller's) and
// take each slot's bytes into @p out.
bool take(vaccel_op_type_t op, const char *dir, std::span<const Slot> slots,
	  const vaccel_arg *args, size_t n, Val *out)
{
	for (size_t i = 0; i < slots.size(); ++i) {
		const Slot &s = slots[i];
		if (i >= n) {
			vaccel_error("genop %s: %s arg %zu (%s): missing",
				     vaccel_op_type_to_str(op), dir, i, s.name);
			return false;
		}
		const vaccel_arg &a = args[i];
		bool ok = !(a.size && !a.buf);
		if (s.type != VACCEL_ARG_MAX) {
			// Empty arrays and buffers pass: the typed function
			// decides (an empty output, a matrix with no rows).
			const size_t e = vaccel::ops::elem_size(s.type);
			ok = ok && a.type == s.type && e && a.size % e == 0;
			if (vaccel::ops::is_scalar(s.type))
				ok = ok && a.size == e;
			if (s.type == VACCEL_ARG_STRING)
				ok = ok && a.size &&
				     static_cast<const char *>(a.buf)[a.size - 1] ==
					     '\0';
		}
		if (!ok) {
			vaccel_error("genop %s: %s arg %zu (%s): wrong type or "
				     "size",
				     vaccel_op_type_to_str(op), dir, i, s.name);
			return false;
		}
		out[i] = Val{a.buf, a.size};
	}
	return true;
}

// @p v holds at least @p min bytes (an untyped slot).
bool at_least(vaccel_op_type_t op, const Val &v, size_t min, const char *what)
{
	if (v.n >= min)
		return true;
	vaccel_error("genop %s: %s: %zu bytes, need %zu",
		     vaccel_op_type_to_str(op), what, v.n, min);
	return false;
}

int sgemm(vaccel_session *sess, const Val *r, const Val *w)
{
	constexpr auto op = VACCEL_OP_BLAS_SGEMM;
	const auto m = r[0].as<int64_t>(), n = r[1].as<int64_t>(),
		   k = r[2].as<int64_t>(), lda = r[5].as<int64_t>(),
		   ldb = r[7].as<int64_t>(), ldc = r[9].as<int64_t>();
	const size_t na = r[4].n / 4, nb = r[6].n / 4, nc = w[0].n / 4;
	// The matrices must hold what the dimensions claim.
	auto need = [](int64_t rows, int64_t cols, int64_t ld) -> int64_t {
		return rows && cols ? (rows - 1) * ld + cols : 0;
	};
	if (m < 0 || n < 0 || k < 0 || lda < 1 || ldb < 1 || ldc < 1 ||
	    m > (1 << 30) || n > (1 << 30) || k > (1 << 30) ||
	    lda > (1 << 30) || ldb > (1 << 30) || ldc > (1 << 30) ||
	    (int64_t)na < need(m, k, lda) || (int64_t)nb < need(k, n, ldb) ||
	    (int64_t)nc < need(m, n, ldc)) {
		vaccel_error("genop %s: matrices smaller than m=%" PRId64
			     " n=%" PRId64 " k=%" PRId64 " imply",
			     vaccel_op_type_to_str(op), m, n, k);
		return VACCEL_EINVAL;
	}
	return vaccel_sgemm(sess, m, n, k, r[3].as<float>(), r[4].ptr<float>(),
			    lda, r[6].ptr<float>(), ldb, r[8].as<float>(),
			    w[0].ptr<float>(), ldc);
}

int fpga(vaccel_op_type_t op, vaccel_session *sess, const Val *r,
	 const Val *w)
{
	const size_t na = r[0].n;
	const size_t floats = na - na % sizeof(float);
	switch (op) {
	case VACCEL_OP_FPGA_ARRAYCOPY:
		if (!at_least(op, w[0], na - na % sizeof(int), "out_a"))
			return VACCEL_EINVAL;
		return vaccel_fpga_arraycopy(sess, r[0].ptr<int>(),
					     w[0].ptr<int>(), na / sizeof(int));
	case VACCEL_OP_FPGA_MMULT:
		if (!at_least(op, r[1], na, "b") ||
		    !at_least(op, w[0], floats, "c"))
			return VACCEL_EINVAL;
		return vaccel_fpga_mmult(sess, r[0].ptr<float>(),
					 r[1].ptr<float>(), w[0].ptr<float>(),
					 na / sizeof(float));
	case VACCEL_OP_FPGA_PARALLEL:
		if (!at_least(op, r[1], na, "b") ||
		    !at_least(op, w[0], floats, "add_output") ||
		    !at_least(op, w[1], floats, "mult_output"))
			return VACCEL_EINVAL;
		return vaccel_fpga_parallel(sess, r[0].ptr<float>(),
					    r[1].ptr<float>(), w[0].ptr<float>(),
					    w[1].ptr<float>(),
					    na / sizeof(float));
	default: {
		const size_t out = std::max(na, r[1].n);
		if (!at_least(op, w[0], out - out % sizeof(float), "c"))
			return VACCEL_EINVAL;
		return vaccel_fpga_vadd(sess, r[0].ptr<float>(),
					r[1].ptr<float>(), w[0].ptr<float>(),
					na / sizeof(float),
					r[1].n / sizeof(float));
	}
	}
}

int minmax(vaccel_session *sess, const Val *r, const Val *w)
{
	constexpr auto op = VACCEL_OP_MINMAX;
	if (!at_least(op, r[1], sizeof(int), "ndata") ||
	    !at_least(op, r[2], sizeof(int), "low_threshold") ||
	    !at_least(op, r[3], sizeof(int), "high_threshold"))
		return VACCEL_EINVAL;
	const int ndata = r[1].as<int>();
	if (ndata <= 0 || (size_t)ndata > r[0].n / sizeof(double)) {
		vaccel_error("genop %s: ndata %d does not fit %zu bytes",
			     vaccel_op_type_to_str(op), ndata, r[0].n);
		return VACCEL_EINVAL;
	}
	if (!at_least(op, w[0], (size_t)ndata * sizeof(double), "outdata") ||
	    !at_least(op, w[1], sizeof(double), "min") ||
	    !at_least(op, w[2], sizeof(double), "max"))
		return VACCEL_EINVAL;
	return vaccel_minmax(sess, r[0].ptr<double>(), ndata, r[2].as<int>(),
			     r[3].as<int>(), w[0].ptr<double>(),
			     w[1].ptr<double>(), w[2].ptr<double>());
}

// The typed call of @p op on checked args: @p r and @p w, one per slot;
// @p rest / @p write, what follows them for a layout with the caller's own
// args (exec), or all of them for one passed through (opencv).
int invoke(vaccel_op_type_t op, vaccel_session *sess, const Val *r,
	   const Val *w, vaccel_arg *rest, size_t nr_rest, vaccel_arg *write,
	   size_t nr_write)
{
	switch (op) {
	case VACCEL_OP_NOOP:
		return vaccel_noop(sess);
	case VACCEL_OP_EXEC:
		return vaccel_exec(sess, r[0].ptr<char>(), r[1].ptr<char>(), rest,
				   nr_rest, write, nr_write);
	case VACCEL_OP_EXEC_WITH_RESOURCE: {
		const auto id = r[0].as<int64_t>();
		vaccel_resource *res = nullptr;
		if (vaccel_session_resource_by_id(sess, &res, id) != VACCEL_OK) {
			vaccel_error("genop %s: resource %" PRId64
				     " is not registered with the session",
				     vaccel_op_type_to_str(op), id);
			return VACCEL_EPERM;
		}
		return vaccel_exec_with_resource(sess, res, r[1].ptr<char>(),
						 rest, nr_rest, write,
						 nr_write);
	}
	case VACCEL_OP_IMAGE_CLASSIFY:
		return vaccel_image_classification(
			sess, r[0].p, w[1].ptr<unsigned char>(),
			w[0].ptr<unsigned char>(), r[0].n, w[1].n, w[0].n);
	case VACCEL_OP_IMAGE_DETECT:
		return vaccel_image_detection(sess, r[0].p,
					      w[0].ptr<unsigned char>(), r[0].n,
					      w[0].n);
	case VACCEL_OP_IMAGE_SEGMENT:
		return vaccel_image_segmentation(sess, r[0].p,
						 w[0].ptr<unsigned char>(),
						 r[0].n, w[0].n);
	case VACCEL_OP_IMAGE_POSE:
		return vaccel_image_pose(sess, r[0].p, w[0].ptr<unsigned char>(),
					 r[0].n, w[0].n);
	case VACCEL_OP_IMAGE_DEPTH:
		return vaccel_image_depth(sess, r[0].p, w[0].ptr<unsigned char>(),
					  r[0].n, w[0].n);
	case VACCEL_OP_BLAS_SGEMM:
		return sgemm(sess, r, w);
	case VACCEL_OP_FPGA_ARRAYCOPY:
	case VACCEL_OP_FPGA_MMULT:
	case VACCEL_OP_FPGA_PARALLEL:
	case VACCEL_OP_FPGA_VECTORADD:
		return fpga(op, sess, r, w);
	case VACCEL_OP_MINMAX:
		return minmax(sess, r, w);
	case VACCEL_OP_OPENCV:
		return vaccel_opencv_unpack(sess, rest, (int)nr_rest, write,
					    (int)nr_write);
	default:
		// A row marked generic without a call here.
		vaccel_error("genop: %s has no call", vaccel_op_type_to_str(op));
		return VACCEL_ENOTSUP;
	}
}

} // namespace

extern "C" int vaccel_genop(struct vaccel_session *sess,
			    struct vaccel_arg *read, int nr_read,
			    struct vaccel_arg *write, int nr_write)
{
	if (nr_read < 1 || !read || nr_write < 0 || (nr_write > 0 && !write)) {
		vaccel_error("genop: the operation type must be the first read "
			     "argument");
		return VACCEL_EINVAL;
	}
	vaccel_arg_array head{};
	vaccel_arg_array_wrap(&head, read, 1);
	uint8_t code;
	if (vaccel_arg_array_get_uint8(&head, &code) != VACCEL_OK) {
		vaccel_error("genop: read arg 0 must be a VACCEL_ARG_UINT8 "
			     "operation type");
		return VACCEL_EINVAL;
	}
	const Layout *l = vaccel::ops::layout(code);
	if (!l) {
		vaccel_error("genop: unknown operation %u", code);
		return VACCEL_ENOTSUP;
	}
	auto op = static_cast<vaccel_op_type_t>(code);
	if (!l->generic) {
		// Model operations take tensors and resources that do not fit
		// a flat argument list; call their typed entry points.
		vaccel_error("genop: %s has no generic form; use its typed "
			     "function", vaccel_op_type_to_str(op));
		return VACCEL_ENOTSUP;
	}
	vaccel_arg *rd = read + 1;
	const size_t nr = (size_t)nr_read - 1, nw = (size_t)nr_write;
	if (l->pass)
		return invoke(op, sess, nullptr, nullptr, rd, nr, write, nw);
	if (l->rest ? nr < l->read.size()
		    : (nr != l->read.size() || nw != l->write.size())) {
		vaccel_error("genop %s: %zu read and %zu write args, expected "
			     "%s%zu and %zu",
			     vaccel_op_type_to_str(op), nr, nw,
			     l->rest ? "at least " : "", l->read.size(),
			     l->write.size());
		return VACCEL_EINVAL;
	}
	Val r[kMaxSlots], w[kMaxSlots];
	if (!take(op, "read", l->read, rd, nr, r) ||
	    !take(op, "write", l->write, write, l->rest ? 0 : nw, w))
		return VACCEL_EINVAL;
	const size_t taken = l->read.size();
	return invoke(op, sess, r, w, rd + taken, nr - taken,
		      l->rest ? write : nullptr, l->rest ? nw : 0);
}
