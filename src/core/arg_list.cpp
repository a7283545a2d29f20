// SPDX-License-Identifier: Apache-2.0
// The deprecated argument list (include/vaccel/arg.h): what upstream's 0.6
// and 0.7 programs and exec libraries call. Same results for what they
// pass; an argument written past its size is refused instead of written.
#include "vaccel.h"

#include <cstdlib>
#include <cstring>

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace {

// The next free entry of @p args, or nullptr if there is none.
vaccel_arg *next(vaccel_arg_list *args)
{
	if (!args || !args->list || args->curr_idx < 0 ||
	    (uint32_t)args->curr_idx >= args->size)
		return nullptr;
	return &args->list[args->curr_idx];
}

int append(vaccel_arg_list *args, void *buf, size_t size, vaccel_arg_type_t type,
	   uint32_t custom_id, bool allocated)
{
	vaccel_arg *a = next(args);
	if (!a)
		return VACCEL_EINVAL;
	*a = vaccel_arg{buf, size, type, custom_id, false};
	args->idcs_allocated_space[args->curr_idx++] = allocated ? 1 : 0;
	return VACCEL_OK;
}

} // namespace

extern "C" {

vaccel_arg_list *vaccel_args_init(uint32_t size)
{
	if (size == 0)
		return nullptr;
	auto *l = static_cast<vaccel_arg_list *>(calloc(1, sizeof(vaccel_arg_list)));
	if (!l)
		return nullptr;
	l->list = static_cast<vaccel_arg *>(calloc(size, sizeof(vaccel_arg)));
	l->idcs_allocated_space = static_cast<int *>(calloc(size, sizeof(int)));
	if (!l->list || !l->idcs_allocated_space) {
		free(l->list);
		free(l->idcs_allocated_space);
		free(l);
		return nullptr;
	}
	l->size = size;
	return l;
}

int vaccel_add_serial_arg(vaccel_arg_list *args, void *buf, uint32_t size)
{
	if (!buf || !size)
		return VACCEL_EINVAL;
	return append(args, buf, size, VACCEL_ARG_RAW, 0, false);
}

int vaccel_add_nonserial_arg(vaccel_arg_list *args, void *buf, uint32_t type,
			     void *(*serializer)(void *, uint32_t *))
{
	if (!buf || !serializer || !next(args))
		return VACCEL_EINVAL;
	uint32_t bytes = 0;
	void *ser = serializer(buf, &bytes);
	if (!ser || !bytes) {
		free(ser);
		return VACCEL_EINVAL;
	}
	return append(args, ser, bytes, VACCEL_ARG_CUSTOM, type, true);
}

int vaccel_expect_serial_arg(vaccel_arg_list *args, void *buf, uint32_t size)
{
	if (!buf || !size)
		return VACCEL_EINVAL;
	return append(args, buf, size, VACCEL_ARG_RAW, 0, false);
}

int vaccel_expect_nonserial_arg(vaccel_arg_list *args, uint32_t expected_size)
{
	if (!expected_size || !next(args))
		return VACCEL_EINVAL;
	void *buf = calloc(1, expected_size);
	if (!buf)
		return VACCEL_ENOMEM;
	return append(args, buf, expected_size, VACCEL_ARG_RAW, 0, true);
}

void *vaccel_extract_serial_arg(vaccel_arg *args, int idx)
{
	return args && idx >= 0 ? args[idx].buf : nullptr;
}

void *vaccel_extract_nonserial_arg(vaccel_arg *args, int idx,
				   void *(*deserializer)(void *, uint32_t))
{
	if (!args || idx < 0 || !deserializer)
		return nullptr;
	return deserializer(args[idx].buf, (uint32_t)args[idx].size);
}

int vaccel_write_serial_arg(vaccel_arg *args, int idx, void *buf)
{
	if (!args || idx < 0 || !buf)
		return VACCEL_EINVAL;
	if (args[idx].size && !args[idx].buf)
		return VACCEL_EINVAL;
	if (args[idx].size)
		memcpy(args[idx].buf, buf, args[idx].size);
	return VACCEL_OK;
}

int vaccel_write_nonserial_arg(vaccel_arg *args, int idx, void *buf,
			       void *(*serializer)(void *, uint32_t *))
{
	if (!args || idx < 0 || !buf || !serializer)
		return VACCEL_EINVAL;
	uint32_t bytes = 0;
	void *ser = serializer(buf, &bytes);
	int ret = VACCEL_OK;
	if (!ser || !bytes || bytes > args[idx].size || !args[idx].buf)
		ret = VACCEL_EINVAL;
	else
		memcpy(args[idx].buf, ser, bytes);
	free(ser);
	return ret;
}

int vaccel_delete_args(vaccel_arg_list *args)
{
	if (!args || !args->list || !args->size || !args->idcs_allocated_space)
		return VACCEL_EINVAL;
	for (uint32_t i = 0; i < args->size; ++i)
		if (args->idcs_allocated_space[i] == 1)
			free(args->list[i].buf);
	free(args->list);
	free(args->idcs_allocated_space);
	free(args);
	return VACCEL_OK;
}

} // extern "C"
