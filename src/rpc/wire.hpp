// SPDX-License-Identifier: Apache-2.0
// The wire format of docs/protocol.md: framing, limits and a bounds-checked
// reader. Pure code over byte buffers, no I/O, so the decoder can be fuzzed
// on its own. Little-endian throughout (checked at compile time).
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>
#include <sys/uio.h>

#include "vaccel/error.h"

namespace vaccel::rpc {

static_assert(std::endian::native == std::endian::little,
	      "the wire is little-endian; add byte swapping for this target");

constexpr uint32_t kMagic = 0x4c434156; // "VACL"
// 2: ARENA and shared args; 3: MAILBOX; 4: error replies carry a message.
constexpr uint16_t kVersion = 4;
constexpr uint16_t kMinVersion = 3; // the oldest an agent still serves
constexpr size_t kHeaderSize = 24;
constexpr size_t kAlign = 8; // payloads are padded so the agent can use them in place
// What pads a payload, gathered into a message as it is.
inline constexpr uint8_t kZeros[kAlign] = {};
constexpr uint64_t kDefaultMaxMessage = 256ull << 20;
constexpr uint32_t kMaxArgs = 1024;
constexpr uint32_t kMaxBlobs = 64;
constexpr uint32_t kMaxName = 255;

enum class Msg : uint16_t {
	hello = 1,
	session_init = 2,
	session_release = 3,
	blob_query = 4,
	blob_put = 5,
	resource_register = 6,
	resource_unregister = 7,
	op = 8,
	model = 9, // torch, tf and tflite model operations
	arena = 10, // a shared-memory arena for bulk arguments (unix only)
	mailbox = 11, // shared-memory mailboxes for the messages (unix only)
};

struct Header {
	uint32_t magic = kMagic;
	uint16_t version = kVersion;
	uint16_t type = 0;
	uint64_t id = 0; // request id; a reply carries its request's
	uint32_t body_len = 0;
	int32_t status = 0; // replies: VACCEL_OK or a VACCEL_E* code
};

inline void encode_header(const Header &h, uint8_t out[kHeaderSize])
{
	memcpy(out + 0, &h.magic, 4);
	memcpy(out + 4, &h.version, 2);
	memcpy(out + 6, &h.type, 2);
	memcpy(out + 8, &h.id, 8);
	memcpy(out + 16, &h.body_len, 4);
	memcpy(out + 20, &h.status, 4);
}

inline Header decode_header(const uint8_t in[kHeaderSize])
{
	Header h;
	memcpy(&h.magic, in + 0, 4);
	memcpy(&h.version, in + 4, 2);
	memcpy(&h.type, in + 6, 2);
	memcpy(&h.id, in + 8, 8);
	memcpy(&h.body_len, in + 16, 4);
	memcpy(&h.status, in + 20, 4);
	return h;
}

inline size_t padded(size_t n)
{
	return (n + kAlign - 1) & ~(kAlign - 1);
}

// Appends fixed-size fields to a small metadata buffer.
class Writer {
public:
	template <class T> Writer &put(T v)
	{
		size_t at = buf_.size();
		buf_.resize(at + sizeof(T));
		memcpy(buf_.data() + at, &v, sizeof(T));
		return *this;
	}
	Writer &bytes(const void *p, size_t n)
	{
		auto *b = static_cast<const uint8_t *>(p);
		buf_.insert(buf_.end(), b, b + n);
		return *this;
	}
	Writer &pad()
	{
		buf_.resize(padded(buf_.size()), 0);
		return *this;
	}
	std::vector<uint8_t> &buf() { return buf_; }
	size_t size() const { return buf_.size(); }

private:
	std::vector<uint8_t> buf_;
};

// Reads fields from an untrusted buffer; every read is bounds-checked and
// a failed read poisons the reader so callers can check once at the end.
class Reader {
public:
	Reader(const uint8_t *p, size_t n) : p_(p), n_(n) {}
	template <class T> bool get(T &v)
	{
		if (!ok_ || n_ - at_ < sizeof(T))
			return ok_ = false;
		memcpy(&v, p_ + at_, sizeof(T));
		at_ += sizeof(T);
		return true;
	}
	// A pointer to @p n bytes in place.
	const uint8_t *take(size_t n)
	{
		if (!ok_ || n_ - at_ < n) {
			ok_ = false;
			return nullptr;
		}
		const uint8_t *r = p_ + at_;
		at_ += n;
		return r;
	}
	bool skip_pad()
	{
		size_t to = padded(at_);
		if (to > n_)
			return ok_ = false;
		at_ = to;
		return true;
	}
	bool ok() const { return ok_; }
	size_t left() const { return n_ - at_; }
	size_t offset() const { return at_; }
	// As a source of the stream decoders below: @p n bytes copied out,
	// or skipped.
	bool read(void *out, size_t n)
	{
		const uint8_t *p = take(n);
		if (p && n)
			memcpy(out, p, n);
		return p != nullptr;
	}
	bool skip(size_t n) { return take(n) != nullptr; }

private:
	const uint8_t *p_;
	size_t n_;
	size_t at_ = 0;
	bool ok_ = true;
};

// One argument of an OP request as it crosses the wire.
struct ArgDesc {
	uint32_t type;
	uint32_t custom_id;
	uint32_t flags; // kArgInOut, kArgShared
	uint32_t offset; // kArgShared: where the bytes are in the arena
	uint64_t size;
};
// A write arg whose initial bytes are sent (read and written).
constexpr uint32_t kArgInOut = 1;
// The arg's bytes are in the connection's arena at offset, not in the
// body; a shared output's reply carries its size but not its bytes.
constexpr uint32_t kArgShared = 2;
constexpr size_t kArgDescSize = 24;

// The arena: at most this large (offsets are 32-bit), and used only for
// calls whose shareable bytes reach kArenaMinCall (below that, the socket
// costs no more than the copy into the arena).
constexpr uint64_t kMaxArena = 1ull << 30;
constexpr uint64_t kArenaMinCall = 64u << 10;

// Whether an argument of @p type to operation @p op may travel in the
// arena. The guest can change arena bytes while the host's plugin reads
// them, so only plain numeric arrays of the BLAS and array operations
// qualify: for those, changed bytes give wrong numbers, never a parser of
// the host's following a length or an offset that moved.
bool shareable(uint32_t op, uint32_t type);

// An OP request decoded in place: descriptors plus pointers into the body.
struct OpRequest {
	int64_t session = 0;
	uint32_t op = 0;
	std::vector<ArgDesc> read, write;
	std::vector<const uint8_t *> read_data; // into the body; null if shared
	std::vector<const uint8_t *> inout_data; // per write arg; null if output
						 // only or shared
	uint64_t write_total = 0; // padded bytes the reply will carry
};

constexpr uint32_t kMaxTensors = 64;
constexpr uint32_t kMaxDims = 8;
constexpr uint32_t kMaxStatusMessage = 4096; // tf status text, bytes

// A tensor as it crosses the wire (model runs): its data in place. tflite's
// 32-bit dims travel as 64-bit ones.
struct TensorDesc {
	uint32_t dtype = 0;
	std::vector<int64_t> dims;
	uint64_t size = 0;
	const uint8_t *data = nullptr;
};

// A TensorFlow graph node (tf model runs): name and output index.
struct NodeDesc {
	int32_t id = 0;
	std::string name;
};

// A MODEL request: a torch, tf or tflite model load or unload (no
// tensors), or run (tensors; tf runs also name their nodes).
struct ModelRequest {
	int64_t session = 0;
	uint32_t op = 0;
	int64_t resource = 0;
	uint32_t nr_out = 0;
	std::vector<NodeDesc> in_nodes, out_nodes; // tf runs only
	std::vector<TensorDesc> in;
};

bool is_model_op(uint32_t op);
bool is_model_run(uint32_t op);

// Nodes: i32 id, u32 name length (0..255, no NUL), the name; then padding.
void encode_nodes(Writer &w, const std::vector<NodeDesc> &nodes);
bool decode_nodes(Reader &r, uint32_t n, std::vector<NodeDesc> &out);

// Encode tensor descriptors then their data, as both directions use them.
void encode_tensor_descs(Writer &w, const std::vector<TensorDesc> &t);

// Decode @p n tensor descriptors and their data from @p r.
bool decode_tensors(Reader &r, uint32_t n, std::vector<TensorDesc> &out);

int decode_model(const uint8_t *body, size_t len, ModelRequest &out);

// The reply of a MODEL run: u32 number of outputs, u32 0, their
// descriptors (encode_tensor_descs, padded), each output's bytes, padded;
// then for tf and tflite runs a status. The header goes to @p w, which
// @p iov's next entry points at, and each output's bytes are gathered from
// where they are (the descriptors' data) into @p iov.
void encode_model_reply(Writer &w, std::vector<iovec> &iov,
			const std::vector<TensorDesc> &outputs);
// A status: u32 code, u32 length, the text (at most kMaxStatusMessage
// bytes, cut there), padded.
void encode_status(Writer &w, uint32_t code, const char *message);

// The decoders read from a source with `bool read(void *p, size_t n)` and
// `bool skip(size_t n)` (false: the stream broke): a Reader over bytes in
// memory, or a client's socket, so that it reads a reply straight into the
// tensors it allocates. @p len is
// the body's length and @p used what of it was read before; each returns 0
// or VACCEL_EBACKEND (the bytes are not a reply, or a read failed), and the
// status decoder VACCEL_ESESS where the text could not be read.

// The header and descriptors of a run's reply of @p expect outputs; then
// @p used is where the first output's bytes begin.
// @p n tensor descriptors (encode_tensor_descs, without its padding), each
// within @p len bytes of body counting from @p used, which they advance.
// Dimensions are never negative.
template <class Src>
bool decode_tensor_descs(Src &src, uint32_t n, size_t len, size_t &used,
			 std::vector<TensorDesc> &out)
{
	if (n > kMaxTensors)
		return false;
	out.assign(n, TensorDesc{});
	for (auto &d : out) {
		uint32_t nd = 0;
		if (used + 8 > len || !src.read(&d.dtype, 4) ||
		    !src.read(&nd, 4) || nd > kMaxDims)
			return false;
		d.dims.resize(nd);
		used += 8 + 8 * (size_t)nd + 8;
		if (used > len || (nd && !src.read(d.dims.data(), 8 * nd)) ||
		    !src.read(&d.size, 8))
			return false;
		for (int64_t x : d.dims)
			if (x < 0)
				return false;
	}
	return true;
}

// The header and descriptors of a run's reply of @p expect outputs; then
// @p used is where the first output's bytes begin.
template <class Src>
int decode_model_reply_head(Src &src, size_t len, uint32_t expect,
			    std::vector<TensorDesc> &out, size_t &used)
{
	uint32_t n = 0, zero = 0;
	if (len < used + 8 || !src.read(&n, 4) || !src.read(&zero, 4) ||
	    n != expect)
		return VACCEL_EBACKEND;
	used += 8;
	if (!decode_tensor_descs(src, n, len, used, out) ||
	    !src.skip(padded(used) - used))
		return VACCEL_EBACKEND;
	used = padded(used);
	// Every output's bytes must fit what is left.
	size_t need = used;
	for (auto &d : out) {
		if (d.size > len || padded(d.size) > len - need)
			return VACCEL_EBACKEND;
		need += padded(d.size);
	}
	return 0;
}

template <class Src>
int decode_status(Src &src, size_t len, size_t &used, uint32_t &code,
		  std::string &text)
{
	uint32_t n = 0;
	if (used + 8 > len || !src.read(&code, 4) || !src.read(&n, 4) ||
	    n > kMaxStatusMessage || used + 8 + padded(n) > len)
		return VACCEL_EBACKEND;
	text.resize(n);
	if ((n && !src.read(text.data(), n)) || !src.skip(padded(n) - n))
		return VACCEL_ESESS;
	used += 8 + padded(n);
	return 0;
}


// Decode the body of an OP request. Returns 0 or a VACCEL_E* code; never
// reads outside [body, body + len). @p max_write bounds what the agent will
// allocate for outputs. Shared args must be shareable(), aligned to kAlign,
// inside an arena of @p arena_size bytes (0: the connection has none), and
// no shared output may overlap another shared arg.
int decode_op(const uint8_t *body, size_t len, uint64_t max_write,
	      uint64_t arena_size, OpRequest &out);

// The head of an OP request, as decode_op reads it: i64 session, u32 op,
// u32 number of read and of write args, then one descriptor per arg
// (encode_arg_desc), then padding (Writer::pad). The args' bytes follow,
// each padded: the read args', then the inout write args', all but those
// in the arena (kArgShared).
inline void encode_op_head(Writer &w, int64_t session, uint32_t op,
			   uint32_t nr_read, uint32_t nr_write)
{
	w.put<int64_t>(session).put<uint32_t>(op).put<uint32_t>(nr_read).put<uint32_t>(
		nr_write);
}
inline void encode_arg_desc(Writer &w, const ArgDesc &d)
{
	w.put<uint32_t>(d.type)
		.put<uint32_t>(d.custom_id)
		.put<uint32_t>(d.flags)
		.put<uint32_t>(d.offset)
		.put<uint64_t>(d.size);
}

// The messages of a fixed layout, each a list of fields in wire order
// (docs/protocol.md): encode() writes them, decode() reads exactly them
// from a body (false: not that message).
struct HelloRequest { // HELLO: the versions the client speaks
	uint32_t oldest = 0, newest = 0;
	template <class F> void fields(F &&f) { f(oldest), f(newest); }
};
struct HelloReply { // the version chosen, the agent's frame limit
	uint32_t version = 0, reserved = 0;
	uint64_t max_message = 0;
	template <class F> void fields(F &&f)
	{
		f(version), f(reserved), f(max_message);
	}
};
struct SessionInitRequest { // SESSION_INIT: the session's hint
	uint32_t flags = 0, reserved = 0;
	template <class F> void fields(F &&f) { f(flags), f(reserved); }
};
struct SessionRequest { // SESSION_RELEASE
	int64_t session = 0;
	template <class F> void fields(F &&f) { f(session); }
};
struct UnregisterRequest { // RESOURCE_UNREGISTER
	int64_t session = 0, resource = 0;
	template <class F> void fields(F &&f) { f(session), f(resource); }
};
struct SharedRequest { // ARENA, MAILBOX: the bytes asked for
	uint64_t want = 0;
	template <class F> void fields(F &&f) { f(want); }
};

template <class M> void encode(Writer &w, M m)
{
	m.fields([&](auto &v) { w.put(v); });
}
template <class M> bool decode(const uint8_t *body, size_t len, M &m)
{
	Reader r(body, len);
	bool ok = true;
	m.fields([&](auto &v) { ok = ok && r.get(v); });
	return ok && r.ok() && r.left() == 0;
}

// BLOB_QUERY: u32 n (up to kMaxBlobs), then n 32-byte content hashes; the
// reply is a byte per hash, 1 if the agent holds that content.
void encode_blob_query(Writer &w, const std::vector<std::array<uint8_t, 32>> &hashes);
bool decode_blob_query(const uint8_t *body, size_t len,
		       std::vector<std::array<uint8_t, 32>> &out);

// RESOURCE_REGISTER: i64 session, u32 resource type, u32 number of blobs
// (1..kMaxBlobs), then per blob its 32-byte content hash (sent before with
// BLOB_PUT, or cached), u16 name length (1..kMaxName) and the name.
struct RegisterBlob {
	std::array<uint8_t, 32> hash{};
	std::string name;
};
struct RegisterRequest {
	int64_t session = 0;
	uint32_t type = 0;
	std::vector<RegisterBlob> blobs;
};
void encode_register(Writer &w, const RegisterRequest &req);
// False if @p body is not one. A name may hold any byte: whether it is
// acceptable (no NUL, no '/') is the agent's call, answered with an error.
bool decode_register(const uint8_t *body, size_t len, RegisterRequest &out);

// An error reply's message (version 4): u32 length, u32 0, the bytes,
// padded. At most kMaxErrorMessage bytes, never a NUL.
constexpr uint32_t kMaxErrorMessage = 1024;
void encode_error_message(Writer &w, const std::string &message);
// False if @p body is not one; @p out is the message.
bool decode_error_message(const uint8_t *body, size_t len, std::string &out);

} // namespace vaccel::rpc
