// SPDX-License-Identifier: Apache-2.0
// Typed entry points: validate what the runtime can, then dispatch. Plugins
// receive only arguments that passed these checks.
#include "dispatch.hpp"

#include <cinttypes>

using namespace vaccel::ops;

namespace {

// A model or library that operations use must be registered with the
// session that uses it.
int check_registered(vaccel_op_type_t op, vaccel_session *sess,
		     vaccel_resource *res, vaccel_resource_type_t type)
{
	if (!vaccel::core::session_impl(sess)) {
		vaccel_error("%s: invalid session", vaccel_op_type_to_str(op));
		return VACCEL_EINVAL;
	}
	if (!res || res->id <= 0) {
		vaccel_error("%s: invalid resource", vaccel_op_type_to_str(op));
		return VACCEL_EINVAL;
	}
	if (res->type != type) {
		vaccel_error("%s: resource %" PRId64 " is %s, expected %s",
			     vaccel_op_type_to_str(op), res->id,
			     vaccel_resource_type_to_str(res->type),
			     vaccel_resource_type_to_str(type));
		return VACCEL_EINVAL;
	}
	if (!vaccel_session_has_resource(sess, res)) {
		vaccel_error("%s: resource %" PRId64
			     " is not registered with session %" PRId64,
			     vaccel_op_type_to_str(op), res->id,
			     sess ? sess->id : 0);
		return VACCEL_EPERM;
	}
	return VACCEL_OK;
}

bool args_ok(const vaccel_arg *args, size_t n)
{
	if (n && !args)
		return false;
	for (size_t i = 0; i < n; ++i)
		if (args[i].size && !args[i].buf)
			return false;
	return true;
}

} // namespace

extern "C" {

int vaccel_noop(struct vaccel_session *sess)
{
	return dispatch<VACCEL_OP_NOOP, vaccel_op_noop_fn>(sess);
}

int vaccel_sgemm(struct vaccel_session *sess, int64_t m, int64_t n, int64_t k,
		 float alpha, float *a, int64_t lda, float *b, int64_t ldb,
		 float beta, float *c, int64_t ldc)
{
	constexpr auto op = VACCEL_OP_BLAS_SGEMM;
	VACCEL_CHECK(m >= 0 && n >= 0 && k >= 0, op, "negative dimension");
	VACCEL_CHECK(lda >= (k > 1 ? k : 1) && ldb >= (n > 1 ? n : 1) &&
			     ldc >= (n > 1 ? n : 1),
		     op, "leading dimension smaller than the row length");
	VACCEL_CHECK((a || m * k == 0) && (b || k * n == 0) && (c || m * n == 0),
		     op, "NULL matrix");
	return dispatch<op, vaccel_op_sgemm_fn>(sess, m, n, k, alpha, a, lda, b,
						ldb, beta, c, ldc);
}

int vaccel_exec(struct vaccel_session *sess, const char *library,
		const char *fn_symbol, struct vaccel_arg *read, size_t nr_read,
		struct vaccel_arg *write, size_t nr_write)
{
	constexpr auto op = VACCEL_OP_EXEC;
	VACCEL_CHECK(library && *library && fn_symbol && *fn_symbol, op,
		     "library and symbol are required");
	VACCEL_CHECK(args_ok(read, nr_read) && args_ok(write, nr_write), op,
		     "NULL arguments");
	return dispatch<op, vaccel_op_exec_fn>(sess, library, fn_symbol, read,
					       nr_read, write, nr_write);
}

int vaccel_exec_with_resource(struct vaccel_session *sess,
			      struct vaccel_resource *resource,
			      const char *fn_symbol, struct vaccel_arg *read,
			      size_t nr_read, struct vaccel_arg *write,
			      size_t nr_write)
{
	constexpr auto op = VACCEL_OP_EXEC_WITH_RESOURCE;
	VACCEL_CHECK(fn_symbol && *fn_symbol, op, "symbol is required");
	VACCEL_CHECK(args_ok(read, nr_read) && args_ok(write, nr_write), op,
		     "NULL arguments");
	if (int ret = check_registered(op, sess, resource, VACCEL_RESOURCE_LIB))
		return ret;
	return dispatch<op, vaccel_op_exec_with_resource_fn>(
		sess, resource, fn_symbol, read, nr_read, write, nr_write);
}

} // extern "C"

