// SPDX-License-Identifier: Apache-2.0
// Framework tensors (torch, tf, tflite), buffers, tf nodes and statuses.
#include <vaccel.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

// One traits class per tensor kind, so every test runs on all three.
struct TorchKind {
	using Tensor = vaccel_torch_tensor;
	using Dim = int64_t;
	using NrDims = int64_t;
	static constexpr vaccel_torch_data_type type = VACCEL_TORCH_FLOAT;
	static constexpr const char *name = "Torch";
	static int init(Tensor *t, NrDims n, const Dim *d)
	{
		return vaccel_torch_tensor_init(t, n, d, type);
	}
	static int release(Tensor *t)
	{
		return vaccel_torch_tensor_release(t);
	}
	static int make(Tensor **t, NrDims n, const Dim *d)
	{
		return vaccel_torch_tensor_new(t, n, d, type);
	}
	static int allocate(Tensor **t, NrDims n, const Dim *d, size_t size)
	{
		return vaccel_torch_tensor_allocate(t, n, d, type, size);
	}
	static int del(Tensor *t)
	{
		return vaccel_torch_tensor_delete(t);
	}
	static int set_data(Tensor *t, void *data, size_t size)
	{
		return vaccel_torch_tensor_set_data(t, data, size);
	}
	static int take_data(Tensor *t, void **data, size_t *size)
	{
		return vaccel_torch_tensor_take_data(t, data, size);
	}
};

struct TfKind {
	using Tensor = vaccel_tf_tensor;
	using Dim = int64_t;
	using NrDims = int;
	static constexpr vaccel_tf_data_type type = VACCEL_TF_INT32;
	static constexpr const char *name = "Tf";
	static int init(Tensor *t, NrDims n, const Dim *d)
	{
		return vaccel_tf_tensor_init(t, n, d, type);
	}
	static int release(Tensor *t)
	{
		return vaccel_tf_tensor_release(t);
	}
	static int make(Tensor **t, NrDims n, const Dim *d)
	{
		return vaccel_tf_tensor_new(t, n, d, type);
	}
	static int allocate(Tensor **t, NrDims n, const Dim *d, size_t size)
	{
		return vaccel_tf_tensor_allocate(t, n, d, type, size);
	}
	static int del(Tensor *t)
	{
		return vaccel_tf_tensor_delete(t);
	}
	static int set_data(Tensor *t, void *data, size_t size)
	{
		return vaccel_tf_tensor_set_data(t, data, size);
	}
	static int take_data(Tensor *t, void **data, size_t *size)
	{
		return vaccel_tf_tensor_take_data(t, data, size);
	}
};

struct TfliteKind {
	using Tensor = vaccel_tflite_tensor;
	using Dim = int32_t;
	using NrDims = int;
	static constexpr vaccel_tflite_data_type type = VACCEL_TFLITE_UINT8;
	static constexpr const char *name = "Tflite";
	static int init(Tensor *t, NrDims n, const Dim *d)
	{
		return vaccel_tflite_tensor_init(t, n, d, type);
	}
	static int release(Tensor *t)
	{
		return vaccel_tflite_tensor_release(t);
	}
	static int make(Tensor **t, NrDims n, const Dim *d)
	{
		return vaccel_tflite_tensor_new(t, n, d, type);
	}
	static int allocate(Tensor **t, NrDims n, const Dim *d, size_t size)
	{
		return vaccel_tflite_tensor_allocate(t, n, d, type, size);
	}
	static int del(Tensor *t)
	{
		return vaccel_tflite_tensor_delete(t);
	}
	static int set_data(Tensor *t, void *data, size_t size)
	{
		return vaccel_tflite_tensor_set_data(t, data, size);
	}
	static int take_data(Tensor *t, void **data, size_t *size)
	{
		return vaccel_tflite_tensor_take_data(t, data, size);
	}
};

struct KindName {
	template <class K> static std::string GetName(int)
	{
		return K::name;
	}
};

using Kinds = ::testing::Types<TorchKind, TfKind, TfliteKind>;

} // namespace

template <class K> class TensorKinds : public ::testing::Test {};
TYPED_TEST_SUITE(TensorKinds, Kinds, KindName);

