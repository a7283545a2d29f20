// SPDX-License-Identifier: Apache-2.0
// The one description of each operation's generic form: which vaccel_args
// vaccel_genop() takes for it after the operation id, read and written, of
// which types, and whether its arrays may travel in the agent's
// shared-memory arena. From it come
//   - genop's decoding and checking of every argument (src/ops/genop.cpp),
//     which then calls the typed entry point;
//   - the types and number of the args the rpc transport sends for an op
//     (plugins/rpc/rpc.cpp, forward()), and which of them it may place in
//     the arena (src/rpc/wire.cpp);
//   - the table of docs/api.md, "genop argument layouts", which a test
//     renders from here and finds there word for word.
// The rpc plugin forwards every operation as this form, and the agent
// decodes it with genop, so the table is also the wire format of an op.
// Adding an operation with a generic form: its row here, its typed entry
// point (src/ops/ops.cpp), its call in genop.cpp's invoke() and its packer
// in the rpc plugin; the tests walk every operation id and fail on a
// missing one.
//
// Header-only and constexpr: the rpc transport built into static guests
// uses it without the runtime.
#pragma once

#include "vaccel/arg.h"
#include "vaccel/op.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace vaccel::ops {

// One argument. type VACCEL_ARG_MAX: bytes of any type (the fpga and minmax
// layouts take untyped arrays; the typed function checks their sizes), sent
// by the rpc transport as @c sent.
struct Slot {
	const char *name;
	vaccel_arg_type_t type;
	const char *doc; // the type as docs/api.md names it
	vaccel_arg_type_t sent = VACCEL_ARG_MAX;

	// The type the rpc transport gives this arg.
	constexpr vaccel_arg_type_t wire() const
	{
		return type == VACCEL_ARG_MAX ? sent : type;
	}
};

struct Layout {
	const char *name; // the op id's name without VACCEL_OP_
	std::span<const Slot> read; // after the op id
	std::span<const Slot> write;
	// The function's own read and write args follow the read slots
	// (exec): their number and types are the caller's.
	bool rest = false;
	// Passed to the plugin as given, unchecked (opencv).
	bool pass = false;
	// Its array args may travel in the agent's shared-memory arena.
	bool arena = false;
	bool generic = true; // false: no generic form (model operations)
};

namespace layout_detail {

constexpr vaccel_arg_type_t I64 = VACCEL_ARG_INT64, I32 = VACCEL_ARG_INT32,
			    F32 = VACCEL_ARG_FLOAT32,
			    F32S = VACCEL_ARG_FLOAT32_ARRAY,
			    I32S = VACCEL_ARG_INT32_ARRAY,
			    F64 = VACCEL_ARG_FLOAT64,
			    F64S = VACCEL_ARG_FLOAT64_ARRAY,
			    STR = VACCEL_ARG_STRING, BUF = VACCEL_ARG_BUFFER,
			    UCH = VACCEL_ARG_UCHAR_ARRAY, ANY = VACCEL_ARG_MAX;

inline constexpr Slot kNone[] = {{nullptr, ANY, nullptr}};
inline constexpr Slot kExecRead[] = {{"library", STR, "STRING"},
				     {"symbol", STR, "STRING"}};
inline constexpr Slot kExecResRead[] = {
	{"resource id (registered with the session)", I64, "INT64"},
	{"symbol", STR, "STRING"}};
inline constexpr Slot kImageRead[] = {{"image", BUF, "BUFFER"}};
inline constexpr Slot kClassifyWrite[] = {{"out_imgname", UCH, "UCHAR_ARRAY"},
					  {"out_text", UCH, "UCHAR_ARRAY"}};
inline constexpr Slot kImageWrite[] = {{"out_imgname", UCH, "UCHAR_ARRAY"}};
inline constexpr Slot kSgemmRead[] = {
	{"m", I64, "INT64"},   {"n", I64, "INT64"},   {"k", I64, "INT64"},
	{"alpha", F32, "FLOAT32"}, {"a", F32S, "FLOAT32_ARRAY"},
	{"lda", I64, "INT64"}, {"b", F32S, "FLOAT32_ARRAY"},
	{"ldb", I64, "INT64"}, {"beta", F32, "FLOAT32"},
	{"ldc", I64, "INT64"}};
inline constexpr Slot kSgemmWrite[] = {{"c", F32S, "FLOAT32_ARRAY"}};
inline constexpr Slot kCopyRead[] = {{"a", ANY, "int array", I32S}};
inline constexpr Slot kCopyWrite[] = {{"out_a", ANY, "int array", I32S}};
inline constexpr Slot kTwoFloatArrays[] = {{"a", ANY, "float array", F32S},
					   {"b", ANY, "float array", F32S}};
inline constexpr Slot kFloatC[] = {{"c", ANY, "float array", F32S}};
inline constexpr Slot kParallelWrite[] = {
	{"add_output", ANY, "float array", F32S},
	{"mult_output", ANY, "float array", F32S}};
inline constexpr Slot kMinmaxRead[] = {{"indata", ANY, "double array", F64S},
				       {"ndata", ANY, "int", I32},
				       {"low_threshold", ANY, "int", I32},
				       {"high_threshold", ANY, "int", I32}};
inline constexpr Slot kMinmaxWrite[] = {{"outdata", ANY, "double array", F64S},
					{"min", ANY, "double", F64},
					{"max", ANY, "double", F64}};

constexpr std::span<const Slot> none()
{
	return std::span<const Slot>(kNone, 0);
}

constexpr Layout model(const char *name)
{
	return Layout{name, none(), none(), false, false, false, false};
}

} // namespace layout_detail

