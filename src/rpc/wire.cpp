// SPDX-License-Identifier: Apache-2.0
#include "wire.hpp"

#include "vaccel/arg.h"
#include "vaccel/error.h"

namespace vaccel::rpc {

int decode_op(const uint8_t *body, size_t len, uint64_t max_write,
	      OpRequest &out)
{
	Reader r(body, len);
	uint32_t nr_read = 0, nr_write = 0;
	r.get(out.session);
	r.get(out.op);
	r.get(nr_read);
	r.get(nr_write);
	if (!r.ok() || nr_read > kMaxArgs || nr_write > kMaxArgs)
		return VACCEL_EINVAL;
	// Descriptors first: the sizes are checked before any buffer is
	// looked at or allocated.
	auto desc = [&](std::vector<ArgDesc> &v, uint32_t n) {
		v.resize(n);
		for (auto &d : v) {
			r.get(d.type);
			r.get(d.custom_id);
			r.get(d.flags);
			r.get(d.reserved);
			r.get(d.size);
			if (d.type >= VACCEL_ARG_MAX || (d.flags & ~kArgInOut))
				return false;
		}
		return r.ok();
	};
	if (!desc(out.read, nr_read) || !desc(out.write, nr_write))
		return VACCEL_EINVAL;
	out.write_total = 0;
	for (auto &d : out.write) {
		if (d.size > max_write || out.write_total + padded(d.size) > max_write)
			return VACCEL_ENOSPC;
		out.write_total += padded(d.size);
	}
	if (!r.skip_pad())
		return VACCEL_EINVAL;
	out.read_data.resize(nr_read);
	for (uint32_t i = 0; i < nr_read; ++i) {
		if (out.read[i].size > r.left())
			return VACCEL_EINVAL;
		out.read_data[i] = r.take(out.read[i].size);
		if (!r.skip_pad())
			return VACCEL_EINVAL;
	}
	out.inout_data.assign(nr_write, nullptr);
	for (uint32_t i = 0; i < nr_write; ++i) {
		if (!(out.write[i].flags & kArgInOut))
			continue;
		if (out.write[i].size > r.left())
			return VACCEL_EINVAL;
		out.inout_data[i] = r.take(out.write[i].size);
		if (!r.skip_pad())
			return VACCEL_EINVAL;
	}
	// Trailing bytes mean the two sides disagree on the format.
	return r.ok() && r.left() == 0 ? VACCEL_OK : VACCEL_EINVAL;
}

} // namespace vaccel::rpc
