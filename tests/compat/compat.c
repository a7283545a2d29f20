/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The compatibility suite: upstream vAccel's documented API and behaviour,
 * one check per known difference (docs/compat.md), written as a C program
 * of upstream's users would be. run.sh runs it twice, on the noop plugin
 * in this process and through the rpc plugin and a vaccel-agent serving
 * noop; both must pass, and print the same lines.
 *
 *   compat LIBRARY [remote]
 *
 * LIBRARY: any shared library (exec takes its path); "remote" when
 * VACCEL_PLUGINS names the rpc plugin. Prints "ok - what" or "FAIL - what"
 * per check, exits 1 if any failed.
 */
#define _GNU_SOURCE
#include <vaccel.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

static int failures;

static void check(int cond, const char *what, const char *file, int line)
{
	if (cond) {
		printf("ok - %s\n", what);
	} else {
		printf("FAIL - %s (%s:%d)\n", what, file, line);
		failures++;
	}
}
#define CHECK(cond) check((cond) ? 1 : 0, #cond, __FILE__, __LINE__)

static const char *TAG = "This is a dummy classification tag!";
static const char *IMGNAME = "This is a dummy imgname!";
static const char *STATUS = "Operation handled by noop plugin";

/* ---- crashes upstream's tests found ------------------------------------ */

static void crashes(void)
{
	struct vaccel_arg_array a;
	memset(&a, 0, sizeof a);
	a.count = 3; /* args NULL, whatever the count says */
	vaccel_arg_array_clear(&a);
	CHECK(a.args == NULL);

	struct vaccel_session garbage;
	memset(&garbage, 0xA5, sizeof garbage);
	struct vaccel_resource *r = NULL;
	CHECK(vaccel_session_resource_by_type(&garbage, NULL,
					      VACCEL_RESOURCE_MODEL) ==
	      VACCEL_EINVAL);
	CHECK(vaccel_session_resource_by_id(&garbage, NULL, 1) ==
	      VACCEL_EINVAL);
	CHECK(vaccel_session_resource_by_type(NULL, &r, VACCEL_RESOURCE_MODEL) ==
	      VACCEL_EINVAL);
}

/* ---- argument validation -------------------------------------------- */

static bool accept_all(const void *buf, size_t size, uint32_t id)
{
	(void)buf;
	(void)size;
	(void)id;
	return true;
}

static int copy_serializer(const void *data, size_t size, uint32_t id,
			   void **buf, size_t *out)
{
	(void)id;
	*buf = malloc(size);
	if (!*buf)
		return VACCEL_ENOMEM;
	memcpy(*buf, data, size);
	*out = size;
	return VACCEL_OK;
}

