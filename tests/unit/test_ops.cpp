// SPDX-License-Identifier: Apache-2.0
// Every operation through the noop plugin, directly and through genop, with
// its documented outputs; and the argument checks in front of the plugins.
#include "support.hpp"

#include <cstring>
#include <string>
#include <vector>

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

using vtest::boot;

class Ops : public vtest::Runtime {
protected:
	void SetUp() override
	{
		ASSERT_EQ(boot({"noop"}), VACCEL_OK);
		ASSERT_EQ(vaccel_session_init(&sess, 0), VACCEL_OK);
	}
	void TearDown() override
	{
		EXPECT_EQ(vaccel_session_release(&sess), VACCEL_OK);
		vtest::Runtime::TearDown();
	}
	vaccel_session sess{};
};

namespace {

// Builds vaccel_arg lists for genop calls; the values live in the builder.
struct Args {
	std::vector<vaccel_arg> v;
	std::vector<std::vector<char>> store;
	template <class T> Args &val(T x, vaccel_arg_type_t type)
	{
		store.emplace_back(sizeof(T));
		std::memcpy(store.back().data(), &x, sizeof(T));
		return ptr(store.back().data(), sizeof(T), type);
	}
	Args &ptr(void *p, size_t n, vaccel_arg_type_t type)
	{
		v.push_back(vaccel_arg{p, n, type, 0, false});
		return *this;
	}
	Args &op(vaccel_op_type_t o) { return val<uint8_t>((uint8_t)o, VACCEL_ARG_UINT8); }
	vaccel_arg *data() { return v.data(); }
	int n() const { return (int)v.size(); }
};

std::vector<float> noop_sgemm_expect(int m, int n, float alpha, float beta,
				     const std::vector<float> &c, int ldc)
{
	std::vector<float> out = c;
	for (int i = 0; i < m; ++i)
		for (int j = 0; j < n; ++j)
			out[i * ldc + j] = alpha * (float)(i + j) + beta * c[i * ldc + j];
	return out;
}

} // namespace

TEST_F(Ops, Noop)
{
	EXPECT_EQ(vaccel_noop(&sess), VACCEL_OK);
	EXPECT_EQ(vaccel_noop(nullptr), VACCEL_EINVAL);
	Args r;
	r.op(VACCEL_OP_NOOP);
	EXPECT_EQ(vaccel_genop(&sess, r.data(), r.n(), nullptr, 0), VACCEL_OK);
	r.val<int32_t>(1, VACCEL_ARG_INT32);
	EXPECT_EQ(vaccel_genop(&sess, r.data(), r.n(), nullptr, 0), VACCEL_EINVAL);
}

TEST_F(Ops, SgemmDirectAndGenopAgree)
{
	const int m = 3, n = 4, k = 2, ldc = 5;
	std::vector<float> a(m * k, 1.0F), b(k * n, 2.0F), c(m * ldc, 0.5F);
	auto expect = noop_sgemm_expect(m, n, 2.0F, 3.0F, c, ldc);
	std::vector<float> c1 = c;
	ASSERT_EQ(vaccel_sgemm(&sess, m, n, k, 2.0F, a.data(), k, b.data(), n,
			       3.0F, c1.data(), ldc),
		  VACCEL_OK);
	EXPECT_EQ(c1, expect);

	std::vector<float> c2 = c;
	Args r, w;
	r.op(VACCEL_OP_BLAS_SGEMM)
		.val<int64_t>(m, VACCEL_ARG_INT64)
		.val<int64_t>(n, VACCEL_ARG_INT64)
		.val<int64_t>(k, VACCEL_ARG_INT64)
		.val<float>(2.0F, VACCEL_ARG_FLOAT32)
		.ptr(a.data(), a.size() * 4, VACCEL_ARG_FLOAT32_ARRAY)
		.val<int64_t>(k, VACCEL_ARG_INT64)
		.ptr(b.data(), b.size() * 4, VACCEL_ARG_FLOAT32_ARRAY)
		.val<int64_t>(n, VACCEL_ARG_INT64)
		.val<float>(3.0F, VACCEL_ARG_FLOAT32)
		.val<int64_t>(ldc, VACCEL_ARG_INT64);
	w.ptr(c2.data(), c2.size() * 4, VACCEL_ARG_FLOAT32_ARRAY);
	ASSERT_EQ(vaccel_genop(&sess, r.data(), r.n(), w.data(), w.n()), VACCEL_OK);
	EXPECT_EQ(c2, expect);

	// A C buffer smaller than m, n, ldc imply is refused before the plugin.
	w.v[0].size = (size_t)((m - 1) * ldc + n - 1) * 4;
	EXPECT_EQ(vaccel_genop(&sess, r.data(), r.n(), w.data(), w.n()),
		  VACCEL_EINVAL);
	w.v[0].size = c2.size() * 4;
	// An int32 where int64 is expected.
	Args bad = r;
	bad.val<int32_t>(0, VACCEL_ARG_INT32);
	bad.v[1] = bad.v.back();
	bad.v.pop_back();
	EXPECT_EQ(vaccel_genop(&sess, bad.data(), bad.n(), w.data(), w.n()),
		  VACCEL_EINVAL);
	// Missing write arg.
	EXPECT_EQ(vaccel_genop(&sess, r.data(), r.n(), nullptr, 0), VACCEL_EINVAL);
}

