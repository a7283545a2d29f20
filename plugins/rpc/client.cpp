// SPDX-License-Identifier: Apache-2.0
// The rpc plugin's client (client.hpp): configuration, connections,
// handshake, shared memory.
#include "client.hpp"

#include <cstdlib>
#include <cstring>
#include <sys/stat.h>

namespace vaccel::rpc::client {

// Heap state never destroyed: fini() may run after static destructors.
State &state = *new State;

int env_int(const char *name, int dflt, int lo, int hi)
{
	const char *v = getenv(name);
	if (!v || !*v)
		return dflt;
	char *end = nullptr;
	long l = strtol(v, &end, 10);
	if (*end || l < lo || l > hi) {
		vaccel_warn("[rpc] ignoring %s=%s (want %d..%d)", name, v, lo, hi);
		return dflt;
	}
	return (int)l;
}

int rpc_init()
{
	const char *uri = getenv("VACCEL_RPC_ADDRESS");
	if (!uri || !*uri) {
		vaccel_error("[rpc] VACCEL_RPC_ADDRESS is not set (unix:///path, "
			     "tcp://host:port or vsock://cid:port)");
		return VACCEL_EINVAL;
	}
	std::string why;
	if (parse_address(uri, state.cfg.addr, why)) {
		vaccel_error("[rpc] VACCEL_RPC_ADDRESS=%s: %s", uri, why.c_str());
		return VACCEL_EINVAL;
	}
	state.cfg.timeout_ms = env_int("VACCEL_RPC_TIMEOUT_MS", 30000, 1, 86400000);
	state.cfg.spin_us = env_int("VACCEL_RPC_SPIN_US", 50, 0, 1000000);
	state.cfg.spin_max_us = env_int("VACCEL_RPC_SPIN_MAX_US", 500, 0, 1000000);
	state.cfg.arena_bytes =
		(uint64_t)env_int("VACCEL_RPC_ARENA_MIB", 256, 0,
				  (int)(kMaxArena >> 20)) << 20;
	state.cfg.mailbox_bytes =
		(uint64_t)env_int("VACCEL_RPC_MAILBOX_KIB", 128, 0,
				  (int)(kMaxMailbox >> 10)) << 10;
	vaccel_debug("[rpc] agent at %s, timeout %d ms, spin %d us (up to %d us "
		     "for slower replies)", uri, state.cfg.timeout_ms,
		     state.cfg.spin_us, state.cfg.spin_max_us);
	return VACCEL_OK;
}

int rpc_fini()
{
	std::lock_guard lk(state.lock);
	state.remotes.clear();
	return VACCEL_OK;
}

int no_body(Stream &, size_t)
{
	vaccel_error("[rpc] unexpected reply body");
	return VACCEL_EBACKEND;
}

// Asks the agent for shared memory (ARENA or MAILBOX) of @p want bytes;
// the caller holds the remote's lock. Returns the exchange's status (a
// refusal, or a broken transport, which closes the stream). On VACCEL_OK,
// @p fd holds the agent's memfd with @p granted in [@p min, @p want] and at
// least @p bytes(granted) bytes, or is empty if it is not what the agent
// says.
int ask_shared(Remote &r, Msg type, uint64_t want, uint64_t min,
	       uint64_t (*bytes)(uint64_t), uint64_t &granted, Fd &fd)
{
	Writer w;
	encode(w, SharedRequest{want});
	std::vector<iovec> iov{{}, {w.buf().data(), w.size()}};
	if (int ret = exchange(r, type, iov, read_value(granted), &fd))
		return ret;
	struct stat st{};
	if (fd && (granted < min || granted > want || fstat(fd.get(), &st) ||
		   (uint64_t)st.st_size < bytes(granted)))
		fd.reset();
	return VACCEL_OK;
}

// Asks the agent for an arena (once per connection). A refusal leaves the
// session without one; only a broken transport is an error.
int ask_arena(Remote &r)
{
	r.arena_asked = true;
	uint64_t size = 0;
	Fd fd;
	int ret = ask_shared(r, Msg::arena, state.cfg.arena_bytes, 1,
			     [](uint64_t n) { return n; }, size, fd);
	if (!r.stream.open())
		return ret ? ret : VACCEL_ESESS;
	if (ret)
		vaccel_debug("[rpc] the agent gives no arena (%d)", ret);
	else if (!fd)
		vaccel_error("[rpc] the agent's arena is not what it says");
	else if (int err = r.arena.map(fd.get(), size))
		vaccel_warn("[rpc] cannot map the agent's arena: %s",
			    strerror(err));
	else
		vaccel_debug("[rpc] arena of %" PRIu64 " bytes shared with "
			     "the agent", size);
	return VACCEL_OK;
}

// Asks the agent for a mailbox (unix sockets, at connect). A refusal leaves
// the session on the socket alone; only a broken transport is an error.
int ask_mailbox(Remote &r)
{
	uint64_t cap = 0;
	Fd fd;
	int ret = ask_shared(r, Msg::mailbox, state.cfg.mailbox_bytes,
			     kMinMailbox, mailbox_bytes, cap, fd);
	if (!r.stream.open())
		return ret ? ret : VACCEL_ESESS;
	if (ret) {
		vaccel_debug("[rpc] the agent gives no mailbox (%d)", ret);
		return VACCEL_OK;
	}
	// The agent switched to the mailbox on sending the reply: one that
	// cannot be used ends the connection, there is no going back.
	auto map = std::make_unique<SharedMap>();
	if (!fd || map->map(fd.get(), mailbox_bytes(cap)) ||
	    r.stream.use_mailbox(std::move(map), cap, false)) {
		vaccel_error("[rpc] the agent's mailbox is not what it says");
		r.stream.close();
		return VACCEL_EBACKEND;
	}
	vaccel_debug("[rpc] mailbox of %" PRIu64 " bytes shared with the agent",
		     cap);
	return VACCEL_OK;
}

int connect_remote(Remote &r, vaccel_session *sess)
{
	Fd fd;
	int ret = connect_to(state.cfg.addr, state.cfg.timeout_ms, fd);
	if (ret) {
		vaccel_error("[rpc] cannot reach the agent at %s: %s",
			     state.cfg.addr.uri().c_str(), strerror(ret));
		return ret == VACCEL_ETIMEDOUT ? ret : VACCEL_ESESS;
	}
	r.stream = Stream(std::move(fd), state.cfg.timeout_ms, state.cfg.spin_us,
			  state.cfg.spin_max_us);
	r.version = kMinVersion;
	Writer w;
	encode(w, HelloRequest{kMinVersion, kVersion});
	std::vector<iovec> iov{{}, {w.buf().data(), w.size()}};
	HelloReply hello;
	ret = exchange(r, Msg::hello, iov, [&](Stream &s, size_t len) -> int {
		uint8_t b[16];
		if (len != sizeof b || s.read_exact(b, sizeof b))
			return VACCEL_EBACKEND;
		return decode(b, sizeof b, hello) ? 0 : VACCEL_EBACKEND;
	});
	if (ret || hello.version < kMinVersion || hello.version > kVersion) {
		vaccel_error("[rpc] agent refused the protocol versions %u..%u: %d",
			     kMinVersion, kVersion, ret ? ret : VACCEL_EBACKEND);
		r.stream.close();
		return ret ? ret : VACCEL_EBACKEND;
	}
	r.version = (uint16_t)hello.version;
	if (state.cfg.addr.kind == Address::kUnix && state.cfg.mailbox_bytes)
		if ((ret = ask_mailbox(r)))
			return ret;
	Writer s;
	encode(s, SessionInitRequest{sess->hint & ~(uint32_t)VACCEL_PLUGIN_REMOTE});
	std::vector<iovec> iov2{{}, {s.buf().data(), s.size()}};
	ret = exchange(r, Msg::session_init, iov2, read_value(r.sid));
	if (ret) {
		r.stream.close();
		return ret;
	}
	sess->remote_id = r.sid;
	sess->is_virtio = true;
	vaccel_debug("[rpc] session %" PRId64 " mirrored as %" PRId64 " on %s",
		     sess->id, r.sid, state.cfg.addr.uri().c_str());
	return VACCEL_OK;
}

// The session's remote if it has one (nullptr if it never made a call);
// with @p take, the session gives it up.
std::shared_ptr<Remote> existing_remote(vaccel_session *sess, bool take)
{
	std::lock_guard lk(state.lock);
	auto it = state.remotes.find(sess->id);
	if (it == state.remotes.end())
		return nullptr;
	std::shared_ptr<Remote> r = it->second;
	if (take)
		state.remotes.erase(it);
	return r;
}

// The session's remote, connected on first use.
int remote_of(vaccel_session *sess, std::shared_ptr<Remote> &out)
{
	{
		std::lock_guard lk(state.lock);
		auto &slot = state.remotes[sess->id];
		if (!slot)
			slot = std::make_shared<Remote>();
		out = slot;
	}
	std::lock_guard lk(out->lock);
	return out->sid ? VACCEL_OK : connect_remote(*out, sess);
}

int session_release(vaccel_session *sess)
{
	std::shared_ptr<Remote> r = existing_remote(sess, true);
	if (!r)
		return VACCEL_OK;
	std::lock_guard lk(r->lock);
	if (r->stream.open() && r->sid) {
		Writer w;
		encode(w, SessionRequest{r->sid});
		std::vector<iovec> iov{{}, {w.buf().data(), w.size()}};
		exchange(*r, Msg::session_release, iov, no_body);
	}
	r->stream.close();
	return VACCEL_OK;
}

} // namespace vaccel::rpc::client
