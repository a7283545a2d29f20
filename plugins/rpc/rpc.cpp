// SPDX-License-Identifier: Apache-2.0
// rpc: forwards every operation to a vaccel-agent over unix, TCP or vsock
// (VACCEL_RPC_ADDRESS). Each session gets its own connection, opened on
// first use; resources are sent once per content (the agent caches blobs by
// SHA-256) and registered on the agent's mirror of the session.
//
// Bulk data is never copied into a message: requests are gathered from the
// caller's buffers with sendmsg, replies are read straight into the caller's
// output buffers. Configuration: VACCEL_RPC_TIMEOUT_MS (per call, default
// 30000), VACCEL_RPC_SPIN_US (spin up to this long before sleeping on a
// reply, default 50, 0 turns it off; adaptive, see rpc::Stream),
// VACCEL_RPC_SPIN_MAX_US (the longest spin, for replies that typically
// come later than that, default 500; 0: never longer than
// VACCEL_RPC_SPIN_US),
// VACCEL_RPC_ARENA_MIB (the shared-memory arena asked for, below),
// VACCEL_RPC_MAILBOX_KIB (the mailbox asked for, below).
//
// Over a unix socket, a session also asks the agent at connect for a
// mailbox (rpc::Stream): requests and replies of up to its size (default
// 128 KiB, 0 turns it off) are written to shared memory, and the side
// waiting for one spins on that memory instead of on recv(). A spinning
// round trip then makes no system call.
//
// Over a unix socket, the numeric arrays of BLAS and array operations can
// skip the socket: on the first call with at least kArenaMinCall bytes of
// them, the session asks the agent for an arena, a memfd both map. Such a
// call copies its inputs into the arena once and its outputs out of it
// once, and the agent's plugin works in place: one copy each way where the
// socket makes two (into the kernel and out of it). Calls that do not fit
// the arena, and every other argument, use the socket as before.
#include <vaccel.h>

#include "common/tensor_out.h"
#include "client.hpp"
#include "rpc/net.hpp"
#include "rpc/sha256.hpp"
#include "rpc/wire.hpp"
#include "ops/layout.hpp"

#include <cinttypes>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <mutex>
#include <sys/stat.h>
#include <unordered_map>
#include <type_traits>
#include <vector>

using namespace vaccel::rpc;
using namespace vaccel::rpc::client;
using vaccel::ops::Layout;