static void args(void)
{
	int32_t v = 5;
	struct vaccel_arg arg;
	struct vaccel_arg *parg = NULL;
	CHECK(vaccel_arg_init(&arg, &v, 0, VACCEL_ARG_RAW, 0) == VACCEL_EINVAL);
	CHECK(vaccel_arg_new(&parg, &v, 0, VACCEL_ARG_RAW, 0) == VACCEL_EINVAL);
	CHECK(vaccel_arg_init_from_buf(&arg, &v, 0, VACCEL_ARG_RAW, 0) ==
	      VACCEL_EINVAL);
	CHECK(vaccel_arg_from_buf(&parg, &v, 0, VACCEL_ARG_RAW, 0) ==
	      VACCEL_EINVAL);
	/* No buffer and a size: that many bytes, zeroed, owned. */
	CHECK(vaccel_arg_init(&arg, NULL, 8, VACCEL_ARG_RAW, 0) == VACCEL_OK);
	CHECK(arg.buf != NULL && arg.size == 8 && arg.owned &&
	      ((char *)arg.buf)[7] == 0);
	CHECK(vaccel_arg_release(&arg) == VACCEL_OK);
	CHECK(arg.type == VACCEL_ARG_MAX);

	struct vaccel_arg_array arr;
	CHECK(vaccel_arg_array_init(&arr, 0) == VACCEL_OK);
	CHECK(arr.args != NULL && arr.capacity == 8);
	CHECK(vaccel_arg_array_add_raw(&arr, &v, 0) == VACCEL_EINVAL);
	CHECK(vaccel_arg_array_add_int32_array(&arr, &v, 0) == VACCEL_EINVAL);
	CHECK(vaccel_arg_array_add_buffer(&arr, &v, 0) == VACCEL_EINVAL);
	CHECK(vaccel_arg_array_add_custom(&arr, 1, &v, sizeof v, NULL) ==
	      VACCEL_EINVAL);
	CHECK(vaccel_arg_array_add_serialized(&arr, VACCEL_ARG_CUSTOM, 1, &v,
					      sizeof v, NULL) == VACCEL_EINVAL);
	CHECK(vaccel_arg_array_add_custom(&arr, 1, &v, sizeof v, accept_all) ==
	      VACCEL_OK);
	CHECK(vaccel_arg_array_add_serialized(&arr, VACCEL_ARG_CUSTOM, 2, &v,
					      sizeof v,
					      copy_serializer) == VACCEL_OK);
	CHECK(vaccel_arg_array_add_int32(&arr, &v) == VACCEL_OK);
	int32_t vals[3] = { 1, 2, 3 };
	CHECK(vaccel_arg_array_add_int32_array(&arr, vals, 3) == VACCEL_OK);
	CHECK(vaccel_arg_array_count(&arr) == 4);

	/* get_raw / set_raw take RAW args only. */
	void *buf = NULL;
	size_t size = 0;
	CHECK(vaccel_arg_array_get_raw(&arr, &buf, &size) == VACCEL_EINVAL);
	vaccel_arg_array_set_position(&arr, 2);
	CHECK(vaccel_arg_array_set_raw(&arr, &v, sizeof v) == VACCEL_EINVAL);
	/* A setter larger than the slot. */
	vaccel_arg_array_set_position(&arr, 3);
	int32_t four[4] = { 9, 9, 9, 9 };
	CHECK(vaccel_arg_array_set_int32_array(&arr, four, 4) == VACCEL_EINVAL);
	/* get_remaining leaves the position. */
	vaccel_arg_array_set_position(&arr, 1);
	struct vaccel_arg *rest = NULL;
	size_t n = 0;
	CHECK(vaccel_arg_array_get_remaining(&arr, &rest, &n) == VACCEL_OK);
	CHECK(n == 3 && rest == &arr.args[1]);
	CHECK(vaccel_arg_array_position(&arr) == 1);
	/* Adding a range past the end. */
	struct vaccel_arg_array dst;
	CHECK(vaccel_arg_array_init(&dst, 2) == VACCEL_OK);
	CHECK(vaccel_arg_array_add_range(&dst, &arr, 2, 5, true) ==
	      VACCEL_ERANGE);
	CHECK(vaccel_arg_array_add_range(&dst, &arr, 2, 2, true) == VACCEL_OK);
	CHECK(vaccel_arg_array_count(&dst) == 2);
	/* A zero-length array get. */
	int32_t *got = NULL;
	vaccel_arg_array_reset_position(&dst);
	CHECK(vaccel_arg_array_get_int32(&dst, &v) == VACCEL_OK && v == 5);
	CHECK(vaccel_arg_array_get_int32_array(&dst, &got, &n) == VACCEL_OK &&
	      n == 3 && got[2] == 3);
	CHECK(vaccel_arg_array_release(&dst) == VACCEL_OK);
	CHECK(vaccel_arg_array_release(&arr) == VACCEL_OK);

	/* Tensors need a dimension; a released node has the id -1. */
	int64_t dims[2] = { 2, 2 };
	int32_t ldims[2] = { 2, 2 };
	struct vaccel_tf_tensor *tf = NULL;
	struct vaccel_tflite_tensor *tfl = NULL;
	struct vaccel_torch_tensor *pt = NULL;
	CHECK(vaccel_tf_tensor_new(&tf, 0, dims, VACCEL_TF_FLOAT) ==
	      VACCEL_EINVAL);
	CHECK(vaccel_tflite_tensor_new(&tfl, 0, ldims, VACCEL_TFLITE_FLOAT32) ==
	      VACCEL_EINVAL);
	CHECK(vaccel_torch_tensor_new(&pt, 0, dims, VACCEL_TORCH_FLOAT) ==
	      VACCEL_EINVAL);
	struct vaccel_tf_node node;
	CHECK(vaccel_tf_node_init(&node, "in", 3) == VACCEL_OK);
	CHECK(vaccel_tf_node_release(&node) == VACCEL_OK);
	CHECK(node.id == -1 && node.name == NULL);
	/* Buffers and tensor data: NULL with a size is stored. */
	struct vaccel_torch_buffer tb;
	CHECK(vaccel_torch_buffer_init(&tb, NULL, 4) == VACCEL_OK);
	CHECK(tb.data == NULL && tb.size == 4);
	struct vaccel_tf_buffer fb;
	CHECK(vaccel_tf_buffer_init(&fb, NULL, 4) == VACCEL_OK);
	CHECK(vaccel_torch_tensor_new(&pt, 2, dims, VACCEL_TORCH_FLOAT) ==
	      VACCEL_OK);
	CHECK(vaccel_torch_tensor_set_data(pt, NULL, 16) == VACCEL_OK);
	CHECK(pt->data == NULL && pt->size == 16);
	pt->size = 0;
	CHECK(vaccel_torch_tensor_delete(pt) == VACCEL_OK);
}