// Indexed by vaccel_op_type_t.
inline constexpr std::array<Layout, VACCEL_OP_MAX> kLayouts = [] {
	using namespace layout_detail;
	std::array<Layout, VACCEL_OP_MAX> t{};
	t[VACCEL_OP_NOOP] = {"NOOP", none(), none()};
	t[VACCEL_OP_EXEC] = {"EXEC", kExecRead, none(), true};
	t[VACCEL_OP_EXEC_WITH_RESOURCE] = {"EXEC_WITH_RESOURCE", kExecResRead,
					   none(), true};
	t[VACCEL_OP_IMAGE_CLASSIFY] = {"IMAGE_CLASSIFY", kImageRead,
				       kClassifyWrite};
	t[VACCEL_OP_IMAGE_DETECT] = {"IMAGE_DETECT", kImageRead, kImageWrite};
	t[VACCEL_OP_IMAGE_SEGMENT] = {"IMAGE_SEGMENT", kImageRead, kImageWrite};
	t[VACCEL_OP_IMAGE_POSE] = {"IMAGE_POSE", kImageRead, kImageWrite};
	t[VACCEL_OP_IMAGE_DEPTH] = {"IMAGE_DEPTH", kImageRead, kImageWrite};
	t[VACCEL_OP_TF_MODEL_LOAD] = model("TF_MODEL_LOAD");
	t[VACCEL_OP_TF_MODEL_UNLOAD] = model("TF_MODEL_UNLOAD");
	t[VACCEL_OP_TF_MODEL_RUN] = model("TF_MODEL_RUN");
	t[VACCEL_OP_TFLITE_MODEL_LOAD] = model("TFLITE_MODEL_LOAD");
	t[VACCEL_OP_TFLITE_MODEL_UNLOAD] = model("TFLITE_MODEL_UNLOAD");
	t[VACCEL_OP_TFLITE_MODEL_RUN] = model("TFLITE_MODEL_RUN");
	t[VACCEL_OP_TORCH_MODEL_LOAD] = model("TORCH_MODEL_LOAD");
	t[VACCEL_OP_TORCH_MODEL_RUN] = model("TORCH_MODEL_RUN");
	t[VACCEL_OP_TORCH_SGEMM] = model("TORCH_SGEMM");
	t[VACCEL_OP_BLAS_SGEMM] = {"BLAS_SGEMM", kSgemmRead, kSgemmWrite,
				   false, false, true};
	t[VACCEL_OP_FPGA_ARRAYCOPY] = {"FPGA_ARRAYCOPY", kCopyRead, kCopyWrite,
				       false, false, true};
	t[VACCEL_OP_FPGA_MMULT] = {"FPGA_MMULT", kTwoFloatArrays, kFloatC,
				   false, false, true};
	t[VACCEL_OP_FPGA_PARALLEL] = {"FPGA_PARALLEL", kTwoFloatArrays,
				      kParallelWrite, false, false, true};
	t[VACCEL_OP_FPGA_VECTORADD] = {"FPGA_VECTORADD", kTwoFloatArrays,
				       kFloatC, false, false, true};
	t[VACCEL_OP_MINMAX] = {"MINMAX", kMinmaxRead, kMinmaxWrite};
	t[VACCEL_OP_OPENCV] = {"OPENCV", none(), none(), false, true};
	return t;
}();