TEST_F(Ops, SgemmRejectsInconsistentArguments)
{
	float a[4] = {}, b[4] = {}, c[4] = {};
	EXPECT_EQ(vaccel_sgemm(&sess, -1, 2, 2, 1, a, 2, b, 2, 0, c, 2), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_sgemm(&sess, 2, 2, 2, 1, a, 1, b, 2, 0, c, 2), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_sgemm(&sess, 2, 2, 2, 1, a, 2, b, 2, 0, c, 1), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_sgemm(&sess, 2, 2, 2, 1, nullptr, 2, b, 2, 0, c, 2),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_sgemm(nullptr, 2, 2, 2, 1, a, 2, b, 2, 0, c, 2),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_sgemm(&sess, 0, 0, 0, 1, nullptr, 1, nullptr, 1, 0,
			       nullptr, 1),
		  VACCEL_OK);
}

TEST_F(Ops, ImageOperations)
{
	const char img[] = "\x89PNG fake";
	unsigned char tag[64], name[64];
	ASSERT_EQ(vaccel_image_classification(&sess, img, tag, name, sizeof img,
					      sizeof tag, sizeof name),
		  VACCEL_OK);
	EXPECT_STREQ((char *)tag, "This is a dummy classification tag!");
	EXPECT_STREQ((char *)name, "This is a dummy imgname!");
	// Truncated to the caller's buffer, still terminated.
	unsigned char small[5];
	ASSERT_EQ(vaccel_image_classification(&sess, img, small, name, sizeof img,
					      sizeof small, sizeof name),
		  VACCEL_OK);
	EXPECT_STREQ((char *)small, "This");
	struct {
		int (*fn)(vaccel_session *, const void *, unsigned char *, size_t, size_t);
		const char *expect;
		vaccel_op_type_t op;
	} ops[] = {
		{vaccel_image_detection, "This is a dummy imgname!", VACCEL_OP_IMAGE_DETECT},
		{vaccel_image_segmentation, "This is a dummy imgname!", VACCEL_OP_IMAGE_SEGMENT},
		{vaccel_image_pose, "This is a dummy imgname!", VACCEL_OP_IMAGE_POSE},
		{vaccel_image_depth, "This is a dummy imgname!", VACCEL_OP_IMAGE_DEPTH},
	};
	for (auto &o : ops) {
		std::memset(name, 0, sizeof name);
		ASSERT_EQ(o.fn(&sess, img, name, sizeof img, sizeof name), VACCEL_OK);
		EXPECT_STREQ((char *)name, o.expect);
		// Through genop: the same answer.
		unsigned char gname[64] = {};
		Args r, w;
		r.op(o.op).ptr((void *)img, sizeof img, VACCEL_ARG_BUFFER);
		w.ptr(gname, sizeof gname, VACCEL_ARG_UCHAR_ARRAY);
		ASSERT_EQ(vaccel_genop(&sess, r.data(), r.n(), w.data(), w.n()),
			  VACCEL_OK);
		EXPECT_STREQ((char *)gname, o.expect);
		EXPECT_EQ(o.fn(&sess, nullptr, name, 4, sizeof name), VACCEL_EINVAL);
		EXPECT_EQ(o.fn(&sess, img, nullptr, sizeof img, 8), VACCEL_EINVAL);
	}
	EXPECT_EQ(vaccel_image_classification(&sess, img, nullptr, name, sizeof img,
					      0, sizeof name),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_image_classification(&sess, img, tag, name, 0, sizeof tag,
					      sizeof name),
		  VACCEL_EINVAL);
	// Genop classification: out_imgname then out_text.
	unsigned char gtag[40] = {}, gname[32] = {};
	Args r, w;
	r.op(VACCEL_OP_IMAGE_CLASSIFY).ptr((void *)img, sizeof img, VACCEL_ARG_BUFFER);
	w.ptr(gname, sizeof gname, VACCEL_ARG_UCHAR_ARRAY)
		.ptr(gtag, sizeof gtag, VACCEL_ARG_UCHAR_ARRAY);
	ASSERT_EQ(vaccel_genop(&sess, r.data(), r.n(), w.data(), w.n()), VACCEL_OK);
	EXPECT_STREQ((char *)gtag, "This is a dummy classification tag!");
	EXPECT_STREQ((char *)gname, "This is a dummy imgname!");
	EXPECT_EQ(vaccel_genop(&sess, r.data(), r.n(), w.data(), 1), VACCEL_EINVAL);
	// An empty out_text reaches the typed function, which refuses it.
	w.v[1] = vaccel_arg{nullptr, 0, VACCEL_ARG_UCHAR_ARRAY, 0, false};
	EXPECT_EQ(vaccel_genop(&sess, r.data(), r.n(), w.data(), w.n()),
		  VACCEL_EINVAL);
}

