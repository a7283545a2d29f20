/* SPDX-License-Identifier: Apache-2.0 */
/*
 * noop: implements every operation without doing the work. It logs its
 * arguments at debug level and writes fixed, documented outputs, so tests
 * can tell that a call arrived, with which arguments, and check the outputs
 * bit for bit locally and remotely. Written in C to show that plugins need
 * nothing but the public headers.
 *
 * Its outputs are upstream vAccel's noop plugin's, the test double that
 * programs and their tests are written against (docs/plugins.md):
 *   image classify out_text "This is a dummy classification tag!", and
 *                  out_imgname "This is a dummy imgname!" (as every other
 *                  image op), cut to fit with a NUL, as snprintf does
 *   exec*          one write arg of the first read arg's size, a whole
 *                  number of ints: a copy of that read arg; else untouched
 *   fpga_arraycopy out_a = a; mmult c[i] = 9.1; vadd c[i] = a[i] + b[i];
 *   fpga_parallel  add = a + b, mult = 1
 *   minmax         outdata = indata, min = -1, max = 10000
 *   opencv         each write arg's first size_t: its size in floats
 *   tf / tflite / torch run
 *                  outputs[i]: a copy of inputs[i % nr_inputs], its type,
 *                  dimensions and bytes; tf statuses say "Operation handled
 *                  by noop plugin"
 * One output is this project's own, where upstream's leaves the output as
 * it was and a transport test needs to see it travel:
 *   sgemm          c[i][j] = alpha * (i + j) + beta * c[i][j]
 */
#include <vaccel.h>

#include "common/tensor_out.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOOP_STATUS "Operation handled by noop plugin"
#define NOOP_TAG "This is a dummy classification tag!"
#define NOOP_IMGNAME "This is a dummy imgname!"