// Every operation id has its row, named as its enum item.
static_assert([] {
	for (size_t i = 0; i < kLayouts.size(); ++i)
		if (!kLayouts[i].name)
			return false;
	return true;
}());

// Every slot of a row with a fixed form has a type to send.
static_assert([] {
	for (const Layout &l : kLayouts)
		for (auto slots : {l.read, l.write})
			for (const Slot &sl : slots)
				if (sl.wire() == VACCEL_ARG_MAX)
					return false;
	return true;
}());

// The row of @p op, or nullptr for an id out of range.
constexpr const Layout *layout(uint32_t op) noexcept
{
	return op < kLayouts.size() ? &kLayouts[op] : nullptr;
}

// Bytes of one element of an array type, of a scalar type, or 1 for
// BUFFER, STRING and the rest; 0 for none of those.
constexpr size_t elem_size(vaccel_arg_type_t t) noexcept
{
	switch (t) {
	case VACCEL_ARG_INT8: case VACCEL_ARG_INT8_ARRAY:
	case VACCEL_ARG_UINT8: case VACCEL_ARG_UINT8_ARRAY:
	case VACCEL_ARG_CHAR: case VACCEL_ARG_CHAR_ARRAY:
	case VACCEL_ARG_UCHAR: case VACCEL_ARG_UCHAR_ARRAY:
	case VACCEL_ARG_BOOL: case VACCEL_ARG_BOOL_ARRAY:
	case VACCEL_ARG_STRING: case VACCEL_ARG_BUFFER:
		return 1;
	case VACCEL_ARG_INT16: case VACCEL_ARG_INT16_ARRAY:
	case VACCEL_ARG_UINT16: case VACCEL_ARG_UINT16_ARRAY:
		return 2;
	case VACCEL_ARG_INT32: case VACCEL_ARG_INT32_ARRAY:
	case VACCEL_ARG_UINT32: case VACCEL_ARG_UINT32_ARRAY:
	case VACCEL_ARG_FLOAT32: case VACCEL_ARG_FLOAT32_ARRAY:
		return 4;
	case VACCEL_ARG_INT64: case VACCEL_ARG_INT64_ARRAY:
	case VACCEL_ARG_UINT64: case VACCEL_ARG_UINT64_ARRAY:
	case VACCEL_ARG_FLOAT64: case VACCEL_ARG_FLOAT64_ARRAY:
		return 8;
	default:
		return 0;
	}
}

// Whether @p t is one of the numeric array types.
constexpr bool is_numeric_array(vaccel_arg_type_t t) noexcept
{
	switch (t) {
	case VACCEL_ARG_INT8_ARRAY: case VACCEL_ARG_INT16_ARRAY:
	case VACCEL_ARG_INT32_ARRAY: case VACCEL_ARG_INT64_ARRAY:
	case VACCEL_ARG_UINT8_ARRAY: case VACCEL_ARG_UINT16_ARRAY:
	case VACCEL_ARG_UINT32_ARRAY: case VACCEL_ARG_UINT64_ARRAY:
	case VACCEL_ARG_FLOAT32_ARRAY: case VACCEL_ARG_FLOAT64_ARRAY:
		return true;
	default:
		return false;
	}
}

// Whether @p t is a scalar of a fixed size (one element, exactly).
constexpr bool is_scalar(vaccel_arg_type_t t) noexcept
{
	return elem_size(t) && !is_numeric_array(t) &&
	       t != VACCEL_ARG_STRING && t != VACCEL_ARG_BUFFER &&
	       t != VACCEL_ARG_CHAR_ARRAY && t != VACCEL_ARG_UCHAR_ARRAY &&
	       t != VACCEL_ARG_BOOL_ARRAY;
}

} // namespace vaccel::ops
