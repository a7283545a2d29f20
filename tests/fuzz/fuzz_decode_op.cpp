// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the agent's decoders of OP and MODEL bodies, the part of the wire
// that walks guest-controlled sizes, and the client's decoder of a MODEL
// run's reply (agent-controlled sizes), and the other messages'. Anything it accepts must lie inside the
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
	{
		using namespace vaccel::rpc;
		HelloRequest a;
		HelloReply b;
		SessionInitRequest c;
		SessionRequest d;
		UnregisterRequest e;
		SharedRequest f;
		if ((decode(body, size, a) && size != 8) ||
		    (decode(body, size, b) && size != 16) ||
		    (decode(body, size, c) && size != 8) ||
		    (decode(body, size, d) && size != 8) ||
		    (decode(body, size, e) && size != 16) ||
		    (decode(body, size, f) && size != 8))
			abort();
		std::vector<std::array<uint8_t, 32>> hashes;
		if (decode_blob_query(body, size, hashes) &&
		    size != 4 + 32 * hashes.size())
			abort();
	}
	vaccel::rpc::RegisterRequest reg;
	if (vaccel::rpc::decode_register(body, size, reg) &&
	    (reg.blobs.empty() || reg.blobs.size() > vaccel::rpc::kMaxBlobs))
		abort();
	// A MODEL run's reply, as a client reads it: the descriptors, the
	// outputs' bytes (which must fit the body), then a status.
	{
		vaccel::rpc::Reader src(body, size);
		std::vector<vaccel::rpc::TensorDesc> outs;
		size_t used = 0;
		const uint32_t expect = size ? body[0] % 4 : 0;
		if (vaccel::rpc::decode_model_reply_head(src, size, expect, outs,
							 used) == 0) {
			for (auto &d : outs) {
				if (d.dims.size() > vaccel::rpc::kMaxDims ||
				    vaccel::rpc::padded(d.size) > size - used)
					abort();
				if (!src.skip(vaccel::rpc::padded(d.size)))
					abort();
				used += vaccel::rpc::padded(d.size);
			}
			uint32_t code;
			std::string text;
			if (vaccel::rpc::decode_status(src, size, used, code,
						       text) == 0 &&
			    (used > size ||
			     text.size() > vaccel::rpc::kMaxStatusMessage))
				abort();
		}
	}
	free(body);
	return 0;
}