TYPED_TEST(TensorKinds, InitCopiesTheDimensions)
{
	using K = TypeParam;
	typename K::Dim dims[3] = {2, 3, 4};
	typename K::Tensor t{};
	ASSERT_EQ(K::init(&t, 3, dims), VACCEL_OK);
	EXPECT_EQ(t.nr_dims, 3);
	ASSERT_NE(t.dims, nullptr);
	EXPECT_NE(t.dims, dims);
	dims[0] = 99;
	EXPECT_EQ(t.dims[0], 2);
	EXPECT_EQ(t.dims[1], 3);
	EXPECT_EQ(t.dims[2], 4);
	EXPECT_EQ(t.data_type, K::type);
	EXPECT_EQ(t.data, nullptr);
	EXPECT_EQ(t.size, 0u);
	EXPECT_FALSE(t.owned);
	ASSERT_EQ(K::release(&t), VACCEL_OK);
	EXPECT_EQ(t.dims, nullptr);
	EXPECT_EQ(t.nr_dims, 0);
	EXPECT_EQ(t.data, nullptr);

	// No dimensions given: that many zeroed ones, as upstream.
	ASSERT_EQ(K::init(&t, 2, nullptr), VACCEL_OK);
	EXPECT_EQ(t.nr_dims, 2);
	ASSERT_NE(t.dims, nullptr);
	EXPECT_EQ(t.dims[0], 0);
	EXPECT_EQ(t.dims[1], 0);
	EXPECT_EQ(t.data_type, K::type);
	EXPECT_EQ(K::release(&t), VACCEL_OK);
}

TYPED_TEST(TensorKinds, InitRefusesBadInput)
{
	using K = TypeParam;
	typename K::Dim dims[1] = {1};
	typename K::Tensor t{};
	EXPECT_EQ(K::init(nullptr, 1, dims), VACCEL_EINVAL);
	EXPECT_EQ(K::init(&t, -1, dims), VACCEL_EINVAL);
	// No dimensions (a scalar): VACCEL_EINVAL, as upstream, with or
	// without dims.
	EXPECT_EQ(K::init(&t, 0, dims), VACCEL_EINVAL);
	EXPECT_EQ(K::init(&t, 0, nullptr), VACCEL_EINVAL);
	EXPECT_EQ(t.dims, nullptr);
	EXPECT_EQ(K::release(nullptr), VACCEL_EINVAL);

	typename K::Tensor *p = nullptr;
	EXPECT_EQ(K::make(nullptr, 1, dims), VACCEL_EINVAL);
	EXPECT_EQ(K::make(&p, -2, dims), VACCEL_EINVAL);
	EXPECT_EQ(K::make(&p, 0, dims), VACCEL_EINVAL);
	EXPECT_EQ(K::allocate(nullptr, 1, dims, 8), VACCEL_EINVAL);
	EXPECT_EQ(K::allocate(&p, -1, dims, 8), VACCEL_EINVAL);
	EXPECT_EQ(K::allocate(&p, 0, dims, 8), VACCEL_EINVAL);
	EXPECT_EQ(K::allocate(&p, 0, nullptr, 0), VACCEL_EINVAL);
	EXPECT_EQ(p, nullptr);
	EXPECT_EQ(K::del(nullptr), VACCEL_EINVAL);
}