TEST_F(Ops, FpgaOperations)
{
	int ia[4] = {1, 2, 3, 4}, io[4] = {};
	ASSERT_EQ(vaccel_fpga_arraycopy(&sess, ia, io, 4), VACCEL_OK);
	EXPECT_EQ(std::memcmp(ia, io, sizeof ia), 0);
	float a[3] = {1, 2, 3}, b[3] = {4, 5, 6}, c[3] = {}, d[3] = {};
	ASSERT_EQ(vaccel_fpga_mmult(&sess, a, b, c, 3), VACCEL_OK);
	EXPECT_EQ(c[2], 9.1F); // upstream noop's dummy value
	ASSERT_EQ(vaccel_fpga_parallel(&sess, a, b, c, d, 3), VACCEL_OK);
	EXPECT_EQ(c[1], 7.0F);
	EXPECT_EQ(d[1], 1.0F);
	ASSERT_EQ(vaccel_fpga_vadd(&sess, a, b, c, 3, 3), VACCEL_OK);
	EXPECT_EQ(c[0], 5.0F);
	EXPECT_EQ(vaccel_fpga_vadd(&sess, nullptr, b, c, 3, 3), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_fpga_mmult(&sess, a, b, nullptr, 3), VACCEL_EINVAL);

	// Genop: sizes come from the args and are checked.
	float gc[3] = {};
	Args r, w;
	r.op(VACCEL_OP_FPGA_VECTORADD)
		.ptr(a, sizeof a, VACCEL_ARG_FLOAT32_ARRAY)
		.ptr(b, sizeof b, VACCEL_ARG_FLOAT32_ARRAY);
	w.ptr(gc, sizeof gc, VACCEL_ARG_FLOAT32_ARRAY);
	ASSERT_EQ(vaccel_genop(&sess, r.data(), r.n(), w.data(), w.n()), VACCEL_OK);
	EXPECT_EQ(gc[2], 9.0F);
	w.v[0].size = sizeof(float); // output too small for 3 elements
	EXPECT_EQ(vaccel_genop(&sess, r.data(), r.n(), w.data(), w.n()),
		  VACCEL_EINVAL);
	int go[4] = {};
	Args r2, w2;
	r2.op(VACCEL_OP_FPGA_ARRAYCOPY).ptr(ia, sizeof ia, VACCEL_ARG_INT32_ARRAY);
	w2.ptr(go, sizeof go, VACCEL_ARG_INT32_ARRAY);
	ASSERT_EQ(vaccel_genop(&sess, r2.data(), r2.n(), w2.data(), w2.n()),
		  VACCEL_OK);
	EXPECT_EQ(go[3], 4);

	// No elements: the arg array getters refuse empty arrays, genop does
	// not; the typed function decides, as called directly.
	const int direct = vaccel_fpga_arraycopy(&sess, nullptr, nullptr, 0);
	EXPECT_EQ(direct, VACCEL_OK);
	Args r3, w3;
	r3.op(VACCEL_OP_FPGA_ARRAYCOPY).ptr(nullptr, 0, VACCEL_ARG_INT32_ARRAY);
	w3.ptr(nullptr, 0, VACCEL_ARG_INT32_ARRAY);
	EXPECT_EQ(vaccel_genop(&sess, r3.data(), r3.n(), w3.data(), w3.n()),
		  direct);
}