/* ---- other semantics ------------------------------------------------- */

static void semantics(const char *lib, int remote)
{
	char low[8];
	CHECK(vaccel_str_to_lower("ABCDEFGHIJ", low, sizeof low, NULL) ==
	      VACCEL_OK);
	CHECK(strcmp(low, "abcdefg") == 0);
	CHECK(vaccel_str_to_lower("AB", low, 0, NULL) == VACCEL_EINVAL);

	char name[VACCEL_ENUM_STR_MAX];
	CHECK(strcmp(vaccel_op_type_name(VACCEL_OP_TORCH_MODEL_RUN, name,
					 sizeof name),
		     "torch_model_run") == 0);
	CHECK(strcmp(vaccel_resource_type_name(VACCEL_RESOURCE_LIB, name,
					       sizeof name),
		     "lib") == 0);
	CHECK(strcmp(vaccel_arg_type_to_str(VACCEL_ARG_INT32),
		     "VACCEL_ARG_INT32") == 0);

	struct vaccel_resource *found = NULL;
	CHECK(vaccel_resource_get_by_id(&found, 0) == VACCEL_ENOENT);

	struct vaccel_session sess;
	CHECK(vaccel_session_init(&sess, 0) == VACCEL_OK);
	struct vaccel_resource res;
	CHECK(vaccel_resource_init(&res, lib, VACCEL_RESOURCE_LIB) == VACCEL_OK);
	CHECK(vaccel_resource_sync(&res, &sess) == VACCEL_EPERM);
	CHECK(vaccel_resource_refcount(&res) == 0);
	CHECK(vaccel_resource_register(&res, &sess) == VACCEL_OK);
	CHECK(vaccel_resource_refcount(&res) == 1);
	CHECK(vaccel_session_resource_by_type(&sess, &found,
					      VACCEL_RESOURCE_LIB) ==
		      VACCEL_OK &&
	      found == &res);
	CHECK(vaccel_resource_unregister(&res, &sess) == VACCEL_OK);
	CHECK(vaccel_resource_release(&res) == VACCEL_OK);
	CHECK(vaccel_resource_init(&res, "https://example.com/model.pt",
				   VACCEL_RESOURCE_MODEL) == VACCEL_ENOTSUP);

	/* Which plugin serves an op: noop here, rpc through the agent. */
	const char *by = vaccel_plugin_for_op(VACCEL_OP_NOOP, 0);
	CHECK(by && strcmp(by, remote ? "rpc" : "noop") == 0);
	/* A session that demands a remote plugin. */
	struct vaccel_session rs;
	int ret = vaccel_session_init(&rs, VACCEL_PLUGIN_REMOTE);
	CHECK(ret == (remote ? VACCEL_OK : VACCEL_ENOTSUP));
	if (ret == VACCEL_OK)
		vaccel_session_release(&rs);

	/* A blob read from a file is mapped, not owned data. */
	struct vaccel_blob blob;
	CHECK(vaccel_blob_init(&blob, lib) == VACCEL_OK);
	CHECK(vaccel_blob_read(&blob) == VACCEL_OK);
	CHECK(blob.type == VACCEL_BLOB_MAPPED && !blob.data_owned &&
	      blob.size > 0);
	CHECK(vaccel_blob_read(&blob) == VACCEL_OK);
	CHECK(vaccel_blob_release(&blob) == VACCEL_OK);
	CHECK(vaccel_session_release(&sess) == VACCEL_OK);
}