static void put_str(unsigned char *out, size_t len, const char *s)
{
	if (!out || !len)
		return;
	size_t n = strlen(s);
	if (n >= len)
		n = len - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

static void log_args(const char *what, const struct vaccel_arg *args,
		     size_t n)
{
	for (size_t i = 0; i < n; ++i)
		vaccel_debug("[noop] %s[%zu]: type %s, %zu bytes", what, i,
			     vaccel_arg_type_to_str(args[i].type),
			     args[i].size);
}

static int noop_noop(struct vaccel_session *sess)
{
	vaccel_debug("[noop] noop, session %" PRId64, sess->id);
	return VACCEL_OK;
}

/* exec's answer: the input echoed when there is one output shaped like the
 * first input and made of ints; anything else is left as it was. */
static void echo_input(const struct vaccel_arg *read, size_t nr_read,
		       struct vaccel_arg *write, size_t nr_write)
{
	if (nr_write != 1 || nr_read < 1 || write[0].size != read[0].size ||
	    write[0].size % sizeof(int) != 0 || !write[0].buf || !read[0].buf)
		return;
	memmove(write[0].buf, read[0].buf, write[0].size);
}

static int noop_exec(struct vaccel_session *sess, const char *library,
		     const char *fn_symbol, struct vaccel_arg *read,
		     size_t nr_read, struct vaccel_arg *write, size_t nr_write)
{
	vaccel_debug("[noop] exec %s:%s, session %" PRId64
		     ", %zu read, %zu write",
		     library, fn_symbol, sess->id, nr_read, nr_write);
	log_args("read", read, nr_read);
	log_args("write", write, nr_write);
	echo_input(read, nr_read, write, nr_write);
	return VACCEL_OK;
}

static int noop_exec_with_resource(struct vaccel_session *sess,
				   struct vaccel_resource *res,
				   const char *fn_symbol,
				   struct vaccel_arg *read, size_t nr_read,
				   struct vaccel_arg *write, size_t nr_write)
{
	vaccel_debug("[noop] exec_with_resource %" PRId64 ":%s, session %" PRId64,
		     res->id, fn_symbol, sess->id);
	log_args("read", read, nr_read);
	log_args("write", write, nr_write);
	echo_input(read, nr_read, write, nr_write);
	return VACCEL_OK;
}

static int image(const char *op, struct vaccel_session *sess, const void *img,
		 unsigned char *out_text, unsigned char *out_imgname,
		 size_t len_img, size_t len_out_text, size_t len_out_imgname)
{
	(void)img;
	vaccel_debug("[noop] image %s, session %" PRId64 ", %zu bytes", op,
		     sess->id, len_img);
	if (strcmp(op, "classify") == 0)
		put_str(out_text, len_out_text, NOOP_TAG);
	put_str(out_imgname, len_out_imgname, NOOP_IMGNAME);
	return VACCEL_OK;
}

#define NOOP_IMAGE(fn, opname)                                                \
	static int fn(struct vaccel_session *sess, const void *img,           \
		      unsigned char *out_text, unsigned char *out_imgname,    \
		      size_t len_img, size_t len_out_text,                    \
		      size_t len_out_imgname)                                 \
	{                                                                     \
		return image(opname, sess, img, out_text, out_imgname,        \
			     len_img, len_out_text, len_out_imgname);         \
	}
NOOP_IMAGE(noop_classify, "classify")
NOOP_IMAGE(noop_detect, "detect")
NOOP_IMAGE(noop_segment, "segment")
NOOP_IMAGE(noop_pose, "pose")
NOOP_IMAGE(noop_depth, "depth")

static int noop_sgemm(struct vaccel_session *sess, int64_t m, int64_t n,
		      int64_t k, float alpha, float *a, int64_t lda, float *b,
		      int64_t ldb, float beta, float *c, int64_t ldc)
{
	(void)a;
	(void)b;
	vaccel_debug("[noop] sgemm m=%" PRId64 " n=%" PRId64 " k=%" PRId64
		     " alpha=%f lda=%" PRId64 " ldb=%" PRId64 " beta=%f "
		     "ldc=%" PRId64 ", session %" PRId64,
		     m, n, k, (double)alpha, lda, ldb, (double)beta, ldc,
		     sess->id);
	for (int64_t i = 0; i < m; ++i)
		for (int64_t j = 0; j < n; ++j) {
			float *x = &c[i * ldc + j];
			*x = alpha * (float)(i + j) + beta * *x;
		}
	return VACCEL_OK;
}

static int noop_model(struct vaccel_session *sess,
		      struct vaccel_resource *model)
{
	vaccel_debug("[noop] model load/unload %" PRId64 ", session %" PRId64,
		     model->id, sess->id);
	return VACCEL_OK;
}

static int noop_tf_model(struct vaccel_session *sess,
			 struct vaccel_resource *model,
			 struct vaccel_tf_status *status)
{
	if (status) {
		status->code = 0;
		status->message = strdup(NOOP_STATUS);
		if (!status->message)
			return VACCEL_ENOMEM;
	}
	return noop_model(sess, model);
}

static int noop_tf_run(struct vaccel_session *sess,
		       struct vaccel_resource *model,
		       const struct vaccel_tf_buffer *run_options,
		       const struct vaccel_tf_node *in_nodes,
		       struct vaccel_tf_tensor *const *in, int nr_in,
		       const struct vaccel_tf_node *out_nodes,
		       struct vaccel_tf_tensor **out, int nr_out,
		       struct vaccel_tf_status *status)
{
	(void)run_options;
	vaccel_debug("[noop] tf run model %" PRId64 ", %d in, %d out",
		     model->id, nr_in, nr_out);
	for (int i = 0; i < nr_in + nr_out; ++i) {
		const struct vaccel_tf_node *nodes =
			i < nr_in ? in_nodes : out_nodes;
		const struct vaccel_tf_node *n =
			nodes ? &nodes[i < nr_in ? i : i - nr_in] : NULL;
		vaccel_debug("[noop] tf %s node %s:%d",
			     i < nr_in ? "in" : "out",
			     n && n->name ? n->name : "?", n ? n->id : -1);
	}
	for (int i = 0; i < nr_out; ++i) {
		const struct vaccel_tf_tensor *src = nr_in ? in[i % nr_in] : NULL;
		if (vaccel_tf_tensor_out(&out[i], src ? src->nr_dims : 0,
					 src ? src->dims : NULL,
					 src ? src->data_type : VACCEL_TF_FLOAT,
					 src ? src->size : 0))
			return VACCEL_ENOMEM;
		if (src && src->size)
			memcpy(out[i]->data, src->data, src->size);
	}
	if (status) {
		status->code = 0;
		status->message = strdup(NOOP_STATUS);
		if (!status->message)
			return VACCEL_ENOMEM;
	}
	(void)sess;
	return VACCEL_OK;
}

static int noop_tflite_run(struct vaccel_session *sess,
			   struct vaccel_resource *model,
			   struct vaccel_tflite_tensor *const *in, int nr_in,
			   struct vaccel_tflite_tensor **out, int nr_out,
			   uint8_t *status)
{
	vaccel_debug("[noop] tflite run model %" PRId64 ", %d in, %d out",
		     model->id, nr_in, nr_out);
	for (int i = 0; i < nr_out; ++i) {
		const struct vaccel_tflite_tensor *src =
			nr_in ? in[i % nr_in] : NULL;
		if (vaccel_tflite_tensor_out(
			    &out[i], src ? src->nr_dims : 0,
			    src ? src->dims : NULL,
			    src ? src->data_type : VACCEL_TFLITE_FLOAT32,
			    src ? src->size : 0))
			return VACCEL_ENOMEM;
		if (src && src->size)
			memcpy(out[i]->data, src->data, src->size);
	}
	if (status)
		*status = 0;
	(void)sess;
	return VACCEL_OK;
}

static int noop_torch_run(struct vaccel_session *sess,
			  struct vaccel_resource *model,
			  const struct vaccel_torch_buffer *run_options,
			  struct vaccel_torch_tensor *const *in, int nr_in,
			  struct vaccel_torch_tensor **out, int nr_out)
{
	(void)run_options;
	vaccel_debug("[noop] torch run model %" PRId64 ", %d in, %d out, "
		     "session %" PRId64,
		     model->id, nr_in, nr_out, sess->id);
	for (int i = 0; i < nr_out; ++i) {
		const struct vaccel_torch_tensor *src =
			nr_in ? in[i % nr_in] : NULL;
		int64_t nd = src ? src->nr_dims : 0;
		if (vaccel_torch_tensor_out(
			    &out[i], nd, src ? src->dims : NULL,
			    src ? src->data_type : VACCEL_TORCH_FLOAT,
			    src ? src->size : 0))
			return VACCEL_ENOMEM;
		if (src && src->size)
			memcpy(out[i]->data, src->data, src->size);
	}
	return VACCEL_OK;
}

static int noop_torch_sgemm(struct vaccel_session *sess,
			    struct vaccel_torch_tensor **a,
			    struct vaccel_torch_tensor **b,
			    struct vaccel_torch_tensor **c, int m, int n, int k,
			    struct vaccel_torch_tensor **out)
{
	(void)a;
	(void)b;
	(void)c;
	(void)out;
	vaccel_debug("[noop] torch sgemm %dx%dx%d, session %" PRId64, m, n, k,
		     sess->id);
	return VACCEL_OK;
}

static int noop_arraycopy(struct vaccel_session *sess, int a[], int out_a[],
			  size_t len_a)
{
	vaccel_debug("[noop] fpga arraycopy len %zu, session %" PRId64, len_a,
		     sess->id);
	if (len_a)
		memcpy(out_a, a, len_a * sizeof(int));
	return VACCEL_OK;
}

static int noop_mmult(struct vaccel_session *sess, float a[], float b[],
		      float c[], size_t len_a)
{
	vaccel_debug("[noop] fpga mmult len %zu, session %" PRId64, len_a,
		     sess->id);
	(void)a;
	(void)b;
	for (size_t i = 0; i < len_a; ++i)
		c[i] = 9.1F;
	return VACCEL_OK;
}

static int noop_parallel(struct vaccel_session *sess, float a[], float b[],
			 float add[], float mult[], size_t len_a)
{
	vaccel_debug("[noop] fpga parallel len %zu, session %" PRId64, len_a,
		     sess->id);
	for (size_t i = 0; i < len_a; ++i) {
		add[i] = a[i] + b[i];
		mult[i] = 1.0F;
	}
	return VACCEL_OK;
}

static int noop_vadd(struct vaccel_session *sess, float a[], float b[],
		     float c[], size_t len_a, size_t len_b)
{
	vaccel_debug("[noop] fpga vadd %zu + %zu, session %" PRId64, len_a,
		     len_b, sess->id);
	size_t n = len_a > len_b ? len_a : len_b;
	for (size_t i = 0; i < n; ++i)
		c[i] = (i < len_a ? a[i] : 0.0F) + (i < len_b ? b[i] : 0.0F);
	return VACCEL_OK;
}

static int noop_minmax(struct vaccel_session *sess, const double *indata,
		       int ndata, int low, int high, double *outdata,
		       double *min, double *max)
{
	vaccel_debug("[noop] minmax %d values [%d, %d], session %" PRId64, ndata,
		     low, high, sess->id);
	memcpy(outdata, indata, (size_t)ndata * sizeof(double));
	*min = -1.0;
	*max = 10000.0;
	return VACCEL_OK;
}

static int noop_opencv(struct vaccel_session *sess, struct vaccel_arg *read,
		       int nr_read, struct vaccel_arg *write, int nr_write)
{
	vaccel_debug("[noop] opencv, session %" PRId64, sess->id);
	log_args("read", read, (size_t)nr_read);
	log_args("write", write, (size_t)nr_write);
	for (int i = 0; i < nr_write; ++i) {
		size_t floats = write[i].size / sizeof(float);
		if (write[i].buf && write[i].size >= sizeof floats)
			memcpy(write[i].buf, &floats, sizeof floats);
	}
	return VACCEL_OK;
}

static const struct vaccel_plugin_ops noop_ops = {
	.noop = noop_noop,
	.exec = noop_exec,
	.exec_with_resource = noop_exec_with_resource,
	.image_classify = noop_classify,
	.image_detect = noop_detect,
	.image_segment = noop_segment,
	.image_pose = noop_pose,
	.image_depth = noop_depth,
	.tf_model_load = noop_tf_model,
	.tf_model_unload = noop_tf_model,
	.tf_model_run = noop_tf_run,
	.tflite_model_load = noop_model,
	.tflite_model_unload = noop_model,
	.tflite_model_run = noop_tflite_run,
	.torch_model_load = noop_model,
	.torch_model_run = noop_torch_run,
	.torch_sgemm = noop_torch_sgemm,
	.sgemm = noop_sgemm,
	.fpga_arraycopy = noop_arraycopy,
	.fpga_mmult = noop_mmult,
	.fpga_parallel = noop_parallel,
	.fpga_vadd = noop_vadd,
	.minmax = noop_minmax,
	.opencv = noop_opencv,
};

static const struct vaccel_plugin_desc noop_plugin = {
	VACCEL_PLUGIN_DESC("noop", VACCEL_VERSION, VACCEL_PLUGIN_DEBUG),
	VACCEL_PLUGIN_OPS(noop_ops),
};

VACCEL_PLUGIN_ENTRY(noop, noop_plugin)
