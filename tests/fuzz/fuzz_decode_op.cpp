// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the agent's decoders of OP and MODEL bodies, the part of the wire
// that walks guest-controlled sizes. Anything it accepts must lie inside the
// buffer and within the output budget, or inside the arena.
#include "rpc/wire.hpp"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	// The agent decodes an exact-size body it owns: copy so that ASan
	// sees every byte past the end as out of bounds.
	auto *body = static_cast<uint8_t *>(malloc(size ? size : 1));
	if (size)
		memcpy(body, data, size);
	vaccel::rpc::ModelRequest t;
	if (vaccel::rpc::decode_model(body, size, t) == 0)
		for (auto &d : t.in)
			if (d.data + d.size > body + size || d.dims.size() > 8)
				abort();
	vaccel::rpc::OpRequest op;
	constexpr uint64_t budget = 1 << 20, arena = 1 << 16;
	if (vaccel::rpc::decode_op(body, size, budget, arena, op) == 0) {
		for (size_t i = 0; i < op.read.size(); ++i) {
			auto &d = op.read[i];
			if (d.flags & vaccel::rpc::kArgShared
				    ? d.offset + d.size > arena
				    : op.read_data[i] + d.size > body + size)
				abort();
		}
		for (auto &d : op.write)
			if ((d.flags & vaccel::rpc::kArgShared) &&
			    d.offset + d.size > arena)
				abort();
		if (op.write_total > budget)
			abort();
	}
	free(body);
	return 0;
}