/* ---- blobs and resources --------------------------------------------- */

static void blobs_and_resources(const char *lib)
{
	struct vaccel_blob b;
	CHECK(vaccel_blob_init(&b, "/nonexistent/file") == VACCEL_EINVAL);
	CHECK(vaccel_blob_init(&b, lib) == VACCEL_OK);
	CHECK(vaccel_blob_release(&b) == VACCEL_OK);
	CHECK(b.type == VACCEL_BLOB_MAX);
	CHECK(vaccel_blob_release(&b) == VACCEL_EINVAL);

	char dir[] = "/tmp/vaccel-compat-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	uint8_t bytes[5] = { 5, 4, 3, 2, 1 };
	CHECK(vaccel_blob_init_from_buf(&b, bytes, sizeof bytes, false, "x.bin",
					dir, false) == VACCEL_OK);
	CHECK(b.type == VACCEL_BLOB_MAPPED && b.data_owned && b.path_owned &&
	      b.data != bytes && b.data[4] == 1);
	struct vaccel_blob again;
	CHECK(vaccel_blob_init_from_buf(&again, bytes, 2, true, "x.bin", dir,
					false) == VACCEL_OK);
	CHECK(again.path && strcmp(again.path, b.path) != 0);
	CHECK(vaccel_blob_persist(&again, dir, "y.bin", false) ==
	      VACCEL_EEXIST);
	CHECK(vaccel_blob_release(&again) == VACCEL_OK);
	CHECK(vaccel_blob_release(&b) == VACCEL_OK);
	CHECK(vaccel_blob_init_from_buf(&b, bytes, 2, true, "m", NULL, false) ==
	      VACCEL_OK);
	CHECK(vaccel_blob_persist(&b, NULL, "m", false) == VACCEL_ENOENT);
	CHECK(vaccel_blob_release(&b) == VACCEL_OK);
	rmdir(dir);

	struct vaccel_resource res;
	CHECK(vaccel_resource_init_from_buf(&res, bytes, sizeof bytes,
					    VACCEL_RESOURCE_DATA, "d.bin",
					    false) == VACCEL_OK);
	CHECK(res.paths == NULL && res.nr_paths == 0 && res.nr_blobs == 1 &&
	      res.blobs[0]->type == VACCEL_BLOB_MAPPED &&
	      res.blobs[0]->data_owned && res.blobs[0]->path_owned);
	CHECK(vaccel_resource_release(&res) == VACCEL_OK);
	CHECK(vaccel_resource_init_from_buf(&res, bytes, sizeof bytes,
					    VACCEL_RESOURCE_DATA, NULL,
					    true) == VACCEL_OK);
	CHECK(res.blobs[0]->type == VACCEL_BLOB_BUFFER &&
	      res.blobs[0]->data == bytes && !res.blobs[0]->data_owned);
	CHECK(vaccel_resource_release(&res) == VACCEL_OK);

	struct vaccel_blob mapped;
	CHECK(vaccel_blob_init(&mapped, lib) == VACCEL_OK);
	CHECK(vaccel_blob_read(&mapped) == VACCEL_OK);
	const struct vaccel_blob *blobs[1] = { &mapped };
	CHECK(vaccel_resource_init_from_blobs(&res, blobs, 1,
					      VACCEL_RESOURCE_LIB) ==
	      VACCEL_OK);
	CHECK(res.paths == NULL && res.rundir != NULL &&
	      res.blobs[0]->type == VACCEL_BLOB_MAPPED &&
	      res.blobs[0]->path_owned &&
	      strcmp(res.blobs[0]->path, lib) != 0 &&
	      res.blobs[0]->size == mapped.size);
	CHECK(vaccel_resource_release(&res) == VACCEL_OK);
	CHECK(vaccel_blob_release(&mapped) == VACCEL_OK);

	const char *paths[2] = { lib, NULL };
	memset(&res, 0xA5, sizeof res);
	CHECK(vaccel_resource_init_multi(&res, paths, 2, VACCEL_RESOURCE_LIB) ==
	      VACCEL_EINVAL);
	CHECK(res.paths == NULL && res.nr_paths == 0);
	struct vaccel_blob invalid;
	memset(&invalid, 0, sizeof invalid);
	invalid.type = VACCEL_BLOB_MAX;
	const struct vaccel_blob *bad[1] = { &invalid };
	memset(&res, 0xA5, sizeof res);
	CHECK(vaccel_resource_init_from_blobs(&res, bad, 1,
					      VACCEL_RESOURCE_DATA) ==
	      VACCEL_EINVAL);
	CHECK(res.blobs == NULL && res.nr_blobs == 0);

	struct vaccel_arg_array none;
	memset(&none, 0, sizeof none);
	none.count = 2;
	none.position = 1;
	vaccel_arg_array_clear(&none);
	CHECK(none.count == 2 && none.position == 1);
}

