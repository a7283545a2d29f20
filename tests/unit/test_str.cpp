// SPDX-License-Identifier: Apache-2.0
// String helpers.
#include <vaccel.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>

TEST(StrToLower, IntoCallerBuffer)
{
	char out[16];
	memset(out, '#', sizeof out);
	ASSERT_EQ(vaccel_str_to_lower("MiXeD 123_Z", out, sizeof out, nullptr),
		  VACCEL_OK);
	EXPECT_STREQ(out, "mixed 123_z");
	EXPECT_EQ(out[12], '#'); // nothing past the terminator

	// Exactly fits (5 chars + NUL).
	char exact[6];
	ASSERT_EQ(vaccel_str_to_lower("ABCDE", exact, sizeof exact, nullptr),
		  VACCEL_OK);
	EXPECT_STREQ(exact, "abcde");
	ASSERT_EQ(vaccel_str_to_lower("", exact, sizeof exact, nullptr),
		  VACCEL_OK);
	EXPECT_STREQ(exact, "");

	// Bytes above 0x7f are left alone.
	char hi[4];
	ASSERT_EQ(vaccel_str_to_lower("\xC3\x89Q", hi, sizeof hi, nullptr),
		  VACCEL_OK);
	EXPECT_STREQ(hi, "\xC3\x89q");
}

// As upstream: what fits, and no error (callers name enums into short
// buffers); no room at all is an error.
TEST(StrToLower, TooLongIsCutToFit)
{
	char out[5];
	memset(out, '#', sizeof out);
	EXPECT_EQ(vaccel_str_to_lower("ABCDEF", out, sizeof out, nullptr), VACCEL_OK);
	EXPECT_STREQ(out, "abcd");
	char five[5];
	EXPECT_EQ(vaccel_str_to_lower("ABCDE", five, sizeof five, nullptr), VACCEL_OK);
	EXPECT_STREQ(five, "abcd");
	char one = '#';
	EXPECT_EQ(vaccel_str_to_lower("A", &one, 1, nullptr), VACCEL_OK);
	EXPECT_EQ(one, '\0');
	char none = '#';
	EXPECT_EQ(vaccel_str_to_lower("A", &none, 0, nullptr), VACCEL_EINVAL);
	EXPECT_EQ(none, '#');
}

TEST(StrToLower, Allocated)
{
	char *out = nullptr;
	ASSERT_EQ(vaccel_str_to_lower("VACCEL_LOG_DEBUG", nullptr, 0, &out),
		  VACCEL_OK);
	ASSERT_NE(out, nullptr);
	EXPECT_STREQ(out, "vaccel_log_debug");
	free(out);
	out = nullptr;
	ASSERT_EQ(vaccel_str_to_lower("", nullptr, 0, &out), VACCEL_OK);
	ASSERT_NE(out, nullptr);
	EXPECT_STREQ(out, "");
	free(out);

	// Allocation wins over a caller buffer, as upstream.
	char buf[4] = "##";
	out = nullptr;
	ASSERT_EQ(vaccel_str_to_lower("AB", buf, sizeof buf, &out), VACCEL_OK);
	ASSERT_NE(out, nullptr);
	EXPECT_STREQ(out, "ab");
	EXPECT_STREQ(buf, "##");
	free(out);
}

TEST(StrToLower, BadInput)
{
	char buf[4];
	char *out = nullptr;
	EXPECT_EQ(vaccel_str_to_lower(nullptr, buf, sizeof buf, nullptr),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_str_to_lower(nullptr, nullptr, 0, &out),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_str_to_lower("A", nullptr, 0, nullptr), VACCEL_EINVAL);
	EXPECT_EQ(out, nullptr);
}

// <enum>_name(): the lower-case base name into the caller's buffer, as
// upstream's helpers.
TEST(EnumNames, LowerCaseBaseNames)
{
	char buf[VACCEL_ENUM_STR_MAX];
	EXPECT_STREQ(vaccel_op_type_name(VACCEL_OP_BLAS_SGEMM, buf, sizeof buf),
		     "blas_sgemm");
	EXPECT_STREQ(vaccel_arg_type_name(VACCEL_ARG_FLOAT32_ARRAY, buf, sizeof buf),
		     "float32_array");
	EXPECT_STREQ(vaccel_blob_type_name(VACCEL_BLOB_MAPPED, buf, sizeof buf),
		     "mapped");
	EXPECT_STREQ(vaccel_log_level_name(VACCEL_LOG_DEBUG, buf, sizeof buf),
		     "debug");
	EXPECT_STREQ(vaccel_path_type_name(VACCEL_PATH_REMOTE_FILE, buf, sizeof buf),
		     "remote_file");
	EXPECT_STREQ(vaccel_plugin_type_name(VACCEL_PLUGIN_GPU, buf, sizeof buf),
		     "gpu");
	EXPECT_STREQ(vaccel_resource_type_name(VACCEL_RESOURCE_MODEL, buf, sizeof buf),
		     "model");
	EXPECT_STREQ(vaccel_op_type_name(VACCEL_OP_MAX, buf, sizeof buf), "max");
	EXPECT_STREQ(vaccel_op_type_name((vaccel_op_type_t)9999, buf, sizeof buf),
		     "max");
	// Cut to fit, terminated; no buffer: NULL.
	char small[5];
	EXPECT_EQ(vaccel_op_type_name(VACCEL_OP_BLAS_SGEMM, small, sizeof small),
		  small);
	EXPECT_STREQ(small, "blas");
	EXPECT_EQ(vaccel_op_type_name(VACCEL_OP_NOOP, nullptr, 8), nullptr);
	EXPECT_EQ(vaccel_op_type_name(VACCEL_OP_NOOP, buf, 0), nullptr);
}