namespace {

int image_op(vaccel_op_type_t op, vaccel_session *sess, const void *img,
	     unsigned char *out_text, unsigned char *out_imgname,
	     size_t len_img, size_t len_out_text, size_t len_out_imgname)
{
	if (!img || !len_img) {
		vaccel_error("%s: empty image", vaccel_op_type_to_str(op));
		return VACCEL_EINVAL;
	}
	if ((out_text == nullptr) != (len_out_text == 0) ||
	    (out_imgname == nullptr) != (len_out_imgname == 0)) {
		vaccel_error("%s: output buffer and length disagree",
			     vaccel_op_type_to_str(op));
		return VACCEL_EINVAL;
	}
	switch (op) {
	case VACCEL_OP_IMAGE_CLASSIFY:
		return dispatch<VACCEL_OP_IMAGE_CLASSIFY, vaccel_op_image_fn>(
			sess, img, out_text, out_imgname, len_img,
			len_out_text, len_out_imgname);
	case VACCEL_OP_IMAGE_DETECT:
		return dispatch<VACCEL_OP_IMAGE_DETECT, vaccel_op_image_fn>(
			sess, img, out_text, out_imgname, len_img,
			len_out_text, len_out_imgname);
	case VACCEL_OP_IMAGE_SEGMENT:
		return dispatch<VACCEL_OP_IMAGE_SEGMENT, vaccel_op_image_fn>(
			sess, img, out_text, out_imgname, len_img,
			len_out_text, len_out_imgname);
	case VACCEL_OP_IMAGE_POSE:
		return dispatch<VACCEL_OP_IMAGE_POSE, vaccel_op_image_fn>(
			sess, img, out_text, out_imgname, len_img,
			len_out_text, len_out_imgname);
	default:
		return dispatch<VACCEL_OP_IMAGE_DEPTH, vaccel_op_image_fn>(
			sess, img, out_text, out_imgname, len_img,
			len_out_text, len_out_imgname);
	}
}

} // namespace

