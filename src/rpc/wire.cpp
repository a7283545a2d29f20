// SPDX-License-Identifier: Apache-2.0
#include "wire.hpp"

#include <algorithm>

#include "vaccel/arg.h"
#include "vaccel/error.h"
#include "vaccel/op.h"
#include "ops/layout.hpp"

namespace vaccel::rpc {

// The op's row says whether its arrays may go to the arena (ops/layout.hpp).
bool shareable(uint32_t op, uint32_t type)
{
	const ops::Layout *l = ops::layout(op);
	return l && l->arena && type < VACCEL_ARG_MAX &&
	       ops::is_numeric_array((vaccel_arg_type_t)type);
}

namespace {

bool shared(const ArgDesc &d)
{
	return d.flags & kArgShared;
}

// [offset, offset + size) inside the arena, aligned.
bool in_arena(const ArgDesc &d, uint64_t arena_size)
{
	return d.offset % kAlign == 0 && d.size <= arena_size &&
	       d.offset <= arena_size - d.size;
}

bool overlap(const ArgDesc &a, const ArgDesc &b)
{
	return a.size && b.size && a.offset < b.offset + b.size &&
	       b.offset < a.offset + a.size;
}

} // namespace

int decode_op(const uint8_t *body, size_t len, uint64_t max_write,
	      uint64_t arena_size, OpRequest &out)
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
			r.get(d.offset);
			r.get(d.size);
			if (d.type >= VACCEL_ARG_MAX ||
			    (d.flags & ~(kArgInOut | kArgShared)))
				return false;
			if (shared(d) ? !shareable(out.op, d.type) ||
						!in_arena(d, arena_size)
				      : d.offset != 0)
				return false;
		}
		return r.ok();
	};
	if (!desc(out.read, nr_read) || !desc(out.write, nr_write))
		return VACCEL_EINVAL;
	// A shared output overlapping another shared arg would have the
	// plugin write what it reads.
	for (auto &w : out.write) {
		if (!shared(w))
			continue;
		for (auto *list : {&out.read, &out.write})
			for (auto &o : *list)
				if (&o != &w && shared(o) && overlap(w, o))
					return VACCEL_EINVAL;
	}
	out.write_total = 0;
	for (auto &d : out.write) {
		if (shared(d))
			continue;
		if (d.size > max_write || out.write_total + padded(d.size) > max_write)
			return VACCEL_ENOSPC;
		out.write_total += padded(d.size);
	}
	if (!r.skip_pad())
		return VACCEL_EINVAL;
	out.read_data.resize(nr_read);
	for (uint32_t i = 0; i < nr_read; ++i) {
		if (shared(out.read[i]))
			continue; // the caller points it into the arena
		if (out.read[i].size > r.left())
			return VACCEL_EINVAL;
		out.read_data[i] = r.take(out.read[i].size);
		if (!r.skip_pad())
			return VACCEL_EINVAL;
	}
	out.inout_data.assign(nr_write, nullptr);
	for (uint32_t i = 0; i < nr_write; ++i) {
		if (!(out.write[i].flags & kArgInOut) || shared(out.write[i]))
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

void encode_tensor_descs(Writer &w, const std::vector<TensorDesc> &t)
{
	for (auto &d : t) {
		w.put<uint32_t>(d.dtype).put<uint32_t>((uint32_t)d.dims.size());
		for (int64_t x : d.dims)
			w.put<int64_t>(x);
		w.put<uint64_t>(d.size);
	}
	w.pad();
}

bool decode_tensors(Reader &r, uint32_t n, std::vector<TensorDesc> &out)
{
	size_t used = 0;
	if (!decode_tensor_descs(r, n, r.left(), used, out) || !r.skip_pad())
		return false;
	for (auto &d : out) {
		if (d.size > r.left())
			return false;
		d.data = r.take(d.size);
		if (!r.skip_pad())
			return false;
	}
	return r.ok();
}

void encode_blob_query(Writer &w,
		       const std::vector<std::array<uint8_t, 32>> &hashes)
{
	w.put<uint32_t>((uint32_t)hashes.size());
	for (auto &h : hashes)
		w.bytes(h.data(), h.size());
}

bool decode_blob_query(const uint8_t *body, size_t len,
		       std::vector<std::array<uint8_t, 32>> &out)
{
	Reader r(body, len);
	uint32_t n = 0;
	if (!r.get(n) || n > kMaxBlobs || r.left() != (size_t)n * 32)
		return false;
	out.resize(n);
	for (auto &h : out)
		std::memcpy(h.data(), r.take(32), 32);
	return r.ok();
}

void encode_register(Writer &w, const RegisterRequest &req)
{
	w.put<int64_t>(req.session).put<uint32_t>(req.type).put<uint32_t>(
		(uint32_t)req.blobs.size());
	for (auto &b : req.blobs)
		w.bytes(b.hash.data(), b.hash.size())
			.put<uint16_t>((uint16_t)b.name.size())
			.bytes(b.name.data(), b.name.size());
}

bool decode_register(const uint8_t *body, size_t len, RegisterRequest &out)
{
	Reader r(body, len);
	uint32_t n = 0;
	if (!r.get(out.session) || !r.get(out.type) || !r.get(n) || n == 0 ||
	    n > kMaxBlobs)
		return false;
	out.blobs.assign(n, RegisterBlob{});
	for (auto &b : out.blobs) {
		const uint8_t *h = r.take(32);
		uint16_t nlen = 0;
		if (!h || !r.get(nlen) || nlen == 0 || nlen > kMaxName)
			return false;
		const uint8_t *name = r.take(nlen);
		if (!name)
			return false;
		std::memcpy(b.hash.data(), h, 32);
		b.name.assign(reinterpret_cast<const char *>(name), nlen);
	}
	return r.ok() && r.left() == 0;
}

void encode_model_reply(Writer &w, std::vector<iovec> &iov,
			const std::vector<TensorDesc> &outputs)
{
	w.put<uint32_t>((uint32_t)outputs.size()).put<uint32_t>(0);
	encode_tensor_descs(w, outputs);
	iov.push_back({w.buf().data(), w.size()});
	for (auto &d : outputs) {
		if (d.size)
			iov.push_back({const_cast<uint8_t *>(d.data), d.size});
		if (padded(d.size) > d.size)
			iov.push_back({const_cast<uint8_t *>(kZeros),
				       padded(d.size) - d.size});
	}
}

void encode_status(Writer &w, uint32_t code, const char *message)
{
	size_t n = message ? strnlen(message, kMaxStatusMessage) : 0;
	w.put<uint32_t>(code).put<uint32_t>((uint32_t)n);
	w.bytes(message, n);
	w.pad();
}

bool is_model_run(uint32_t op)
{
	return op == VACCEL_OP_TORCH_MODEL_RUN || op == VACCEL_OP_TF_MODEL_RUN ||
	       op == VACCEL_OP_TFLITE_MODEL_RUN;
}

bool is_model_op(uint32_t op)
{
	switch (op) {
	case VACCEL_OP_TORCH_MODEL_LOAD:
	case VACCEL_OP_TF_MODEL_LOAD:
	case VACCEL_OP_TF_MODEL_UNLOAD:
	case VACCEL_OP_TFLITE_MODEL_LOAD:
	case VACCEL_OP_TFLITE_MODEL_UNLOAD:
		return true;
	default:
		return is_model_run(op);
	}
}

void encode_nodes(Writer &w, const std::vector<NodeDesc> &nodes)
{
	for (auto &n : nodes) {
		w.put<int32_t>(n.id).put<uint32_t>((uint32_t)n.name.size());
		w.bytes(n.name.data(), n.name.size());
	}
	w.pad();
}

bool decode_nodes(Reader &r, uint32_t n, std::vector<NodeDesc> &out)
{
	if (n > kMaxTensors)
		return false;
	out.resize(n);
	for (auto &d : out) {
		uint32_t len = 0;
		if (!r.get(d.id) || !r.get(len) || len > kMaxName || len > r.left())
			return false;
		const uint8_t *p = r.take(len);
		if (std::memchr(p, 0, len))
			return false;
		d.name.assign((const char *)p, len);
	}
	return r.skip_pad();
}

int decode_model(const uint8_t *body, size_t len, ModelRequest &out)
{
	Reader r(body, len);
	uint32_t reserved = 0, nr_in = 0;
	r.get(out.session);
	r.get(out.op);
	r.get(reserved);
	r.get(out.resource);
	if (!r.ok() || !is_model_op(out.op))
		return VACCEL_EINVAL;
	if (!is_model_run(out.op))
		return r.left() == 0 ? VACCEL_OK : VACCEL_EINVAL;
	if (!r.get(nr_in) || !r.get(out.nr_out) || nr_in > kMaxTensors ||
	    out.nr_out > kMaxTensors)
		return VACCEL_EINVAL;
	if (out.op == VACCEL_OP_TF_MODEL_RUN &&
	    (!decode_nodes(r, nr_in, out.in_nodes) ||
	     !decode_nodes(r, out.nr_out, out.out_nodes)))
		return VACCEL_EINVAL;
	if (!decode_tensors(r, nr_in, out.in))
		return VACCEL_EINVAL;
	return r.left() == 0 ? VACCEL_OK : VACCEL_EINVAL;
}

void encode_error_message(Writer &w, const std::string &message)
{
	size_t n = std::min<size_t>(message.size(), kMaxErrorMessage);
	n = strnlen(message.data(), n);
	w.put<uint32_t>((uint32_t)n).put<uint32_t>(0).bytes(message.data(), n).pad();
}

bool decode_error_message(const uint8_t *body, size_t len, std::string &out)
{
	Reader r(body, len);
	uint32_t n = 0, zero = 0;
	if (!r.get(n) || !r.get(zero) || zero || n > kMaxErrorMessage)
		return false;
	const uint8_t *p = r.take(n);
	if (!p || memchr(p, 0, n) || len != 8 + padded(n))
		return false;
	out.assign((const char *)p, n);
	return true;
}

} // namespace vaccel::rpc