namespace {

// --- operations ----------------------------------------------------------

// An argument of an operation: a borrowed buffer.
struct A {
	const void *buf;
	size_t size;
	vaccel_arg_type_t type;
	uint32_t flags = 0;
	uint32_t custom_id = 0;
};

// Where each argument goes in the arena (kNotShared: through the socket).
// All of a call's shareable arguments go to the arena when they reach
// kArenaMinCall bytes and fit; otherwise none do, and the plan is empty
// (no allocation on the calls that do not use the arena).
constexpr uint64_t kNotShared = ~0ull;

std::vector<uint64_t> arena_plan(Remote &r, vaccel_op_type_t op, const A *rd,
				 size_t nr, const A *wr, size_t nw)
{
	std::vector<uint64_t> at;
	uint64_t total = 0;
	for (size_t i = 0; i < nr + nw; ++i) {
		const A &a = i < nr ? rd[i] : wr[i - nr];
		if (shareable(op, a.type))
			total += padded(a.size);
	}
	if (total < kArenaMinCall || state.cfg.addr.kind != Address::kUnix ||
	    !state.cfg.arena_bytes)
		return at;
	if (!r.arena_asked && ask_arena(r))
		return at; // the call fails on the closed stream
	if (total > r.arena.size())
		return at;
	at.assign(nr + nw, kNotShared);
	uint64_t off = 0;
	for (size_t i = 0; i < nr + nw; ++i) {
		const A &a = i < nr ? rd[i] : wr[i - nr];
		if (!shareable(op, a.type))
			continue;
		at[i] = off;
		off += padded(a.size);
	}
	return at;
}

int call_op(vaccel_session *sess, vaccel_op_type_t op, const A *rd, size_t nr,
	    const A *wr, size_t nw)
{
	std::shared_ptr<Remote> r;
	if (int ret = remote_of(sess, r))
		return ret;
	std::lock_guard lk(r->lock);
	const std::vector<uint64_t> plan = arena_plan(*r, op, rd, nr, wr, nw);
	auto at = [&](size_t i) { return plan.empty() ? kNotShared : plan[i]; };
	Writer meta;
	encode_op_head(meta, r->sid, op, (uint32_t)nr, (uint32_t)nw);
	for (size_t i = 0; i < nr + nw; ++i) {
		const A &a = i < nr ? rd[i] : wr[i - nr];
		bool sh = at(i) != kNotShared;
		encode_arg_desc(meta, ArgDesc{a.type, a.custom_id,
					      a.flags | (sh ? kArgShared : 0u),
					      sh ? (uint32_t)at(i) : 0u, a.size});
	}
	meta.pad();
	std::vector<iovec> iov{{}, {meta.buf().data(), meta.size()}};
	auto add = [&](const A &a, size_t i) {
		if (at(i) != kNotShared) {
			if (a.size)
				memcpy(r->arena.at(at(i)), a.buf, a.size);
			return;
		}
		if (a.size)
			iov.push_back({const_cast<void *>(a.buf), a.size});
		if (size_t p = padded(a.size) - a.size)
			iov.push_back({const_cast<uint8_t *>(kZeros), p});
	};
	for (size_t i = 0; i < nr; ++i)
		add(rd[i], i);
	for (size_t i = 0; i < nw; ++i)
		if (wr[i].flags & kArgInOut)
			add(wr[i], nr + i);
	// Outputs land directly in the caller's buffers (shared ones are
	// copied out of the arena).
	return exchange(*r, Msg::op, iov, [&](Stream &s, size_t len) -> int {
		size_t used = 0;
		for (size_t i = 0; i < nw; ++i) {
			uint64_t n = 0;
			if (used + 8 > len || s.read_exact(&n, 8))
				return VACCEL_EBACKEND;
			used += 8;
			if (n > wr[i].size) {
				vaccel_error("[rpc] reply overflows output %zu", i);
				return VACCEL_EBACKEND;
			}
			if (at(nr + i) != kNotShared) {
				if (n)
					memcpy(const_cast<void *>(wr[i].buf),
					       r->arena.at(at(nr + i)), n);
				continue;
			}
			if (used + padded(n) > len) {
				vaccel_error("[rpc] reply overflows output %zu", i);
				return VACCEL_EBACKEND;
			}
			if (n && s.read_exact(const_cast<void *>(wr[i].buf), n))
				return VACCEL_ESESS;
			if (s.discard(padded(n) - n))
				return VACCEL_ESESS;
			used += padded(n);
		}
		return used == len ? 0 : VACCEL_EBACKEND;
	});
}

A arg(const vaccel_arg &a, uint32_t flags = 0)
{
	return A{a.buf, a.size, a.type, flags, a.custom_type_id};
}

template <class T> A val(const T &v, vaccel_arg_type_t t)
{
	return A{&v, sizeof(T), t};
}

// An input of an operation: the bytes at @p buf; an output: where its bytes
// go (@p inout: it is sent too, as it is read as well).
struct In {
	const void *buf;
	size_t size;
};
struct Out {
	void *buf;
	size_t size;
	bool inout = false;
};
template <class T> In in(const T &v)
{
	return In{&v, sizeof(T)};
}

// Send operation @p Op in its generic form: the row of src/ops/layout.hpp
// gives the args' number (checked here at compile time) and their types,
// and the agent decodes them by the same row.
template <vaccel_op_type_t Op, class... Args>
int forward(vaccel_session *sess, const Args &...args)
{
	constexpr const Layout &l = vaccel::ops::kLayouts[Op];
	constexpr size_t nr = (size_t{std::is_same_v<Args, In>} + ... + 0);
	constexpr size_t nw = (size_t{std::is_same_v<Args, Out>} + ... + 0);
	static_assert(nr + nw == sizeof...(Args), "In and Out args only");
	static_assert(l.generic && !l.rest && !l.pass);
	static_assert(nr == l.read.size() && nw == l.write.size(),
		      "the args differ from the operation's row in "
		      "src/ops/layout.hpp");
	A rd[nr ? nr : 1], wr[nw ? nw : 1];
	size_t i = 0, o = 0;
	[[maybe_unused]] auto put = [&](const auto &a) {
		using T = std::decay_t<decltype(a)>;
		if constexpr (std::is_same_v<T, In>) {
			rd[i] = A{a.buf, a.size, l.read[i].wire()};
			++i;
		} else {
			wr[o] = A{a.buf, a.size, l.write[o].wire(),
				  a.inout ? kArgInOut : 0u};
			++o;
		}
	};
	(put(args), ...);
	return call_op(sess, Op, rd, nr, wr, nw);
}

int rpc_noop(vaccel_session *sess)
{
	return forward<VACCEL_OP_NOOP>(sess);
}

int64_t extent(int64_t rows, int64_t cols, int64_t ld)
{
	return rows && cols ? (rows - 1) * ld + cols : 0;
}

int rpc_sgemm(vaccel_session *sess, int64_t m, int64_t n, int64_t k,
	      float alpha, float *a, int64_t lda, float *b, int64_t ldb,
	      float beta, float *c, int64_t ldc)
{
	// C is read (beta * C) and written. With beta 0 it is only written,
	// but where rows have gaps (ldc > n) those keep the caller's bytes, as
	// locally: then it is sent too.
	return forward<VACCEL_OP_BLAS_SGEMM>(
		sess, in(m), in(n), in(k), in(alpha),
		In{a, (size_t)extent(m, k, lda) * 4}, in(lda),
		In{b, (size_t)extent(k, n, ldb) * 4}, in(ldb), in(beta), in(ldc),
		Out{c, (size_t)extent(m, n, ldc) * 4,
		    beta != 0.0F || (m > 1 && ldc > n)});
}

int exec_common(vaccel_session *sess, vaccel_op_type_t op, A head0,
		const char *fn_symbol, vaccel_arg *read, size_t nr_read,
		vaccel_arg *write, size_t nr_write)
{
	std::vector<A> rd{head0, {fn_symbol, strlen(fn_symbol) + 1, VACCEL_ARG_STRING}};
	for (size_t i = 0; i < nr_read; ++i)
		rd.push_back(arg(read[i]));
	std::vector<A> wr;
	for (size_t i = 0; i < nr_write; ++i)
		wr.push_back(arg(write[i], kArgInOut));
	return call_op(sess, op, rd.data(), rd.size(), wr.data(), wr.size());
}

int rpc_exec(vaccel_session *sess, const char *library, const char *fn_symbol,
	     vaccel_arg *read, size_t nr_read, vaccel_arg *write,
	     size_t nr_write)
{
	return exec_common(sess, VACCEL_OP_EXEC,
			   A{library, strlen(library) + 1, VACCEL_ARG_STRING},
			   fn_symbol, read, nr_read, write, nr_write);
}

int rpc_exec_with_resource(vaccel_session *sess, vaccel_resource *res,
			   const char *fn_symbol, vaccel_arg *read,
			   size_t nr_read, vaccel_arg *write, size_t nr_write)
{
	std::shared_ptr<Remote> r;
	if (int ret = remote_of(sess, r))
		return ret;
	int64_t rid;
	{
		std::lock_guard lk(r->lock);
		auto it = r->resources.find(res->id);
		if (it == r->resources.end()) {
			vaccel_error("[rpc] resource %" PRId64 " has no mirror",
				     res->id);
			return VACCEL_EPERM;
		}
		rid = it->second;
	}
	return exec_common(sess, VACCEL_OP_EXEC_WITH_RESOURCE,
			   val(rid, VACCEL_ARG_INT64), fn_symbol, read, nr_read,
			   write, nr_write);
}

template <vaccel_op_type_t Op>
int rpc_image(vaccel_session *sess, const void *img, unsigned char *out_text,
	      unsigned char *out_imgname, size_t len_img, size_t len_out_text,
	      size_t len_out_imgname)
{
	if constexpr (Op == VACCEL_OP_IMAGE_CLASSIFY)
		return forward<Op>(sess, In{img, len_img},
				   Out{out_imgname, len_out_imgname},
				   Out{out_text, len_out_text});
	else
		return forward<Op>(sess, In{img, len_img},
				   Out{out_imgname, len_out_imgname});
}

int rpc_arraycopy(vaccel_session *sess, int a[], int out_a[], size_t n)
{
	return forward<VACCEL_OP_FPGA_ARRAYCOPY>(sess, In{a, n * sizeof(int)},
						 Out{out_a, n * sizeof(int)});
}

int rpc_mmult(vaccel_session *sess, float a[], float b[], float c[], size_t n)
{
	return forward<VACCEL_OP_FPGA_MMULT>(sess, In{a, n * 4}, In{b, n * 4},
					     Out{c, n * 4});
}

int rpc_parallel(vaccel_session *sess, float a[], float b[], float add[],
		 float mult[], size_t n)
{
	return forward<VACCEL_OP_FPGA_PARALLEL>(sess, In{a, n * 4}, In{b, n * 4},
						Out{add, n * 4},
						Out{mult, n * 4});
}

int rpc_vadd(vaccel_session *sess, float a[], float b[], float c[],
	     size_t len_a, size_t len_b)
{
	return forward<VACCEL_OP_FPGA_VECTORADD>(
		sess, In{a, len_a * 4}, In{b, len_b * 4},
		Out{c, (len_a > len_b ? len_a : len_b) * 4});
}

int rpc_minmax(vaccel_session *sess, const double *indata, int ndata,
	       int low, int high, double *out, double *min, double *max)
{
	return forward<VACCEL_OP_MINMAX>(
		sess, In{indata, (size_t)ndata * 8}, in(ndata), in(low),
		in(high), Out{out, (size_t)ndata * 8}, Out{min, 8},
		Out{max, 8});
}

int rpc_opencv(vaccel_session *sess, vaccel_arg *read, int nr_read,
	       vaccel_arg *write, int nr_write)
{
	std::vector<A> rd, wr;
	for (int i = 0; i < nr_read; ++i)
		rd.push_back(arg(read[i]));
	for (int i = 0; i < nr_write; ++i)
		wr.push_back(arg(write[i], kArgInOut));
	return call_op(sess, VACCEL_OP_OPENCV, rd.data(), rd.size(), wr.data(),
		       wr.size());
}

// --- torch ---------------------------------------------------------------

// The agent's id of a model registered through this session.
int remote_resource(vaccel_session *sess, vaccel_resource *res,
		    std::shared_ptr<Remote> &r, int64_t &rid)
{
	if (int ret = remote_of(sess, r))
		return ret;
	std::lock_guard lk(r->lock);
	auto it = r->resources.find(res->id);
	if (it == r->resources.end()) {
		vaccel_error("[rpc] resource %" PRId64 " has no mirror", res->id);
		return VACCEL_EPERM;
	}
	rid = it->second;
	return VACCEL_OK;
}

// A model load or unload: no tensors. @p on_reply reads what the reply
// carries (a tf status), if anything.
template <class OnReply>
int model_call(vaccel_session *sess, vaccel_resource *model, uint32_t op,
	       OnReply &&on_reply)
{
	std::shared_ptr<Remote> r;
	int64_t rid = 0;
	if (int ret = remote_resource(sess, model, r, rid))
		return ret;
	Writer w;
	w.put<int64_t>(r->sid).put<uint32_t>(op).put<uint32_t>(0).put<int64_t>(rid);
	std::vector<iovec> iov{{}, {w.buf().data(), w.size()}};
	std::lock_guard lk(r->lock);
	return exchange(*r, Msg::model, iov, on_reply);
}

// A Stream as a source for the reply decoders of wire.hpp.
struct StreamSource {
	Stream &s;
	bool read(void *p, size_t n) { return s.read_exact(p, n) == 0; }
	bool skip(size_t n) { return s.discard(n) == 0; }
};

// A tf status at the end of a reply (wire.hpp, decode_status).
int read_status(Stream &s, size_t len, size_t &used, uint32_t &code,
		std::string &text)
{
	StreamSource src{s};
	return decode_status(src, len, used, code, text);
}

int tf_status_reply(Stream &s, size_t len, vaccel_tf_status *status)
{
	size_t used = 0;
	uint32_t code = 0;
	std::string text;
	if (int ret = read_status(s, len, used, code, text))
		return ret;
	if (used != len)
		return VACCEL_EBACKEND;
	// The status is an output, as upstream's: written, never read, so a
	// caller's uninitialised one is not freed.
	if (status && vaccel_tf_status_init(status, (uint8_t)code, text.c_str()))
		return VACCEL_ENOMEM;
	return VACCEL_OK;
}

int alloc(vaccel_torch_tensor **t, const TensorDesc &d)
{
	return vaccel_torch_tensor_out(t, (int64_t)d.dims.size(), d.dims.data(),
				       (vaccel_torch_data_type)d.dtype, d.size);
}
int alloc(vaccel_tf_tensor **t, const TensorDesc &d)
{
	return vaccel_tf_tensor_out(t, (int)d.dims.size(), d.dims.data(),
				    (vaccel_tf_data_type)d.dtype, d.size);
}
int alloc(vaccel_tflite_tensor **t, const TensorDesc &d)
{
	std::vector<int32_t> dims;
	for (int64_t x : d.dims) {
		if (x > INT32_MAX)
			return VACCEL_EBACKEND;
		dims.push_back((int32_t)x);
	}
	return vaccel_tflite_tensor_out(t, (int)dims.size(), dims.data(),
					(vaccel_tflite_data_type)d.dtype, d.size);
}
void del(vaccel_torch_tensor *t) { vaccel_torch_tensor_delete(t); }
void del(vaccel_tf_tensor *t) { vaccel_tf_tensor_delete(t); }
void del(vaccel_tflite_tensor *t) { vaccel_tflite_tensor_delete(t); }

// A model run of any framework: @p in's descriptors, @p nodes (tf only:
// nr_in input nodes then nr_out output nodes)
// and data go out gathered from the caller's tensors; the outputs come back
// into tensors allocated here, their bytes read straight into them; a tf or
// tflite status follows them (@p on_status).
template <class Tensor, class OnStatus>
int model_run(vaccel_session *sess, vaccel_resource *model, uint32_t op,
	      const std::vector<NodeDesc> *nodes, Tensor *const *in, int nr_in,
	      Tensor **out, int nr_out, OnStatus &&on_status)
{
	if (nr_in < 0 || nr_out < 0 || nr_in > (int)kMaxTensors ||
	    nr_out > (int)kMaxTensors || (nr_in && !in) || (nr_out && !out))
		return VACCEL_EINVAL;
	std::shared_ptr<Remote> r;
	int64_t rid = 0;
	if (int ret = remote_resource(sess, model, r, rid))
		return ret;
	std::vector<TensorDesc> descs(nr_in);
	for (int i = 0; i < nr_in; ++i) {
		if (!in[i] || (in[i]->nr_dims < 0) || in[i]->nr_dims > (int64_t)kMaxDims ||
		    (in[i]->nr_dims && !in[i]->dims) || (in[i]->size && !in[i]->data))
			return VACCEL_EINVAL;
		// Read as an integer: a caller's value outside the enum is
		// not a valid enum value to load; the agent judges it.
		static_assert(sizeof in[i]->data_type == sizeof descs[i].dtype);
		std::memcpy(&descs[i].dtype, &in[i]->data_type, sizeof descs[i].dtype);
		descs[i].dims.assign(in[i]->dims, in[i]->dims + in[i]->nr_dims);
		descs[i].size = in[i]->size;
	}
	Writer w;
	w.put<int64_t>(r->sid).put<uint32_t>(op).put<uint32_t>(0).put<int64_t>(rid)
		.put<uint32_t>((uint32_t)nr_in).put<uint32_t>((uint32_t)nr_out);
	if (nodes) { // inputs' then outputs', each list padded
		encode_nodes(w, {nodes->begin(), nodes->begin() + nr_in});
		encode_nodes(w, {nodes->begin() + nr_in, nodes->end()});
	}
	encode_tensor_descs(w, descs);
	std::vector<iovec> iov{{}, {w.buf().data(), w.size()}};
	for (int i = 0; i < nr_in; ++i) {
		if (in[i]->size)
			iov.push_back({in[i]->data, in[i]->size});
		if (size_t p = padded(in[i]->size) - in[i]->size)
			iov.push_back({const_cast<uint8_t *>(kZeros), p});
	}
	for (int i = 0; i < nr_out; ++i)
		out[i] = nullptr;
	std::lock_guard lk(r->lock);
	int ret = exchange(*r, Msg::model, iov, [&](Stream &s, size_t len) -> int {
		// Descriptors first (wire.hpp), then each output's data read
		// straight into the tensor allocated for it.
		StreamSource src{s};
		size_t used = 0;
		std::vector<TensorDesc> o;
		if (int bad = decode_model_reply_head(src, len, (uint32_t)nr_out,
						      o, used))
			return bad;
		for (size_t i = 0; i < o.size(); ++i) {
			if (int a = alloc(&out[i], o[i]))
				return a;
			if ((o[i].size && s.read_exact(out[i]->data, o[i].size)) ||
			    s.discard(padded(o[i].size) - o[i].size))
				return VACCEL_ESESS;
			used += padded(o[i].size);
		}
		if (int st = on_status(s, len, used))
			return st;
		return used == len ? 0 : VACCEL_EBACKEND;
	});
	if (ret)
		for (int i = 0; i < nr_out; ++i)
			if (out[i]) {
				del(out[i]);
				out[i] = nullptr;
			}
	return ret;
}

int no_status(Stream &, size_t, size_t &) { return VACCEL_OK; }

int rpc_torch_load(vaccel_session *sess, vaccel_resource *model)
{
	return model_call(sess, model, VACCEL_OP_TORCH_MODEL_LOAD, no_body);
}

int rpc_torch_run(vaccel_session *sess, vaccel_resource *model,
		  const vaccel_torch_buffer *, vaccel_torch_tensor *const *in,
		  int nr_in, vaccel_torch_tensor **out, int nr_out)
{
	return model_run(sess, model, VACCEL_OP_TORCH_MODEL_RUN, nullptr, in,
			 nr_in, out, nr_out, no_status);
}

// --- tf, tflite ------------------------------------------------------------

int rpc_tf_load(vaccel_session *sess, vaccel_resource *model,
		vaccel_tf_status *status)
{
	return model_call(sess, model, VACCEL_OP_TF_MODEL_LOAD,
			  [status](Stream &s, size_t len) {
				  return tf_status_reply(s, len, status);
			  });
}

int rpc_tf_unload(vaccel_session *sess, vaccel_resource *model,
		  vaccel_tf_status *status)
{
	return model_call(sess, model, VACCEL_OP_TF_MODEL_UNLOAD,
			  [status](Stream &s, size_t len) {
				  return tf_status_reply(s, len, status);
			  });
}

int rpc_tf_run(vaccel_session *sess, vaccel_resource *model,
	       const vaccel_tf_buffer *, const vaccel_tf_node *in_nodes,
	       vaccel_tf_tensor *const *in, int nr_in,
	       const vaccel_tf_node *out_nodes, vaccel_tf_tensor **out,
	       int nr_out, vaccel_tf_status *status)
{
	if (nr_in < 0 || nr_out < 0 || nr_in > (int)kMaxTensors ||
	    nr_out > (int)kMaxTensors || (nr_in && !in_nodes) ||
	    (nr_out && !out_nodes))
		return VACCEL_EINVAL;
	std::vector<NodeDesc> nodes;
	for (int i = 0; i < nr_in + nr_out; ++i) {
		const vaccel_tf_node &n = i < nr_in ? in_nodes[i] : out_nodes[i - nr_in];
		size_t len = n.name ? strnlen(n.name, kMaxName + 1) : 0;
		if (len > kMaxName) {
			vaccel_error("[rpc] tf node name longer than %u bytes", kMaxName);
			return VACCEL_EINVAL;
		}
		nodes.push_back(NodeDesc{n.id, std::string(n.name ? n.name : "", len)});
	}
	return model_run(sess, model, VACCEL_OP_TF_MODEL_RUN, &nodes, in, nr_in,
			 out, nr_out, [status](Stream &s, size_t len, size_t &used) {
				 uint32_t code = 0;
				 std::string text;
				 int ret = read_status(s, len, used, code, text);
				 if (!ret && status) {
					 vaccel_tf_status_release(status);
					 vaccel_tf_status_init(status, (uint8_t)code,
							       text.c_str());
				 }
				 return ret;
			 });
}

int rpc_tflite_load(vaccel_session *sess, vaccel_resource *model)
{
	return model_call(sess, model, VACCEL_OP_TFLITE_MODEL_LOAD, no_body);
}

int rpc_tflite_unload(vaccel_session *sess, vaccel_resource *model)
{
	return model_call(sess, model, VACCEL_OP_TFLITE_MODEL_UNLOAD, no_body);
}

int rpc_tflite_run(vaccel_session *sess, vaccel_resource *model,
		   vaccel_tflite_tensor *const *in, int nr_in,
		   vaccel_tflite_tensor **out, int nr_out, uint8_t *status)
{
	return model_run(sess, model, VACCEL_OP_TFLITE_MODEL_RUN, nullptr, in,
			 nr_in, out, nr_out, [status](Stream &s, size_t len, size_t &used) {
				 uint32_t code = 0;
				 std::string text;
				 int ret = read_status(s, len, used, code, text);
				 if (!ret && status)
					 *status = (uint8_t)code;
				 return ret;
			 });
}

// --- resources -----------------------------------------------------------

int resource_register(vaccel_resource *res, vaccel_session *sess)
{
	std::shared_ptr<Remote> r;
	if (int ret = remote_of(sess, r))
		return ret;
	if (res->nr_blobs == 0 || res->nr_blobs > kMaxBlobs) {
		vaccel_error("[rpc] resource %" PRId64 " has %zu blobs (1..%u)",
			     res->id, res->nr_blobs, kMaxBlobs);
		return VACCEL_EINVAL;
	}
	struct B {
		const uint8_t *data;
		size_t size;
		Digest hash;
		std::string name;
	};
	std::vector<B> blobs;
	for (size_t i = 0; i < res->nr_blobs; ++i) {
		B b{};
		b.data = vaccel_blob_data(res->blobs[i], &b.size);
		if (!b.data)
			return VACCEL_EIO;
		b.hash = Sha256::of(b.data, b.size);
		b.name = res->blobs[i]->name ? res->blobs[i]->name : "blob";
		if (b.name.size() > kMaxName)
			b.name.resize(kMaxName);
		blobs.push_back(b);
	}
	std::lock_guard lk(r->lock);
	// Which contents does the agent lack?
	std::vector<Digest> hashes;
	for (auto &b : blobs)
		hashes.push_back(b.hash);
	Writer q;
	encode_blob_query(q, hashes);
	std::vector<iovec> iov{{}, {q.buf().data(), q.size()}};
	std::vector<uint8_t> have(blobs.size());
	int ret = exchange(*r, Msg::blob_query, iov, [&](Stream &s, size_t len) -> int {
		if (len != have.size())
			return VACCEL_EBACKEND;
		return s.read_exact(have.data(), len);
	});
	if (ret)
		return ret;
	for (size_t i = 0; i < blobs.size(); ++i) {
		if (have[i])
			continue;
		std::vector<iovec> put{{},
				       {blobs[i].hash.data(), 32},
				       {const_cast<uint8_t *>(blobs[i].data), blobs[i].size}};
		if ((ret = exchange(*r, Msg::blob_put, put, no_body)))
			return ret;
	}
	RegisterRequest req;
	req.session = r->sid;
	req.type = res->type;
	for (auto &b : blobs)
		req.blobs.push_back(RegisterBlob{b.hash, b.name});
	Writer reg;
	encode_register(reg, req);
	std::vector<iovec> iov2{{}, {reg.buf().data(), reg.size()}};
	int64_t rid = 0;
	if ((ret = exchange(*r, Msg::resource_register, iov2, read_value(rid))))
		return ret;
	r->resources[res->id] = rid;
	res->remote_id = rid;
	return VACCEL_OK;
}

int resource_unregister(vaccel_resource *res, vaccel_session *sess)
{
	std::shared_ptr<Remote> r = existing_remote(sess, false);
	if (!r)
		return VACCEL_OK;
	std::lock_guard lk(r->lock);
	auto it = r->resources.find(res->id);
	if (it == r->resources.end())
		return VACCEL_OK;
	Writer w;
	encode(w, UnregisterRequest{r->sid, it->second});
	r->resources.erase(it);
	std::vector<iovec> iov{{}, {w.buf().data(), w.size()}};
	return exchange(*r, Msg::resource_unregister, iov, no_body);
}

// No C++ exception may leave the plugin (the runtime calls it through a C
// ABI): an allocation failure while marshalling becomes VACCEL_ENOMEM for
// that call, anything else VACCEL_EBACKEND; the application goes on.
template <auto F> struct Guard;
template <class... Args, int (*F)(Args...)> struct Guard<F> {
	static int call(Args... a) noexcept
	{
		try {
			return F(a...);
		} catch (const std::bad_alloc &) {
			vaccel_error("[rpc] out of memory");
			return VACCEL_ENOMEM;
		} catch (const std::exception &e) {
			vaccel_error("[rpc] %s", e.what());
			return VACCEL_EBACKEND;
		} catch (...) {
			return VACCEL_EBACKEND;
		}
	}
};
template <auto F> constexpr auto guarded = &Guard<F>::call;

const vaccel_plugin_ops rpc_ops = [] {
	vaccel_plugin_ops o{};
	o.noop = guarded<rpc_noop>;
	o.exec = guarded<rpc_exec>;
	o.exec_with_resource = guarded<rpc_exec_with_resource>;
	o.image_classify = guarded<rpc_image<VACCEL_OP_IMAGE_CLASSIFY>>;
	o.image_detect = guarded<rpc_image<VACCEL_OP_IMAGE_DETECT>>;
	o.image_segment = guarded<rpc_image<VACCEL_OP_IMAGE_SEGMENT>>;
	o.image_pose = guarded<rpc_image<VACCEL_OP_IMAGE_POSE>>;
	o.image_depth = guarded<rpc_image<VACCEL_OP_IMAGE_DEPTH>>;
	o.sgemm = guarded<rpc_sgemm>;
	o.fpga_arraycopy = guarded<rpc_arraycopy>;
	o.fpga_mmult = guarded<rpc_mmult>;
	o.fpga_parallel = guarded<rpc_parallel>;
	o.fpga_vadd = guarded<rpc_vadd>;
	o.minmax = guarded<rpc_minmax>;
	o.opencv = guarded<rpc_opencv>;
	o.torch_model_load = guarded<rpc_torch_load>;
	o.torch_model_run = guarded<rpc_torch_run>;
	o.tf_model_load = guarded<rpc_tf_load>;
	o.tf_model_unload = guarded<rpc_tf_unload>;
	o.tf_model_run = guarded<rpc_tf_run>;
	o.tflite_model_load = guarded<rpc_tflite_load>;
	o.tflite_model_unload = guarded<rpc_tflite_unload>;
	o.tflite_model_run = guarded<rpc_tflite_run>;
	return o;
}();

const vaccel_plugin_desc rpc_plugin = {
	VACCEL_PLUGIN_DESC("rpc", VACCEL_VERSION,
			   VACCEL_PLUGIN_REMOTE | VACCEL_PLUGIN_GENERIC),
	.init = guarded<rpc_init>,
	.fini = guarded<rpc_fini>,
	.session_release = guarded<session_release>,
	.resource_register = guarded<resource_register>,
	.resource_unregister = guarded<resource_unregister>,
	VACCEL_PLUGIN_OPS(rpc_ops),
};

} // namespace

VACCEL_PLUGIN_ENTRY(rpc, rpc_plugin)