/* ---- the noop plugin's answers, here and through the agent ----------- */

static void noop_outputs(const char *lib)
{
	struct vaccel_session s;
	CHECK(vaccel_session_init(&s, 0) == VACCEL_OK);
	CHECK(vaccel_noop(&s) == VACCEL_OK);

	const char img[] = "image bytes";
	unsigned char text[64], imgname[64], small[5];
	memset(text, 0, sizeof text);
	memset(imgname, 0, sizeof imgname);
	CHECK(vaccel_image_classification(&s, img, text, imgname, sizeof img,
					  sizeof text,
					  sizeof imgname) == VACCEL_OK);
	CHECK(strcmp((char *)text, TAG) == 0);
	CHECK(strcmp((char *)imgname, IMGNAME) == 0);
	CHECK(vaccel_image_classification(&s, img, small, imgname, sizeof img,
					  sizeof small,
					  sizeof imgname) == VACCEL_OK);
	CHECK(strcmp((char *)small, "This") == 0);
	int (*image_ops[])(struct vaccel_session *, const void *,
			   unsigned char *, size_t, size_t) = {
		vaccel_image_detection, vaccel_image_segmentation,
		vaccel_image_pose, vaccel_image_depth
	};
	for (size_t i = 0; i < sizeof image_ops / sizeof image_ops[0]; ++i) {
		memset(imgname, 0, sizeof imgname);
		CHECK(image_ops[i](&s, img, imgname, sizeof img,
				   sizeof imgname) == VACCEL_OK);
		CHECK(strcmp((char *)imgname, IMGNAME) == 0);
	}

	/* exec: one int output the size of the first input: a copy. */
	int32_t in[2] = { 41, -7 }, out[2] = { 0, 0 };
	struct vaccel_arg r = { .buf = in, .size = sizeof in,
				.type = VACCEL_ARG_INT32_ARRAY };
	struct vaccel_arg w = { .buf = out, .size = sizeof out,
				.type = VACCEL_ARG_INT32_ARRAY };
	CHECK(vaccel_exec(&s, lib, "mytestfunc", &r, 1, &w, 1) == VACCEL_OK);
	CHECK(out[0] == 41 && out[1] == -7);
	/* An output of another size is left alone. */
	int32_t one = 3;
	struct vaccel_arg w32 = { .buf = &one, .size = sizeof one,
				  .type = VACCEL_ARG_INT32 };
	CHECK(vaccel_exec(&s, lib, "mytestfunc", &r, 1, &w32, 1) == VACCEL_OK);
	CHECK(one == 3);

	int ia[3] = { 4, 5, 6 }, io[3] = { 0, 0, 0 };
	CHECK(vaccel_fpga_arraycopy(&s, ia, io, 3) == VACCEL_OK);
	CHECK(memcmp(ia, io, sizeof ia) == 0);
	float fa[3] = { 1, 2, 3 }, fb[3] = { 4, 5, 6 }, fc[3], fd[3];
	CHECK(vaccel_fpga_mmult(&s, fa, fb, fc, 3) == VACCEL_OK);
	CHECK(fc[0] == 9.1F && fc[2] == 9.1F);
	CHECK(vaccel_fpga_parallel(&s, fa, fb, fc, fd, 3) == VACCEL_OK);
	CHECK(fc[1] == 7.0F && fd[0] == 1.0F && fd[2] == 1.0F);
	CHECK(vaccel_fpga_vadd(&s, fa, fb, fc, 3, 3) == VACCEL_OK);
	CHECK(fc[2] == 9.0F);

	double din[4] = { 3, 1, 4, 1 }, dout[4] = { 0 }, mn = 0, mx = 0;
	CHECK(vaccel_minmax(&s, din, 4, 1, 3, dout, &mn, &mx) == VACCEL_OK);
	CHECK(memcmp(din, dout, sizeof din) == 0);
	CHECK(mn == -1.0 && mx == 10000.0);

	size_t header[4] = { 0, 7, 7, 7 };
	struct vaccel_arg cvr = { .buf = (void *)img, .size = sizeof img,
				  .type = VACCEL_ARG_RAW };
	struct vaccel_arg cvw = { .buf = header, .size = sizeof header,
				  .type = VACCEL_ARG_RAW };
	CHECK(vaccel_opencv_unpack(&s, &cvr, 1, &cvw, 1) == VACCEL_OK);
	const size_t header_bytes = sizeof header;
	CHECK(header[0] == header_bytes / sizeof(float) && header[1] == 7);

	/* Models: the outputs are copies of the inputs, type and shape. */
	struct vaccel_resource model;
	CHECK(vaccel_resource_init(&model, lib, VACCEL_RESOURCE_MODEL) ==
	      VACCEL_OK);
	CHECK(vaccel_resource_register(&model, &s) == VACCEL_OK);

	struct vaccel_tf_status st;
	memset(&st, 0xA5, sizeof st); /* never initialised: written, not freed */
	CHECK(vaccel_tf_model_load(&s, &model, &st) == VACCEL_OK);
	CHECK(st.code == 0 && st.message && strcmp(st.message, STATUS) == 0);
	vaccel_tf_status_release(&st);
	int64_t dims[2] = { 2, 3 };
	float data[6] = { 1, 2, 3, 4, 5, 6 };
	struct vaccel_tf_tensor *tin = NULL, *tout = NULL;
	CHECK(vaccel_tf_tensor_new(&tin, 2, dims, VACCEL_TF_FLOAT) ==
	      VACCEL_OK);
	CHECK(vaccel_tf_tensor_set_data(tin, data, sizeof data) == VACCEL_OK);
	struct vaccel_tf_node nin = { (char *)"in", 0 };
	struct vaccel_tf_node nout = { (char *)"out", 0 };
	CHECK(vaccel_tf_model_run(&s, &model, NULL, &nin, &tin, 1, &nout,
				  &tout, 1, &st) == VACCEL_OK);
	CHECK(tout && tout->nr_dims == 2 && tout->dims[1] == 3 &&
	      tout->data_type == VACCEL_TF_FLOAT &&
	      tout->size == sizeof data &&
	      memcmp(tout->data, data, sizeof data) == 0);
	CHECK(st.message && strcmp(st.message, STATUS) == 0);
	vaccel_tf_status_release(&st);
	vaccel_tf_tensor_delete(tout);
	memset(&st, 0xA5, sizeof st);
	CHECK(vaccel_tf_model_unload(&s, &model, &st) == VACCEL_OK);
	CHECK(st.code == 0 && st.message && strcmp(st.message, STATUS) == 0);
	vaccel_tf_status_release(&st);
	/* Data NULL with a size is refused before any plugin sees it. */
	CHECK(vaccel_tf_tensor_set_data(tin, NULL, 8) == VACCEL_OK);
	tout = NULL;
	CHECK(vaccel_tf_model_run(&s, &model, NULL, &nin, &tin, 1, &nout,
				  &tout, 1, NULL) == VACCEL_EINVAL);
	CHECK(tout == NULL);
	tin->size = 0;
	vaccel_tf_tensor_delete(tin);

	int32_t ldims[1] = { 6 };
	struct vaccel_tflite_tensor *lin = NULL, *lout = NULL;
	CHECK(vaccel_tflite_tensor_new(&lin, 1, ldims, VACCEL_TFLITE_FLOAT32) ==
	      VACCEL_OK);
	CHECK(vaccel_tflite_tensor_set_data(lin, data, sizeof data) ==
	      VACCEL_OK);
	uint8_t lst = 9;
	CHECK(vaccel_tflite_model_load(&s, &model) == VACCEL_OK);
	CHECK(vaccel_tflite_model_run(&s, &model, &lin, 1, &lout, 1, &lst) ==
	      VACCEL_OK);
	CHECK(lst == 0 && lout && lout->nr_dims == 1 && lout->dims[0] == 6 &&
	      lout->data_type == VACCEL_TFLITE_FLOAT32 &&
	      memcmp(lout->data, data, sizeof data) == 0);
	vaccel_tflite_tensor_delete(lout);
	vaccel_tflite_tensor_delete(lin);

	struct vaccel_torch_tensor *pin = NULL, *pout = NULL;
	CHECK(vaccel_torch_tensor_new(&pin, 2, dims, VACCEL_TORCH_FLOAT) ==
	      VACCEL_OK);
	CHECK(vaccel_torch_tensor_set_data(pin, data, sizeof data) ==
	      VACCEL_OK);
	CHECK(vaccel_torch_model_load(&s, &model) == VACCEL_OK);
	CHECK(vaccel_torch_model_run(&s, &model, NULL, &pin, 1, &pout, 1) ==
	      VACCEL_OK);
	CHECK(pout && pout->nr_dims == 2 && pout->dims[0] == 2 &&
	      pout->data_type == VACCEL_TORCH_FLOAT &&
	      memcmp(pout->data, data, sizeof data) == 0);
	vaccel_torch_tensor_delete(pout);
	/* 0.7's name of the same call. */
	pout = NULL;
	CHECK(vaccel_torch_jitload_forward(&s, &model, NULL, &pin, 1, &pout,
					   1) == VACCEL_OK);
	CHECK(pout && memcmp(pout->data, data, sizeof data) == 0);
	vaccel_torch_tensor_delete(pout);
	vaccel_torch_tensor_delete(pin);

	CHECK(vaccel_resource_unregister(&model, &s) == VACCEL_OK);
	CHECK(vaccel_resource_release(&model) == VACCEL_OK);
	CHECK(vaccel_session_release(&s) == VACCEL_OK);
}