TEST_F(Ops, Minmax)
{
	double in[4] = {4, 1, 3, 2}, out[4] = {}, mn = 0, mx = 0;
	ASSERT_EQ(vaccel_minmax(&sess, in, 4, 1, 9, out, &mn, &mx), VACCEL_OK);
	EXPECT_EQ(out[0], 4.0);
	EXPECT_EQ(mn, -1.0); // upstream noop's dummy values
	EXPECT_EQ(mx, 10000.0);
	EXPECT_EQ(vaccel_minmax(&sess, in, 0, 1, 9, out, &mn, &mx), VACCEL_EINVAL);
	Args r, w;
	r.op(VACCEL_OP_MINMAX)
		.ptr(in, sizeof in, VACCEL_ARG_FLOAT64_ARRAY)
		.val<int>(4, VACCEL_ARG_INT32)
		.val<int>(2, VACCEL_ARG_INT32)
		.val<int>(3, VACCEL_ARG_INT32);
	w.ptr(out, sizeof out, VACCEL_ARG_FLOAT64_ARRAY)
		.ptr(&mn, sizeof mn, VACCEL_ARG_FLOAT64)
		.ptr(&mx, sizeof mx, VACCEL_ARG_FLOAT64);
	std::memset(out, 0, sizeof out);
	mn = mx = 0;
	ASSERT_EQ(vaccel_genop(&sess, r.data(), r.n(), w.data(), w.n()), VACCEL_OK);
	EXPECT_EQ(out[3], 2.0);
	EXPECT_EQ(mn, -1.0);
	EXPECT_EQ(mx, 10000.0);
	// ndata claims more values than the buffer holds.
	*static_cast<int *>(r.v[2].buf) = 5;
	EXPECT_EQ(vaccel_genop(&sess, r.data(), r.n(), w.data(), w.n()),
		  VACCEL_EINVAL);
}

TEST_F(Ops, ExecThroughNoopAndGenop)
{
	int32_t in = 0x1234567, out = 0;
	char lib[] = "/any/lib.so", sym[] = "fn";
	Args r, w;
	r.op(VACCEL_OP_EXEC)
		.ptr(lib, sizeof lib, VACCEL_ARG_STRING)
		.ptr(sym, sizeof sym, VACCEL_ARG_STRING)
		.ptr(&in, sizeof in, VACCEL_ARG_INT32);
	w.ptr(&out, sizeof out, VACCEL_ARG_INT32);
	ASSERT_EQ(vaccel_genop(&sess, r.data(), r.n(), w.data(), w.n()), VACCEL_OK);
	EXPECT_EQ(out, 0x1234567); // noop echoes an int input of the same size
	// Any other shape of output is left as it was.
	int64_t wide = 7;
	w.v[0] = vaccel_arg{&wide, sizeof wide, VACCEL_ARG_INT64, 0, false};
	ASSERT_EQ(vaccel_genop(&sess, r.data(), r.n(), w.data(), w.n()), VACCEL_OK);
	EXPECT_EQ(wide, 7);
	w.v[0] = vaccel_arg{&out, sizeof out, VACCEL_ARG_INT32, 0, false};
	// An unterminated library string is refused, never read past.
	r.v[1].size = 3;
	EXPECT_EQ(vaccel_genop(&sess, r.data(), r.n(), w.data(), w.n()),
		  VACCEL_EINVAL);
}

