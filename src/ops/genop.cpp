// SPDX-License-Identifier: Apache-2.0
// vaccel_genop(): every operation reachable through one entry point whose
// arguments are vaccel_args. Each op's argument layout (docs/api.md) is
// decoded here once, with every size checked before a byte is touched, and
// the typed entry point is then called, so genop gets the same validation
// and plugin selection as a direct call. A remote transport can forward any
// operation as a genop.
#include "dispatch.hpp"

#include <cinttypes>

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace {

// Walks a read or write list, logging exactly which argument was wrong.
class Reader {
public:
	Reader(vaccel_op_type_t op, const char *dir, vaccel_arg *args, int n)
		: op_(op), dir_(dir)
	{
		vaccel_arg_array_wrap(&arr_, args, n > 0 ? (size_t)n : 0);
	}
	size_t left() const
	{
		return vaccel_arg_array_remaining_count(&arr_);
	}
	bool fail(int ret, const char *what)
	{
		if (ret)
			vaccel_error("genop %s: %s arg %zu (%s): %s",
				     vaccel_op_type_to_str(op_), dir_,
				     arr_.position, what,
				     ret == VACCEL_ERANGE ? "missing"
							  : "wrong type or size");
		return ret != 0;
	}
	bool i64(int64_t &v, const char *what)
	{
		return !fail(vaccel_arg_array_get_int64(&arr_, &v), what);
	}
	bool f32(float &v, const char *what)
	{
		return !fail(vaccel_arg_array_get_float(&arr_, &v), what);
	}
	bool f32s(float *&v, size_t &n, const char *what)
	{
		void *p = nullptr;
		if (!take(VACCEL_ARG_FLOAT32_ARRAY, sizeof(float), p, n, what))
			return false;
		v = static_cast<float *>(p);
		n /= sizeof(float);
		return true;
	}
	bool str(char *&v, const char *what)
	{
		return !fail(vaccel_arg_array_get_string(&arr_, &v), what);
	}
	bool buffer(void *&v, size_t &n, const char *what)
	{
		return take(VACCEL_ARG_BUFFER, 1, v, n, what);
	}
	bool uchars(unsigned char *&v, size_t &n, const char *what)
	{
		void *p = nullptr;
		if (!take(VACCEL_ARG_UCHAR_ARRAY, 1, p, n, what))
			return false;
		v = static_cast<unsigned char *>(p);
		return true;
	}
	// Any type of arg, at least @p min bytes: the fpga and minmax layouts
	// take untyped buffers.
	bool bytes(void *&v, size_t &n, size_t min, const char *what)
	{
		if (!take(VACCEL_ARG_MAX, 1, v, n, what))
			return false;
		if (n < min) {
			vaccel_error("genop %s: %s arg %zu (%s): %zu bytes, "
				     "need %zu",
				     vaccel_op_type_to_str(op_), dir_,
				     arr_.position - 1, what, n, min);
			return false;
		}
		return true;
	}
	bool rest(vaccel_arg *&args, size_t &n)
	{
		return vaccel_arg_array_get_remaining(&arr_, &args, &n) == 0;
	}

private:
	// The next arg's bytes, of type @p type (VACCEL_ARG_MAX: any type), a
	// multiple of @p elem. Unlike the public getters this takes empty
	// arrays and buffers: genop carries what the typed function accepts
	// (an empty output, a matrix with no rows), and that function decides.
	bool take(vaccel_arg_type_t type, size_t elem, void *&v, size_t &n,
		  const char *what)
	{
		int ret = VACCEL_OK;
		if (arr_.position >= arr_.count) {
			ret = VACCEL_ERANGE;
		} else {
			const vaccel_arg &a = arr_.args[arr_.position];
			if ((type != VACCEL_ARG_MAX && a.type != type) ||
			    (a.size && !a.buf) || a.size % elem)
				ret = VACCEL_EINVAL;
		}
		if (fail(ret, what))
			return false;
		v = arr_.args[arr_.position].buf;
		n = arr_.args[arr_.position].size;
		arr_.position++;
		return true;
	}

	vaccel_op_type_t op_;
	const char *dir_;
	vaccel_arg_array arr_{};
};

bool exact(vaccel_op_type_t op, int nr_read, int want_read, int nr_write,
	   int want_write)
{
	if (nr_read == want_read && nr_write == want_write)
		return true;
	vaccel_error("genop %s: %d read and %d write args, expected %d and %d",
		     vaccel_op_type_to_str(op), nr_read, nr_write, want_read,
		     want_write);
	return false;
}

int image(vaccel_op_type_t op, vaccel_session *sess, vaccel_arg *read,
	  int nr_read, vaccel_arg *write, int nr_write)
{
	const bool classify = op == VACCEL_OP_IMAGE_CLASSIFY;
	if (!exact(op, nr_read, 1, nr_write, classify ? 2 : 1))
		return VACCEL_EINVAL;
	Reader r(op, "read", read, nr_read), w(op, "write", write, nr_write);
	void *img;
	size_t len_img;
	unsigned char *name, *text = nullptr;
	size_t len_name, len_text = 0;
	if (!r.buffer(img, len_img, "image") ||
	    !w.uchars(name, len_name, "out_imgname") ||
	    (classify && !w.uchars(text, len_text, "out_text")))
		return VACCEL_EINVAL;
	switch (op) {
	case VACCEL_OP_IMAGE_CLASSIFY:
		return vaccel_image_classification(sess, img, text, name,
						   len_img, len_text, len_name);
	case VACCEL_OP_IMAGE_DETECT:
		return vaccel_image_detection(sess, img, name, len_img,
					      len_name);
	case VACCEL_OP_IMAGE_SEGMENT:
		return vaccel_image_segmentation(sess, img, name, len_img,
						 len_name);
	case VACCEL_OP_IMAGE_POSE:
		return vaccel_image_pose(sess, img, name, len_img, len_name);
	default:
		return vaccel_image_depth(sess, img, name, len_img, len_name);
	}
}

int sgemm(vaccel_session *sess, vaccel_arg *read, int nr_read,
	  vaccel_arg *write, int nr_write)
{
	constexpr auto op = VACCEL_OP_BLAS_SGEMM;
	if (!exact(op, nr_read, 10, nr_write, 1))
		return VACCEL_EINVAL;
	Reader r(op, "read", read, nr_read), w(op, "write", write, nr_write);
	int64_t m, n, k, lda, ldb, ldc;
	float alpha, beta, *a, *b, *c;
	size_t na, nb, nc;
	if (!r.i64(m, "m") || !r.i64(n, "n") || !r.i64(k, "k") ||
	    !r.f32(alpha, "alpha") || !r.f32s(a, na, "a") ||
	    !r.i64(lda, "lda") || !r.f32s(b, nb, "b") || !r.i64(ldb, "ldb") ||
	    !r.f32(beta, "beta") || !r.i64(ldc, "ldc") ||
	    !w.f32s(c, nc, "c"))
		return VACCEL_EINVAL;
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
	return vaccel_sgemm(sess, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

int exec(vaccel_session *sess, vaccel_arg *read, int nr_read,
	 vaccel_arg *write, int nr_write)
{
	constexpr auto op = VACCEL_OP_EXEC;
	Reader r(op, "read", read, nr_read);
	char *lib, *sym;
	vaccel_arg *rest;
	size_t nr_rest;
	if (!r.str(lib, "library") || !r.str(sym, "symbol") ||
	    !r.rest(rest, nr_rest))
		return VACCEL_EINVAL;
	return vaccel_exec(sess, lib, sym, rest, nr_rest, write,
			   nr_write > 0 ? (size_t)nr_write : 0);
}

int exec_with_resource(vaccel_session *sess, vaccel_arg *read, int nr_read,
		       vaccel_arg *write, int nr_write)
{
	constexpr auto op = VACCEL_OP_EXEC_WITH_RESOURCE;
	Reader r(op, "read", read, nr_read);
	int64_t id;
	char *sym;
	vaccel_arg *rest;
	size_t nr_rest;
	if (!r.i64(id, "resource id") || !r.str(sym, "symbol") ||
	    !r.rest(rest, nr_rest))
		return VACCEL_EINVAL;
	vaccel_resource *res = nullptr;
	if (vaccel_session_resource_by_id(sess, &res, id) != VACCEL_OK) {
		vaccel_error("genop %s: resource %" PRId64
			     " is not registered with the session",
			     vaccel_op_type_to_str(op), id);
		return VACCEL_EPERM;
	}
	return vaccel_exec_with_resource(sess, res, sym, rest, nr_rest, write,
					 nr_write > 0 ? (size_t)nr_write : 0);
}

int fpga(vaccel_op_type_t op, vaccel_session *sess, vaccel_arg *read,
	 int nr_read, vaccel_arg *write, int nr_write)
{
	Reader r(op, "read", read, nr_read), w(op, "write", write, nr_write);
	void *a, *b, *c, *d;
	size_t na, nb, nc, nd;
	switch (op) {
	case VACCEL_OP_FPGA_ARRAYCOPY:
		if (!exact(op, nr_read, 1, nr_write, 1) ||
		    !r.bytes(a, na, 0, "a") ||
		    !w.bytes(c, nc, na - na % sizeof(int), "out_a"))
			return VACCEL_EINVAL;
		return vaccel_fpga_arraycopy(sess, (int *)a, (int *)c,
					     na / sizeof(int));
	case VACCEL_OP_FPGA_MMULT:
		if (!exact(op, nr_read, 2, nr_write, 1) ||
		    !r.bytes(a, na, 0, "a") || !r.bytes(b, nb, na, "b") ||
		    !w.bytes(c, nc, na - na % sizeof(float), "c"))
			return VACCEL_EINVAL;
		return vaccel_fpga_mmult(sess, (float *)a, (float *)b,
					 (float *)c, na / sizeof(float));
	case VACCEL_OP_FPGA_PARALLEL:
		if (!exact(op, nr_read, 2, nr_write, 2) ||
		    !r.bytes(a, na, 0, "a") || !r.bytes(b, nb, na, "b") ||
		    !w.bytes(c, nc, na - na % sizeof(float), "add_output") ||
		    !w.bytes(d, nd, na - na % sizeof(float), "mult_output"))
			return VACCEL_EINVAL;
		return vaccel_fpga_parallel(sess, (float *)a, (float *)b,
					    (float *)c, (float *)d,
					    na / sizeof(float));
	default: {
		if (!exact(op, nr_read, 2, nr_write, 1) ||
		    !r.bytes(a, na, 0, "a") || !r.bytes(b, nb, 0, "b"))
			return VACCEL_EINVAL;
		size_t out = (na > nb ? na : nb);
		if (!w.bytes(c, nc, out - out % sizeof(float), "c"))
			return VACCEL_EINVAL;
		return vaccel_fpga_vadd(sess, (float *)a, (float *)b,
					(float *)c, na / sizeof(float),
					nb / sizeof(float));
	}
	}
}

int minmax(vaccel_session *sess, vaccel_arg *read, int nr_read,
	   vaccel_arg *write, int nr_write)
{
	constexpr auto op = VACCEL_OP_MINMAX;
	if (!exact(op, nr_read, 4, nr_write, 3))
		return VACCEL_EINVAL;
	Reader r(op, "read", read, nr_read), w(op, "write", write, nr_write);
	void *in, *nd, *lo, *hi, *out, *mn, *mx;
	size_t sin, s1, s2, s3, sout, s4, s5;
	if (!r.bytes(in, sin, 0, "indata") ||
	    !r.bytes(nd, s1, sizeof(int), "ndata") ||
	    !r.bytes(lo, s2, sizeof(int), "low_threshold") ||
	    !r.bytes(hi, s3, sizeof(int), "high_threshold"))
		return VACCEL_EINVAL;
	int ndata = *static_cast<int *>(nd);
	if (ndata <= 0 || (size_t)ndata > sin / sizeof(double)) {
		vaccel_error("genop %s: ndata %d does not fit %zu bytes",
			     vaccel_op_type_to_str(op), ndata, sin);
		return VACCEL_EINVAL;
	}
	if (!w.bytes(out, sout, (size_t)ndata * sizeof(double), "outdata") ||
	    !w.bytes(mn, s4, sizeof(double), "min") ||
	    !w.bytes(mx, s5, sizeof(double), "max"))
		return VACCEL_EINVAL;
	return vaccel_minmax(sess, static_cast<double *>(in), ndata,
			     *static_cast<int *>(lo), *static_cast<int *>(hi),
			     static_cast<double *>(out),
			     static_cast<double *>(mn),
			     static_cast<double *>(mx));
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
	if (code >= VACCEL_OP_MAX) {
		vaccel_error("genop: unknown operation %u", code);
		return VACCEL_ENOTSUP;
	}
	auto op = static_cast<vaccel_op_type_t>(code);
	vaccel_arg *rd = read + 1;
	int nr = nr_read - 1;
	switch (op) {
	case VACCEL_OP_NOOP:
		if (!exact(op, nr, 0, nr_write, 0))
			return VACCEL_EINVAL;
		return vaccel_noop(sess);
	case VACCEL_OP_EXEC:
		return exec(sess, rd, nr, write, nr_write);
	case VACCEL_OP_EXEC_WITH_RESOURCE:
		return exec_with_resource(sess, rd, nr, write, nr_write);
	case VACCEL_OP_IMAGE_CLASSIFY:
	case VACCEL_OP_IMAGE_DETECT:
	case VACCEL_OP_IMAGE_SEGMENT:
	case VACCEL_OP_IMAGE_POSE:
	case VACCEL_OP_IMAGE_DEPTH:
		return image(op, sess, rd, nr, write, nr_write);
	case VACCEL_OP_BLAS_SGEMM:
		return sgemm(sess, rd, nr, write, nr_write);
	case VACCEL_OP_FPGA_ARRAYCOPY:
	case VACCEL_OP_FPGA_MMULT:
	case VACCEL_OP_FPGA_PARALLEL:
	case VACCEL_OP_FPGA_VECTORADD:
		return fpga(op, sess, rd, nr, write, nr_write);
	case VACCEL_OP_MINMAX:
		return minmax(sess, rd, nr, write, nr_write);
	case VACCEL_OP_OPENCV:
		return vaccel_opencv_unpack(sess, rd, nr, write, nr_write);
	default:
		// Model operations take tensors and resources that do not fit
		// a flat argument list; call their typed entry points.
		vaccel_error("genop: %s has no generic form; use its typed "
			     "function", vaccel_op_type_to_str(op));
		return VACCEL_ENOTSUP;
	}
}