/* ---- upstream 0.7.1's API, deprecated ---------------------------------- */

static void v071(const char *lib)
{
	struct vaccel_session s;
	CHECK(vaccel_sess_init(&s, 0) == VACCEL_OK);
	struct vaccel_arg_list *read = vaccel_args_init(1);
	struct vaccel_arg_list *write = vaccel_args_init(1);
	CHECK(read && write);
	int32_t in = 1234, out = 0;
	CHECK(vaccel_add_serial_arg(read, &in, sizeof in) == VACCEL_OK);
	CHECK(vaccel_expect_serial_arg(write, &out, sizeof out) == VACCEL_OK);
	CHECK(vaccel_exec(&s, lib, "mytestfunc", read->list, read->size,
			  write->list, write->size) == VACCEL_OK);
	int32_t *res = vaccel_extract_serial_arg(write->list, 0);
	CHECK(res && *res == 1234);
	CHECK(vaccel_delete_args(read) == VACCEL_OK);
	CHECK(vaccel_delete_args(write) == VACCEL_OK);

	char dir[] = "/tmp/vaccel-compat-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	const uint8_t bytes[4] = { 1, 2, 3, 4 };
	struct vaccel_file f;
	CHECK(vaccel_file_init_from_buf(&f, bytes, sizeof bytes, "f.bin", dir,
					false) == VACCEL_OK);
	size_t size = 0;
	uint8_t *d = vaccel_file_data(&f, &size);
	CHECK(d && size == 4 && d != bytes && d[3] == 4);
	CHECK(f.path_owned && access(f.path, R_OK) == 0);
	char path[256];
	snprintf(path, sizeof path, "%s", f.path);
	CHECK(vaccel_file_release(&f) == VACCEL_OK);
	CHECK(access(path, F_OK) != 0);
	rmdir(dir);
	CHECK(vaccel_sess_free(&s) == VACCEL_OK);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s LIBRARY [remote]\n", argv[0]);
		return 2;
	}
	int remote = argc > 2 && strcmp(argv[2], "remote") == 0;
	crashes();
	args();
	semantics(argv[1], remote);
	blobs_and_resources(argv[1]);
	noop_outputs(argv[1]);
	v071(argv[1]);
	printf("%d failed\n", failures);
	return failures ? 1 : 0;
}