TEST_F(Ops, GenopRejectsMalformedHeads)
{
	EXPECT_EQ(vaccel_genop(&sess, nullptr, 0, nullptr, 0), VACCEL_EINVAL);
	Args r;
	r.val<int32_t>(VACCEL_OP_NOOP, VACCEL_ARG_INT32); // not a UINT8
	EXPECT_EQ(vaccel_genop(&sess, r.data(), r.n(), nullptr, 0), VACCEL_EINVAL);
	Args u;
	u.val<uint8_t>(200, VACCEL_ARG_UINT8);
	EXPECT_EQ(vaccel_genop(&sess, u.data(), u.n(), nullptr, 0), VACCEL_ENOTSUP);
	Args t;
	t.op(VACCEL_OP_TORCH_MODEL_RUN);
	EXPECT_EQ(vaccel_genop(&sess, t.data(), t.n(), nullptr, 0), VACCEL_ENOTSUP);
	Args n;
	n.op(VACCEL_OP_NOOP);
	EXPECT_EQ(vaccel_genop(&sess, n.data(), n.n(), nullptr, -1), VACCEL_EINVAL);
}

TEST_F(Ops, ModelOperationsNeedARegisteredModel)
{
	std::string path = vtest::lib("vaccel-test-lib"); // any file will do
	vaccel_resource model{};
	ASSERT_EQ(vaccel_resource_init(&model, path.c_str(), VACCEL_RESOURCE_MODEL),
		  VACCEL_OK);
	EXPECT_EQ(vaccel_torch_model_load(&sess, &model), VACCEL_EPERM);
	ASSERT_EQ(vaccel_resource_register(&model, &sess), VACCEL_OK);
	EXPECT_EQ(vaccel_torch_model_load(&sess, &model), VACCEL_OK);

	int64_t dims[2] = {2, 2};
	float data[4] = {1, 2, 3, 4};
	vaccel_torch_tensor *in = nullptr;
	ASSERT_EQ(vaccel_torch_tensor_new(&in, 2, dims, VACCEL_TORCH_FLOAT), VACCEL_OK);
	ASSERT_EQ(vaccel_torch_tensor_set_data(in, data, sizeof data), VACCEL_OK);
	vaccel_torch_tensor *out = nullptr;
	ASSERT_EQ(vaccel_torch_model_run(&sess, &model, nullptr, &in, 1, &out, 1),
		  VACCEL_OK);
	ASSERT_NE(out, nullptr);
	EXPECT_EQ(out->nr_dims, 2);
	EXPECT_EQ(out->size, sizeof data);
	EXPECT_EQ(std::memcmp(out->data, data, sizeof data), 0);
	EXPECT_EQ(vaccel_torch_tensor_delete(out), VACCEL_OK);
	EXPECT_EQ(vaccel_torch_model_run(&sess, &model, nullptr, nullptr, 1, &out, 1),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_torch_tensor_delete(in), VACCEL_OK);

	// A scalar (no dimensions): the public constructors refuse it, as
	// upstream's, but a model can take and give one; the plugin makes the
	// output by hand.
	float one = 7.5F;
	vaccel_torch_tensor scalar{};
	scalar.data = &one;
	scalar.size = sizeof one;
	scalar.data_type = VACCEL_TORCH_FLOAT;
	vaccel_torch_tensor *sin = &scalar;
	out = nullptr;
	ASSERT_EQ(vaccel_torch_model_run(&sess, &model, nullptr, &sin, 1, &out, 1),
		  VACCEL_OK);
	ASSERT_NE(out, nullptr);
	EXPECT_EQ(out->nr_dims, 0);
	EXPECT_EQ(out->dims, nullptr);
	ASSERT_EQ(out->size, sizeof one);
	EXPECT_TRUE(out->owned);
	EXPECT_EQ(*static_cast<float *>(out->data), 7.5F);
	EXPECT_EQ(vaccel_torch_tensor_delete(out), VACCEL_OK);

	// A tensor or buffer given no data but a size (the constructors store
	// that, as upstream's) is refused before any plugin reads it.
	{
		vaccel_torch_tensor *hollow = nullptr;
		ASSERT_EQ(vaccel_torch_tensor_new(&hollow, 2, dims, VACCEL_TORCH_FLOAT),
			  VACCEL_OK);
		ASSERT_EQ(vaccel_torch_tensor_set_data(hollow, nullptr, 16), VACCEL_OK);
		out = nullptr;
		EXPECT_EQ(vaccel_torch_model_run(&sess, &model, nullptr, &hollow, 1, &out, 1),
			  VACCEL_EINVAL);
		EXPECT_EQ(out, nullptr);
		EXPECT_EQ(vaccel_torch_tensor_delete(hollow), VACCEL_OK);
		vaccel_torch_buffer opts{};
		ASSERT_EQ(vaccel_torch_buffer_init(&opts, nullptr, 8), VACCEL_OK);
		EXPECT_EQ(vaccel_torch_model_run(&sess, &model, &opts, &sin, 1, &out, 1),
			  VACCEL_EINVAL);

		vaccel_tf_tensor *tf = nullptr;
		ASSERT_EQ(vaccel_tf_tensor_new(&tf, 2, dims, VACCEL_TF_FLOAT), VACCEL_OK);
		ASSERT_EQ(vaccel_tf_tensor_set_data(tf, nullptr, 16), VACCEL_OK);
		vaccel_tf_node node{(char *)"in", 0};
		vaccel_tf_tensor *tout = nullptr;
		EXPECT_EQ(vaccel_tf_model_run(&sess, &model, nullptr, &node, &tf, 1,
					      &node, &tout, 1, nullptr),
			  VACCEL_EINVAL);
		EXPECT_EQ(tout, nullptr);
		ASSERT_EQ(vaccel_tf_tensor_set_data(tf, data, sizeof data), VACCEL_OK);
		vaccel_tf_buffer topts{};
		ASSERT_EQ(vaccel_tf_buffer_init(&topts, nullptr, 8), VACCEL_OK);
		EXPECT_EQ(vaccel_tf_model_run(&sess, &model, &topts, &node, &tf, 1,
					      &node, &tout, 1, nullptr),
			  VACCEL_EINVAL);
		EXPECT_EQ(vaccel_tf_tensor_delete(tf), VACCEL_OK);

		int32_t ldims[1] = {4};
		vaccel_tflite_tensor *lt = nullptr;
		ASSERT_EQ(vaccel_tflite_tensor_new(&lt, 1, ldims, VACCEL_TFLITE_FLOAT32),
			  VACCEL_OK);
		ASSERT_EQ(vaccel_tflite_tensor_set_data(lt, nullptr, 16), VACCEL_OK);
		vaccel_tflite_tensor *lout = nullptr;
		uint8_t lst = 0;
		EXPECT_EQ(vaccel_tflite_model_run(&sess, &model, &lt, 1, &lout, 1, &lst),
			  VACCEL_EINVAL);
		EXPECT_EQ(lout, nullptr);
		EXPECT_EQ(vaccel_tflite_tensor_delete(lt), VACCEL_OK);
	}

	vaccel_tf_status st{};
	EXPECT_EQ(vaccel_tf_model_load(&sess, &model, &st), VACCEL_OK);
	EXPECT_STREQ(st.message, "Operation handled by noop plugin");
	vaccel_tf_status_release(&st);
	EXPECT_EQ(vaccel_tflite_model_load(&sess, &model), VACCEL_OK);
	EXPECT_EQ(vaccel_tflite_model_unload(&sess, &model), VACCEL_OK);

	vaccel_resource lib{};
	ASSERT_EQ(vaccel_resource_init(&lib, path.c_str(), VACCEL_RESOURCE_LIB),
		  VACCEL_OK);
	ASSERT_EQ(vaccel_resource_register(&lib, &sess), VACCEL_OK);
	EXPECT_EQ(vaccel_torch_model_load(&sess, &lib), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_resource_release(&lib), VACCEL_OK);
	EXPECT_EQ(vaccel_resource_release(&model), VACCEL_OK);
}

