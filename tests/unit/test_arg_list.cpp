// SPDX-License-Identifier: Apache-2.0
// The deprecated argument list of upstream vAccel 0.6/0.7, used the way
// programs and exec libraries written for it use it.
#include "support.hpp"

#include <cstdlib>
#include <cstring>
#include <string>

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace {

struct Point {
	int32_t x, y;
};
// As such programs write them: malloc'd bytes out, a fresh object back.
void *serialize_point(void *p, uint32_t *bytes)
{
	auto *out = static_cast<Point *>(malloc(sizeof(Point)));
	*out = *static_cast<Point *>(p);
	*bytes = sizeof(Point);
	return out;
}
void *serialize_big(void *, uint32_t *bytes)
{
	*bytes = 64;
	return calloc(1, 64);
}
void *deserialize_point(void *buf, uint32_t size)
{
	return size == sizeof(Point) ? buf : nullptr;
}

} // namespace

TEST(ArgList, BuildsTheArgumentsAnOperationTakes)
{
	int32_t in = 21, out = 0;
	Point p{3, 4};
	vaccel_arg_list *read = vaccel_args_init(2);
	ASSERT_NE(read, nullptr);
	EXPECT_EQ(vaccel_add_serial_arg(read, &in, sizeof in), VACCEL_OK);
	EXPECT_EQ(vaccel_add_nonserial_arg(read, &p, 77, serialize_point), VACCEL_OK);
	// Full, or nothing to add.
	EXPECT_EQ(vaccel_add_serial_arg(read, &in, sizeof in), VACCEL_EINVAL);
	EXPECT_EQ(read->curr_idx, 2);
	EXPECT_EQ(read->list[0].buf, &in);
	EXPECT_EQ(read->list[0].size, 4u);
	EXPECT_EQ(read->list[0].type, VACCEL_ARG_RAW);
	EXPECT_EQ(read->list[1].type, VACCEL_ARG_CUSTOM);
	EXPECT_EQ(read->list[1].custom_type_id, 77u);
	ASSERT_EQ(read->list[1].size, sizeof(Point));
	EXPECT_NE(read->list[1].buf, &p); // its own serialized copy
	auto *back = static_cast<Point *>(
		vaccel_extract_nonserial_arg(read->list, 1, deserialize_point));
	ASSERT_NE(back, nullptr);
	EXPECT_EQ(back->x, 3);
	EXPECT_EQ(back->y, 4);
	EXPECT_EQ(*static_cast<int32_t *>(vaccel_extract_serial_arg(read->list, 0)), 21);

	vaccel_arg_list *write = vaccel_args_init(2);
	ASSERT_NE(write, nullptr);
	EXPECT_EQ(vaccel_expect_serial_arg(write, &out, sizeof out), VACCEL_OK);
	EXPECT_EQ(vaccel_expect_nonserial_arg(write, sizeof(Point)), VACCEL_OK);
	ASSERT_NE(write->list[1].buf, nullptr);
	EXPECT_EQ(static_cast<Point *>(write->list[1].buf)->x, 0); // zeroed
	int32_t v = 42;
	EXPECT_EQ(vaccel_write_serial_arg(write->list, 0, &v), VACCEL_OK);
	EXPECT_EQ(out, 42);
	Point q{5, 6};
	EXPECT_EQ(vaccel_write_nonserial_arg(write->list, 1, &q, serialize_point), VACCEL_OK);
	EXPECT_EQ(static_cast<Point *>(write->list[1].buf)->y, 6);
	// More bytes than the argument holds: refused, nothing written.
	EXPECT_EQ(vaccel_write_nonserial_arg(write->list, 1, &q, serialize_big), VACCEL_EINVAL);
	EXPECT_EQ(static_cast<Point *>(write->list[1].buf)->y, 6);

	// The list frees what it allocated (ASan checks), not what it borrowed.
	EXPECT_EQ(vaccel_delete_args(read), VACCEL_OK);
	EXPECT_EQ(vaccel_delete_args(write), VACCEL_OK);
}

TEST(ArgList, BadInput)
{
	EXPECT_EQ(vaccel_args_init(0), nullptr);
	int32_t x = 1;
	vaccel_arg_list *l = vaccel_args_init(1);
	ASSERT_NE(l, nullptr);
	EXPECT_EQ(vaccel_add_serial_arg(nullptr, &x, 4), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_add_serial_arg(l, nullptr, 4), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_add_serial_arg(l, &x, 0), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_add_nonserial_arg(l, &x, 1, nullptr), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_expect_serial_arg(l, nullptr, 4), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_expect_nonserial_arg(l, 0), VACCEL_EINVAL);
	EXPECT_EQ(l->curr_idx, 0);
	EXPECT_EQ(vaccel_extract_serial_arg(nullptr, 0), nullptr);
	EXPECT_EQ(vaccel_extract_serial_arg(l->list, -1), nullptr);
	EXPECT_EQ(vaccel_extract_nonserial_arg(l->list, 0, nullptr), nullptr);
	EXPECT_EQ(vaccel_write_serial_arg(l->list, -1, &x), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_write_serial_arg(l->list, 0, nullptr), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_write_nonserial_arg(l->list, 0, &x, nullptr), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_delete_args(nullptr), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_delete_args(l), VACCEL_OK);
}

// A 0.7 program calling an exec library written with the same helpers.
TEST(ArgList, ExecWithTheListsBothSides)
{
	ASSERT_EQ(vtest::boot({"exec"}), VACCEL_OK);
	vaccel_session s{};
	ASSERT_EQ(vaccel_session_init(&s, 0), VACCEL_OK);
	int32_t in = 21, out = 0;
	vaccel_arg_list *read = vaccel_args_init(1), *write = vaccel_args_init(1);
	ASSERT_EQ(vaccel_add_serial_arg(read, &in, sizeof in), VACCEL_OK);
	ASSERT_EQ(vaccel_expect_serial_arg(write, &out, sizeof out), VACCEL_OK);
	std::string lib = vtest::lib("vaccel-test-lib");
	EXPECT_EQ(vaccel_exec(&s, lib.c_str(), "mytestfunc_v07", read->list, read->size,
			      write->list, write->size),
		  VACCEL_OK);
	EXPECT_EQ(out, 42);
	EXPECT_EQ(vaccel_delete_args(read), VACCEL_OK);
	EXPECT_EQ(vaccel_delete_args(write), VACCEL_OK);
	EXPECT_EQ(vaccel_session_release(&s), VACCEL_OK);
	EXPECT_EQ(vaccel_cleanup(), VACCEL_OK);
}