TYPED_TEST(TensorKinds, NewAndAllocate)
{
	using K = TypeParam;
	typename K::Dim dims[2] = {4, 6};
	typename K::Tensor *t = nullptr;
	ASSERT_EQ(K::make(&t, 2, dims), VACCEL_OK);
	ASSERT_NE(t, nullptr);
	EXPECT_EQ(t->nr_dims, 2);
	EXPECT_EQ(t->dims[1], 6);
	EXPECT_EQ(t->data, nullptr);
	EXPECT_FALSE(t->owned);
	EXPECT_EQ(K::del(t), VACCEL_OK);

	typename K::Tensor *a = nullptr;
	ASSERT_EQ(K::allocate(&a, 2, dims, 24), VACCEL_OK);
	ASSERT_NE(a, nullptr);
	ASSERT_NE(a->data, nullptr);
	EXPECT_EQ(a->size, 24u);
	EXPECT_TRUE(a->owned);
	EXPECT_EQ(a->data_type, K::type);
	EXPECT_EQ(a->dims[0], 4);
	std::vector<uint8_t> zeros(24, 0);
	EXPECT_EQ(memcmp(a->data, zeros.data(), 24), 0);
	memset(a->data, 0xab, 24); // writable, all 24 bytes
	EXPECT_EQ(K::del(a), VACCEL_OK); // frees the data too (ASan checks)

	// No bytes: no data. No dims: zeroed ones.
	typename K::Tensor *z = nullptr;
	ASSERT_EQ(K::allocate(&z, 1, nullptr, 0), VACCEL_OK);
	ASSERT_NE(z, nullptr);
	EXPECT_EQ(z->nr_dims, 1);
	ASSERT_NE(z->dims, nullptr);
	EXPECT_EQ(z->dims[0], 0);
	EXPECT_EQ(z->data, nullptr);
	EXPECT_EQ(z->size, 0u);
	EXPECT_FALSE(z->owned);
	EXPECT_EQ(K::del(z), VACCEL_OK);
}

TYPED_TEST(TensorKinds, SetDataBorrowsAndDropsOwnedData)
{
	using K = TypeParam;
	typename K::Dim dims[1] = {4};
	float mine[4] = {1, 2, 3, 4};
	typename K::Tensor *t = nullptr;
	ASSERT_EQ(K::allocate(&t, 1, dims, 16), VACCEL_OK);
	ASSERT_TRUE(t->owned);
	// The allocated bytes are freed (else ASan reports a leak).
	ASSERT_EQ(K::set_data(t, mine, sizeof mine), VACCEL_OK);
	EXPECT_EQ(t->data, mine);
	EXPECT_EQ(t->size, sizeof mine);
	EXPECT_FALSE(t->owned);
	EXPECT_EQ(t->nr_dims, 1);
	EXPECT_EQ(t->dims[0], 4);

	// No data with a size is stored, as upstream; operations refuse it.
	EXPECT_EQ(K::set_data(t, nullptr, 4), VACCEL_OK);
	EXPECT_EQ(t->data, nullptr);
	EXPECT_EQ(t->size, 4u);
	EXPECT_FALSE(t->owned);
	EXPECT_EQ(K::set_data(nullptr, mine, 4), VACCEL_EINVAL);
	ASSERT_EQ(K::set_data(t, nullptr, 0), VACCEL_OK);
	EXPECT_EQ(t->data, nullptr);
	EXPECT_EQ(t->size, 0u);
	ASSERT_EQ(K::set_data(t, mine, 8), VACCEL_OK);
	// Borrowed data is not freed by delete (ASan would report it).
	EXPECT_EQ(K::del(t), VACCEL_OK);
	EXPECT_EQ(mine[3], 4.0f);
}

TYPED_TEST(TensorKinds, TakeDataHandsItOver)
{
	using K = TypeParam;
	typename K::Dim dims[1] = {8};
	typename K::Tensor *t = nullptr;
	ASSERT_EQ(K::allocate(&t, 1, dims, 8), VACCEL_OK);
	void *expected = t->data;
	static_cast<uint8_t *>(t->data)[7] = 42;
	void *data = nullptr;
	size_t size = 0;
	EXPECT_EQ(K::take_data(t, nullptr, &size), VACCEL_EINVAL);
	EXPECT_EQ(K::take_data(t, &data, nullptr), VACCEL_EINVAL);
	EXPECT_EQ(K::take_data(nullptr, &data, &size), VACCEL_EINVAL);
	EXPECT_EQ(t->data, expected);
	ASSERT_EQ(K::take_data(t, &data, &size), VACCEL_OK);
	EXPECT_EQ(data, expected);
	EXPECT_EQ(size, 8u);
	EXPECT_EQ(t->data, nullptr);
	EXPECT_EQ(t->size, 0u);
	EXPECT_FALSE(t->owned);
	EXPECT_EQ(t->nr_dims, 1);
	ASSERT_EQ(K::del(t), VACCEL_OK);
	// Still ours after the tensor is gone.
	EXPECT_EQ(static_cast<uint8_t *>(data)[7], 42);
	free(data);

	// From an empty tensor: nothing.
	typename K::Tensor e{};
	ASSERT_EQ(K::init(&e, 1, dims), VACCEL_OK);
	data = &e;
	size = 5;
	ASSERT_EQ(K::take_data(&e, &data, &size), VACCEL_OK);
	EXPECT_EQ(data, nullptr);
	EXPECT_EQ(size, 0u);
	EXPECT_EQ(K::release(&e), VACCEL_OK);
}