// Upstream 0.7's names of the model operations: the same calls.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
TEST_F(Ops, ModelOperationsByTheirFormerNames)
{
	std::string path = vtest::lib("vaccel-test-lib");
	vaccel_resource model{};
	ASSERT_EQ(vaccel_resource_init(&model, path.c_str(), VACCEL_RESOURCE_MODEL),
		  VACCEL_OK);
	vaccel_tf_status st{};
	EXPECT_EQ(vaccel_tf_session_load(&sess, &model, &st), VACCEL_EPERM);
	EXPECT_EQ(vaccel_tflite_session_load(&sess, &model), VACCEL_EPERM);
	ASSERT_EQ(vaccel_resource_register(&model, &sess), VACCEL_OK);

	int64_t dims[2] = {2, 2};
	float data[4] = {1, 2, 3, 4};
	vaccel_torch_tensor *in = nullptr, *out = nullptr;
	ASSERT_EQ(vaccel_torch_tensor_new(&in, 2, dims, VACCEL_TORCH_FLOAT), VACCEL_OK);
	ASSERT_EQ(vaccel_torch_tensor_set_data(in, data, sizeof data), VACCEL_OK);
	ASSERT_EQ(vaccel_torch_jitload_forward(&sess, &model, nullptr, &in, 1, &out, 1),
		  VACCEL_OK);
	ASSERT_NE(out, nullptr);
	EXPECT_EQ(out->size, sizeof data);
	EXPECT_EQ(std::memcmp(out->data, data, sizeof data), 0);
	EXPECT_EQ(vaccel_torch_tensor_delete(out), VACCEL_OK);
	EXPECT_EQ(vaccel_torch_jitload_forward(&sess, &model, nullptr, nullptr, 1, &out, 1),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_torch_tensor_delete(in), VACCEL_OK);

	EXPECT_EQ(vaccel_tf_session_load(&sess, &model, &st), VACCEL_OK);
	vaccel_tf_status_release(&st);
	EXPECT_EQ(vaccel_tf_session_run(&sess, &model, nullptr, nullptr, nullptr, 1,
					nullptr, nullptr, 1, &st),
		  vaccel_tf_model_run(&sess, &model, nullptr, nullptr, nullptr, 1,
				      nullptr, nullptr, 1, &st));
	EXPECT_EQ(vaccel_tf_session_delete(&sess, &model, &st), VACCEL_OK);
	vaccel_tf_status_release(&st);
	EXPECT_EQ(vaccel_tflite_session_load(&sess, &model), VACCEL_OK);
	uint8_t status = 0;
	EXPECT_EQ(vaccel_tflite_session_run(&sess, &model, nullptr, 1, nullptr, 1, &status),
		  vaccel_tflite_model_run(&sess, &model, nullptr, 1, nullptr, 1, &status));
	EXPECT_EQ(vaccel_tflite_session_delete(&sess, &model), VACCEL_OK);
	EXPECT_EQ(vaccel_resource_release(&model), VACCEL_OK);
}
#pragma GCC diagnostic pop

TEST_F(Ops, OpsThatNoPluginImplementAreNotSupported)
{
	ASSERT_EQ(vaccel_session_release(&sess), VACCEL_OK);
	ASSERT_EQ(boot({"exec"}), VACCEL_OK);
	ASSERT_EQ(vaccel_session_init(&sess, 0), VACCEL_OK);
	EXPECT_EQ(vaccel_noop(&sess), VACCEL_ENOTSUP);
	unsigned char tag[8], name[8];
	EXPECT_EQ(vaccel_image_classification(&sess, "x", tag, name, 1, 8, 8),
		  VACCEL_ENOTSUP);
	int a[1] = {1}, b[1];
	EXPECT_EQ(vaccel_fpga_arraycopy(&sess, a, b, 1), VACCEL_ENOTSUP);
}