extern "C" {

int vaccel_image_classification(struct vaccel_session *sess, const void *img,
				unsigned char *out_text,
				unsigned char *out_imgname, size_t len_img,
				size_t len_out_text, size_t len_out_imgname)
{
	if (!out_text || !len_out_text) {
		vaccel_error("VACCEL_OP_IMAGE_CLASSIFY: no buffer for the tag");
		return VACCEL_EINVAL;
	}
	return image_op(VACCEL_OP_IMAGE_CLASSIFY, sess, img, out_text,
			out_imgname, len_img, len_out_text, len_out_imgname);
}

int vaccel_image_detection(struct vaccel_session *sess, const void *img,
			   unsigned char *out_imgname, size_t len_img,
			   size_t len_out_imgname)
{
	return image_op(VACCEL_OP_IMAGE_DETECT, sess, img, nullptr, out_imgname,
			len_img, 0, len_out_imgname);
}

int vaccel_image_segmentation(struct vaccel_session *sess, const void *img,
			      unsigned char *out_imgname, size_t len_img,
			      size_t len_out_imgname)
{
	return image_op(VACCEL_OP_IMAGE_SEGMENT, sess, img, nullptr,
			out_imgname, len_img, 0, len_out_imgname);
}

int vaccel_image_pose(struct vaccel_session *sess, const void *img,
		      unsigned char *out_imgname, size_t len_img,
		      size_t len_out_imgname)
{
	return image_op(VACCEL_OP_IMAGE_POSE, sess, img, nullptr, out_imgname,
			len_img, 0, len_out_imgname);
}

int vaccel_image_depth(struct vaccel_session *sess, const void *img,
		       unsigned char *out_imgname, size_t len_img,
		       size_t len_out_imgname)
{
	return image_op(VACCEL_OP_IMAGE_DEPTH, sess, img, nullptr, out_imgname,
			len_img, 0, len_out_imgname);
}

int vaccel_fpga_arraycopy(struct vaccel_session *sess, int a[], int out_a[],
			  size_t len_a)
{
	constexpr auto op = VACCEL_OP_FPGA_ARRAYCOPY;
	VACCEL_CHECK(len_a == 0 || (a && out_a), op, "NULL array");
	return dispatch<op, vaccel_op_fpga_arraycopy_fn>(sess, a, out_a, len_a);
}

int vaccel_fpga_mmult(struct vaccel_session *sess, float a[], float b[],
		      float c[], size_t len_a)
{
	constexpr auto op = VACCEL_OP_FPGA_MMULT;
	VACCEL_CHECK(len_a == 0 || (a && b && c), op, "NULL array");
	return dispatch<op, vaccel_op_fpga_mmult_fn>(sess, a, b, c, len_a);
}

int vaccel_fpga_parallel(struct vaccel_session *sess, float a[], float b[],
			 float add_output[], float mult_output[], size_t len_a)
{
	constexpr auto op = VACCEL_OP_FPGA_PARALLEL;
	VACCEL_CHECK(len_a == 0 || (a && b && add_output && mult_output), op,
		     "NULL array");
	return dispatch<op, vaccel_op_fpga_parallel_fn>(sess, a, b, add_output,
							mult_output, len_a);
}

int vaccel_fpga_vadd(struct vaccel_session *sess, float a[], float b[],
		     float c[], size_t len_a, size_t len_b)
{
	constexpr auto op = VACCEL_OP_FPGA_VECTORADD;
	VACCEL_CHECK((len_a == 0 || a) && (len_b == 0 || b) &&
			     (len_a + len_b == 0 || c),
		     op, "NULL array");
	return dispatch<op, vaccel_op_fpga_vadd_fn>(sess, a, b, c, len_a, len_b);
}

int vaccel_minmax(struct vaccel_session *sess, const double *indata, int ndata,
		  int low_threshold, int high_threshold, double *outdata,
		  double *min, double *max)
{
	constexpr auto op = VACCEL_OP_MINMAX;
	VACCEL_CHECK(ndata > 0 && indata && outdata && min && max, op,
		     "NULL or empty data");
	return dispatch<op, vaccel_op_minmax_fn>(sess, indata, ndata,
						 low_threshold, high_threshold,
						 outdata, min, max);
}

int vaccel_opencv_unpack(struct vaccel_session *sess, struct vaccel_arg *read,
			 int nr_read, struct vaccel_arg *write, int nr_write)
{
	constexpr auto op = VACCEL_OP_OPENCV;
	VACCEL_CHECK(nr_read >= 0 && nr_write >= 0 &&
			     args_ok(read, (size_t)nr_read) &&
			     args_ok(write, (size_t)nr_write),
		     op, "invalid arguments");
	return dispatch<op, vaccel_op_opencv_fn>(sess, read, nr_read, write,
						 nr_write);
}

int vaccel_torch_model_load(struct vaccel_session *sess,
			    struct vaccel_resource *model)
{
	constexpr auto op = VACCEL_OP_TORCH_MODEL_LOAD;
	if (int ret = check_registered(op, sess, model, VACCEL_RESOURCE_MODEL))
		return ret;
	return dispatch<op, vaccel_op_torch_model_load_fn>(sess, model);
}

int vaccel_torch_model_run(struct vaccel_session *sess,
			   struct vaccel_resource *model,
			   const struct vaccel_torch_buffer *run_options,
			   struct vaccel_torch_tensor *const *inputs,
			   int nr_inputs, struct vaccel_torch_tensor **outputs,
			   int nr_outputs)
{
	constexpr auto op = VACCEL_OP_TORCH_MODEL_RUN;
	VACCEL_CHECK(nr_inputs >= 0 && nr_outputs >= 0 &&
			     (nr_inputs == 0 || inputs) &&
			     (nr_outputs == 0 || outputs),
		     op, "invalid tensors");
	// The constructors accept data NULL with a size, as upstream's do: a
	// tensor or buffer like that is refused here, before anything reads it.
	for (int i = 0; i < nr_inputs; ++i)
		VACCEL_CHECK(inputs[i] && (inputs[i]->data || !inputs[i]->size),
			     op, "input tensor %d is NULL", i);
	VACCEL_CHECK(!run_options || run_options->data || !run_options->size,
		     op, "run options of %zu bytes have no data",
		     run_options ? run_options->size : 0);
	if (int ret = check_registered(op, sess, model, VACCEL_RESOURCE_MODEL))
		return ret;
	return dispatch<op, vaccel_op_torch_model_run_fn>(
		sess, model, run_options, inputs, nr_inputs, outputs,
		nr_outputs);
}

int vaccel_torch_sgemm(struct vaccel_session *sess,
		       struct vaccel_torch_tensor **in_A,
		       struct vaccel_torch_tensor **in_B,
		       struct vaccel_torch_tensor **in_C, int M, int N, int K,
		       struct vaccel_torch_tensor **out)
{
	constexpr auto op = VACCEL_OP_TORCH_SGEMM;
	VACCEL_CHECK(in_A && in_B && in_C && out && M >= 0 && N >= 0 && K >= 0,
		     op, "invalid arguments");
	return dispatch<op, vaccel_op_torch_sgemm_fn>(sess, in_A, in_B, in_C, M,
						      N, K, out);
}

int vaccel_tf_model_load(struct vaccel_session *sess,
			 struct vaccel_resource *model,
			 struct vaccel_tf_status *status)
{
	constexpr auto op = VACCEL_OP_TF_MODEL_LOAD;
	if (int ret = check_registered(op, sess, model, VACCEL_RESOURCE_MODEL))
		return ret;
	return dispatch<op, vaccel_op_tf_model_load_fn>(sess, model, status);
}

int vaccel_tf_model_unload(struct vaccel_session *sess,
			   struct vaccel_resource *model,
			   struct vaccel_tf_status *status)
{
	constexpr auto op = VACCEL_OP_TF_MODEL_UNLOAD;
	if (int ret = check_registered(op, sess, model, VACCEL_RESOURCE_MODEL))
		return ret;
	return dispatch<op, vaccel_op_tf_model_unload_fn>(sess, model, status);
}

int vaccel_tf_model_run(struct vaccel_session *sess,
			struct vaccel_resource *model,
			const struct vaccel_tf_buffer *run_options,
			const struct vaccel_tf_node *in_nodes,
			struct vaccel_tf_tensor *const *in_tensors,
			int nr_inputs, const struct vaccel_tf_node *out_nodes,
			struct vaccel_tf_tensor **out_tensors, int nr_outputs,
			struct vaccel_tf_status *status)
{
	constexpr auto op = VACCEL_OP_TF_MODEL_RUN;
	VACCEL_CHECK(nr_inputs >= 0 && nr_outputs >= 0 &&
			     (nr_inputs == 0 || (in_nodes && in_tensors)) &&
			     (nr_outputs == 0 || (out_nodes && out_tensors)),
		     op, "invalid tensors");
	for (int i = 0; i < nr_inputs; ++i)
		VACCEL_CHECK(in_tensors[i] &&
				     (in_tensors[i]->data || !in_tensors[i]->size),
			     op, "input tensor %d is NULL", i);
	VACCEL_CHECK(!run_options || run_options->data || !run_options->size,
		     op, "run options of %zu bytes have no data",
		     run_options ? run_options->size : 0);
	if (int ret = check_registered(op, sess, model, VACCEL_RESOURCE_MODEL))
		return ret;
	return dispatch<op, vaccel_op_tf_model_run_fn>(
		sess, model, run_options, in_nodes, in_tensors, nr_inputs,
		out_nodes, out_tensors, nr_outputs, status);
}

int vaccel_tflite_model_load(struct vaccel_session *sess,
			     struct vaccel_resource *model)
{
	constexpr auto op = VACCEL_OP_TFLITE_MODEL_LOAD;
	if (int ret = check_registered(op, sess, model, VACCEL_RESOURCE_MODEL))
		return ret;
	return dispatch<op, vaccel_op_tflite_model_load_fn>(sess, model);
}

int vaccel_tflite_model_unload(struct vaccel_session *sess,
			       struct vaccel_resource *model)
{
	constexpr auto op = VACCEL_OP_TFLITE_MODEL_UNLOAD;
	if (int ret = check_registered(op, sess, model, VACCEL_RESOURCE_MODEL))
		return ret;
	return dispatch<op, vaccel_op_tflite_model_unload_fn>(sess, model);
}

int vaccel_tflite_model_run(struct vaccel_session *sess,
			    struct vaccel_resource *model,
			    struct vaccel_tflite_tensor *const *inputs,
			    int nr_inputs,
			    struct vaccel_tflite_tensor **outputs,
			    int nr_outputs, uint8_t *status)
{
	constexpr auto op = VACCEL_OP_TFLITE_MODEL_RUN;
	VACCEL_CHECK(nr_inputs >= 0 && nr_outputs >= 0 &&
			     (nr_inputs == 0 || inputs) &&
			     (nr_outputs == 0 || outputs),
		     op, "invalid tensors");
	for (int i = 0; i < nr_inputs; ++i)
		VACCEL_CHECK(inputs[i] && (inputs[i]->data || !inputs[i]->size),
			     op, "input tensor %d is NULL", i);
	if (int ret = check_registered(op, sess, model, VACCEL_RESOURCE_MODEL))
		return ret;
	return dispatch<op, vaccel_op_tflite_model_run_fn>(
		sess, model, inputs, nr_inputs, outputs, nr_outputs, status);
}

} // extern "C"