TYPED_TEST(TensorKinds, SetDataToItsOwnBufferKeepsIt)
{
	using K = TypeParam;
	typename K::Dim dims[1] = {16};
	typename K::Tensor *t = nullptr;
	ASSERT_EQ(K::allocate(&t, 1, dims, 16), VACCEL_OK);
	auto *own = static_cast<uint8_t *>(t->data);
	// Pointing the tensor at the buffer it already owns (e.g. to shrink
	// the size) must neither free it nor leak it.
	ASSERT_EQ(K::set_data(t, own, 8), VACCEL_OK);
	EXPECT_EQ(t->data, own);
	EXPECT_EQ(t->size, 8u);
	EXPECT_TRUE(t->owned);
	memset(own, 0x11, 16); // still valid memory (ASan checks)
	EXPECT_EQ(K::del(t), VACCEL_OK); // and freed here (leak check)
}

TEST(TensorTorch, DimensionCountWhoseByteSizeOverflowsIsRefused)
{
	int64_t dims[2] = {1, 2};
	// nr_dims * sizeof(int64_t) wraps around to 0.
	const int64_t huge = (int64_t)(SIZE_MAX / sizeof(int64_t)) + 1;
	vaccel_torch_tensor t{};
	EXPECT_EQ(vaccel_torch_tensor_init(&t, huge, dims, VACCEL_TORCH_LONG),
		  VACCEL_EINVAL);
	EXPECT_EQ(t.nr_dims, 0);
	EXPECT_EQ(t.dims, nullptr);
	vaccel_torch_tensor *p = nullptr;
	EXPECT_EQ(vaccel_torch_tensor_new(&p, huge, dims, VACCEL_TORCH_LONG),
		  VACCEL_EINVAL);
	EXPECT_EQ(p, nullptr);
}

TEST(TensorTorch, LargeDimensionCountIsStored)
{
	std::vector<int64_t> dims(16);
	for (size_t i = 0; i < dims.size(); ++i)
		dims[i] = (int64_t)i + 1;
	vaccel_torch_tensor t{};
	ASSERT_EQ(vaccel_torch_tensor_init(&t, 16, dims.data(),
					   VACCEL_TORCH_LONG),
		  VACCEL_OK);
	EXPECT_EQ(t.nr_dims, 16);
	EXPECT_EQ(std::vector<int64_t>(t.dims, t.dims + 16), dims);
	EXPECT_EQ(t.data_type, VACCEL_TORCH_LONG);
	EXPECT_EQ(vaccel_torch_tensor_release(&t), VACCEL_OK);
}

/* ---- buffers ------------------------------------------------------------- */

