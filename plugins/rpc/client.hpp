// SPDX-License-Identifier: Apache-2.0
// The rpc plugin's client: its configuration (VACCEL_RPC_*), a session's
// connection to the agent (connect, HELLO, the arena and the mailbox), and
// the request/reply exchange every call makes. The marshalling of each
// operation (rpc.cpp) sits on top of exchange().
#pragma once

#include <vaccel.h>

#include "rpc/net.hpp"
#include "rpc/wire.hpp"

#include <cinttypes>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace vaccel::rpc::client {

struct Config {
	Address addr;
	int timeout_ms = 30000;
	int spin_us = 50;
	int spin_max_us = 500;
	uint64_t arena_bytes = 256ull << 20;
	uint64_t mailbox_bytes = 128 << 10;
};

// Per local session: its connection and the ids of its mirrors.
struct Remote {
	std::mutex lock; // one call at a time on the connection
	Stream stream;
	int64_t sid = 0; // the agent's session id
	uint64_t next_id = 1;
	// The protocol version agreed in HELLO, which HELLO itself is sent
	// in the oldest one offered, so that an agent of either accepts it.
	uint16_t version = kMinVersion;
	std::unordered_map<int64_t, int64_t> resources; // local id -> agent id
	SharedMap arena; // if the agent gave one
	bool arena_asked = false;
};

// Heap state never destroyed: fini() may run after static destructors.
struct State {
	Config cfg;
	std::mutex lock;
	std::unordered_map<int64_t, std::shared_ptr<Remote>> remotes;
};
extern State &state;


// VACCEL_RPC_ADDRESS and the rest of the configuration, read at load.
int rpc_init();
int rpc_fini();

// One request/reply exchange. @p body: iovecs after the header. The reply
// body is handed to @p on_reply(stream, len), which must consume exactly
// len bytes; with no reply body it is not called. With @p fd, a descriptor
// that comes with the reply lands there. Transport failures close the
// connection: the session is then lost (VACCEL_ESESS).
template <class OnReply>
int exchange(Remote &r, Msg type, std::vector<iovec> &iov, OnReply &&on_reply,
	     Fd *fd = nullptr)
{
	if (!r.stream.open())
		return VACCEL_ESESS;
	uint64_t len = 0;
	for (size_t i = 1; i < iov.size(); ++i)
		len += iov[i].iov_len;
	if (len > UINT32_MAX) {
		vaccel_error("[rpc] request of %" PRIu64 " bytes is too large", len);
		return VACCEL_ENOSPC;
	}
	Header h;
	h.version = r.version;
	h.type = (uint16_t)type;
	h.id = r.next_id++;
	h.body_len = (uint32_t)len;
	uint8_t hb[kHeaderSize];
	encode_header(h, hb);
	iov[0] = iovec{hb, kHeaderSize};
	int ret = r.stream.writev_all(iov.data(), (int)iov.size());
	uint8_t rb[kHeaderSize];
	if (!ret)
		ret = fd ? r.stream.read_exact_fd(rb, kHeaderSize, *fd)
			 : r.stream.read_exact(rb, kHeaderSize);
	if (ret) {
		vaccel_error("[rpc] %s talking to the agent",
			     ret == VACCEL_ETIMEDOUT ? "timed out" : "connection lost");
		r.stream.close();
		return ret;
	}
	Header rh = decode_header(rb);
	if (rh.magic != kMagic || rh.id != h.id || rh.type != h.type) {
		vaccel_error("[rpc] malformed reply from the agent");
		r.stream.close();
		return VACCEL_EBACKEND;
	}
	if (rh.status != VACCEL_OK && rh.body_len) {
		// Why the agent's side failed (version 4): logged here, so that
		// it is this thread's error text (vaccel_error_message(),
		// vaccel::Error::message()) as a local failure's would be.
		std::vector<uint8_t> body;
		std::string why;
		if (rh.body_len > 8 + padded(kMaxErrorMessage) || r.version < 4) {
			vaccel_error("[rpc] malformed reply from the agent");
			r.stream.close();
			return VACCEL_EBACKEND;
		}
		body.resize(rh.body_len);
		if (r.stream.read_exact(body.data(), body.size()) ||
		    !decode_error_message(body.data(), body.size(), why) ||
		    !r.stream.at_message_end()) {
			vaccel_error("[rpc] malformed reply from the agent");
			r.stream.close();
			return VACCEL_EBACKEND;
		}
		vaccel_error("[rpc] the agent: %s", why.c_str());
		return rh.status;
	}
	if (rh.body_len) {
		try {
			ret = on_reply(r.stream, (size_t)rh.body_len);
		} catch (...) {
			// Part of the reply may be unread: the stream is lost.
			r.stream.close();
			throw;
		}
		if (ret) {
			r.stream.close();
			return ret;
		}
	}
	if (!r.stream.at_message_end()) {
		vaccel_error("[rpc] malformed reply from the agent");
		r.stream.close();
		return VACCEL_EBACKEND;
	}
	return rh.status;
}

// The reply handler of a request that expects no reply body.
int no_body(Stream &, size_t);

// Reads a fixed-size reply.
template <class T> auto read_value(T &out)
{
	return [&out](Stream &s, size_t len) -> int {
		if (len != sizeof(T))
			return VACCEL_EBACKEND;
		return s.read_exact(&out, sizeof(T));
	};
}

// The connection of @p sess, opened (and its session mirrored) on first
// use.
int remote_of(vaccel_session *sess, std::shared_ptr<Remote> &out);
// The connection of @p sess if it has one (taken out of the table if
// @p take).
std::shared_ptr<Remote> existing_remote(vaccel_session *sess, bool take);
// Ask the agent for an arena (once per connection).
int ask_arena(Remote &r);
// The session's end: its mirror released on the agent.
int session_release(vaccel_session *sess);

} // namespace vaccel::rpc::client