TEST(TensorBuffer, TorchBufferOwnsItsData)
{
	char *data = static_cast<char *>(malloc(5));
	memcpy(data, "opts", 5);
	vaccel_torch_buffer b{};
	ASSERT_EQ(vaccel_torch_buffer_init(&b, data, 5), VACCEL_OK);
	EXPECT_EQ(b.data, data);
	EXPECT_EQ(b.size, 5u);
	ASSERT_EQ(vaccel_torch_buffer_release(&b), VACCEL_OK); // frees data
	EXPECT_EQ(b.data, nullptr);
	EXPECT_EQ(b.size, 0u);
	// Empty buffers are fine.
	ASSERT_EQ(vaccel_torch_buffer_init(&b, nullptr, 0), VACCEL_OK);
	EXPECT_EQ(vaccel_torch_buffer_release(&b), VACCEL_OK);

	vaccel_torch_buffer *p = nullptr;
	char *d2 = static_cast<char *>(malloc(3));
	memcpy(d2, "ab", 3);
	ASSERT_EQ(vaccel_torch_buffer_new(&p, d2, 3), VACCEL_OK);
	ASSERT_NE(p, nullptr);
	EXPECT_EQ(p->data, d2);
	void *taken = nullptr;
	size_t size = 0;
	ASSERT_EQ(vaccel_torch_buffer_take_data(p, &taken, &size), VACCEL_OK);
	EXPECT_EQ(taken, d2);
	EXPECT_EQ(size, 3u);
	EXPECT_EQ(p->data, nullptr);
	EXPECT_EQ(p->size, 0u);
	EXPECT_EQ(vaccel_torch_buffer_delete(p), VACCEL_OK);
	EXPECT_STREQ(static_cast<char *>(taken), "ab");
	free(taken);

	char c = 'x';
	EXPECT_EQ(vaccel_torch_buffer_init(nullptr, &c, 1), VACCEL_EINVAL);
	ASSERT_EQ(vaccel_torch_buffer_init(&b, nullptr, 1), VACCEL_OK);
	EXPECT_EQ(b.data, nullptr);
	EXPECT_EQ(b.size, 1u);
	EXPECT_EQ(vaccel_torch_buffer_release(nullptr), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_torch_buffer_new(nullptr, &c, 1), VACCEL_EINVAL);
	p = nullptr;
	ASSERT_EQ(vaccel_torch_buffer_new(&p, nullptr, 1), VACCEL_OK); // as upstream
	ASSERT_NE(p, nullptr);
	EXPECT_EQ(p->data, nullptr);
	EXPECT_EQ(p->size, 1u);
	p->size = 0;
	EXPECT_EQ(vaccel_torch_buffer_delete(p), VACCEL_OK);
	EXPECT_EQ(vaccel_torch_buffer_delete(nullptr), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_torch_buffer_take_data(nullptr, &taken, &size),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_torch_buffer_take_data(&b, nullptr, &size),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_torch_buffer_take_data(&b, &taken, nullptr),
		  VACCEL_EINVAL);
}

TEST(TensorBuffer, TfBufferOwnsItsData)
{
	void *data = malloc(16);
	memset(data, 7, 16);
	vaccel_tf_buffer b{};
	ASSERT_EQ(vaccel_tf_buffer_init(&b, data, 16), VACCEL_OK);
	EXPECT_EQ(b.data, data);
	EXPECT_EQ(b.size, 16u);
	ASSERT_EQ(vaccel_tf_buffer_release(&b), VACCEL_OK);
	EXPECT_EQ(b.data, nullptr);
	EXPECT_EQ(b.size, 0u);

	vaccel_tf_buffer *p = nullptr;
	void *d2 = malloc(4);
	memset(d2, 9, 4);
	ASSERT_EQ(vaccel_tf_buffer_new(&p, d2, 4), VACCEL_OK);
	ASSERT_NE(p, nullptr);
	void *taken = nullptr;
	size_t size = 0;
	ASSERT_EQ(vaccel_tf_buffer_take_data(p, &taken, &size), VACCEL_OK);
	EXPECT_EQ(taken, d2);
	EXPECT_EQ(size, 4u);
	EXPECT_EQ(p->data, nullptr);
	EXPECT_EQ(vaccel_tf_buffer_delete(p), VACCEL_OK);
	EXPECT_EQ(static_cast<uint8_t *>(taken)[3], 9);
	free(taken);

	// A buffer that still has data frees it on delete.
	ASSERT_EQ(vaccel_tf_buffer_new(&p, malloc(8), 8), VACCEL_OK);
	EXPECT_EQ(vaccel_tf_buffer_delete(p), VACCEL_OK);

	int x = 0;
	EXPECT_EQ(vaccel_tf_buffer_init(nullptr, &x, 1), VACCEL_EINVAL);
	ASSERT_EQ(vaccel_tf_buffer_init(&b, nullptr, 1), VACCEL_OK);
	EXPECT_EQ(b.data, nullptr);
	EXPECT_EQ(b.size, 1u);
	EXPECT_EQ(vaccel_tf_buffer_release(nullptr), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_tf_buffer_new(nullptr, &x, 1), VACCEL_EINVAL);
	p = nullptr;
	ASSERT_EQ(vaccel_tf_buffer_new(&p, nullptr, 2), VACCEL_OK); // as upstream
	ASSERT_NE(p, nullptr);
	EXPECT_EQ(p->data, nullptr);
	EXPECT_EQ(p->size, 2u);
	p->size = 0;
	EXPECT_EQ(vaccel_tf_buffer_delete(p), VACCEL_OK);
	EXPECT_EQ(vaccel_tf_buffer_delete(nullptr), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_tf_buffer_take_data(nullptr, &taken, &size),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_tf_buffer_take_data(&b, nullptr, &size),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_tf_buffer_take_data(&b, &taken, nullptr),
		  VACCEL_EINVAL);
}

/* ---- tf nodes and statuses ----------------------------------------------- */

TEST(TensorTfNode, InitCopiesTheName)
{
	std::string name = "serving_default_input";
	vaccel_tf_node n{};
	ASSERT_EQ(vaccel_tf_node_init(&n, name.c_str(), 3), VACCEL_OK);
	ASSERT_NE(n.name, nullptr);
	EXPECT_NE(n.name, name.c_str());
	EXPECT_STREQ(n.name, "serving_default_input");
	EXPECT_EQ(n.id, 3);
	name[0] = 'X';
	EXPECT_STREQ(n.name, "serving_default_input");
	ASSERT_EQ(vaccel_tf_node_release(&n), VACCEL_OK);
	EXPECT_EQ(n.name, nullptr);
	EXPECT_EQ(n.id, -1); // no node, as upstream

	vaccel_tf_node *p = nullptr;
	ASSERT_EQ(vaccel_tf_node_new(&p, "out", -1), VACCEL_OK);
	ASSERT_NE(p, nullptr);
	EXPECT_STREQ(p->name, "out");
	EXPECT_EQ(p->id, -1);
	EXPECT_EQ(vaccel_tf_node_delete(p), VACCEL_OK);

	EXPECT_EQ(vaccel_tf_node_init(nullptr, "a", 0), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_tf_node_init(&n, nullptr, 0), VACCEL_EINVAL);
	EXPECT_EQ(n.name, nullptr);
	EXPECT_EQ(vaccel_tf_node_release(nullptr), VACCEL_EINVAL);
	p = nullptr;
	EXPECT_EQ(vaccel_tf_node_new(nullptr, "a", 0), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_tf_node_new(&p, nullptr, 0), VACCEL_EINVAL);
	EXPECT_EQ(p, nullptr);
	EXPECT_EQ(vaccel_tf_node_delete(nullptr), VACCEL_EINVAL);
}

TEST(TensorTfStatus, InitCopiesTheMessage)
{
	std::string msg = "Invalid argument";
	vaccel_tf_status s{};
	ASSERT_EQ(vaccel_tf_status_init(&s, 3, msg.c_str()), VACCEL_OK);
	EXPECT_EQ(s.code, 3);
	ASSERT_NE(s.message, nullptr);
	EXPECT_NE(s.message, msg.c_str());
	EXPECT_STREQ(s.message, "Invalid argument");
	ASSERT_EQ(vaccel_tf_status_release(&s), VACCEL_OK);
	EXPECT_EQ(s.message, nullptr);
	EXPECT_EQ(s.code, 0);

	vaccel_tf_status *p = nullptr;
	ASSERT_EQ(vaccel_tf_status_new(&p, 255, ""), VACCEL_OK);
	ASSERT_NE(p, nullptr);
	EXPECT_EQ(p->code, 255);
	EXPECT_STREQ(p->message, "");
	EXPECT_EQ(vaccel_tf_status_delete(p), VACCEL_OK);

	EXPECT_EQ(vaccel_tf_status_init(nullptr, 0, "m"), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_tf_status_init(&s, 0, nullptr), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_tf_status_release(nullptr), VACCEL_EINVAL);
	p = nullptr;
	EXPECT_EQ(vaccel_tf_status_new(nullptr, 0, "m"), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_tf_status_new(&p, 0, nullptr), VACCEL_EINVAL);
	EXPECT_EQ(p, nullptr);
	EXPECT_EQ(vaccel_tf_status_delete(nullptr), VACCEL_EINVAL);
}
