// SPDX-License-Identifier: Apache-2.0
// vaccel-agent's parts (docs/operating.md): what they share.
//   options.cpp     the command line (Options, usage, parse_options)
//   cache.hpp       the blob cache (content by hash, bounded, charged)
//   connection.cpp  a guest's connection: framing, sessions,
//                   resources, OP requests, shared memory
//   model.cpp       MODEL requests: tensors in, a plugin's tensors out
//   main.cpp        listeners, accepting, peers, privileges, systemd, drain
//   metrics.cpp     --metrics (libmicrohttpd)
// Every byte from a guest is untrusted: frames are size-checked before
// allocation, ids are looked up in the connection's own tables, and exec is
// off unless the operator allows it.
#pragma once

#include <vaccel.h>

#include "cache.hpp"
#include "limits.hpp"
#include "messages.hpp"
#include "metrics.hpp"
#include "rpc/net.hpp"
#include "rpc/sha256.hpp"
#include "rpc/wire.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cinttypes>
#include <climits>
#include <csignal>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstddef>
#include <cstring>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <linux/vm_sockets.h>
#include <pwd.h>
#include <limits>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <poll.h>
#include <set>
#include <string>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <thread>
#include <unordered_map>
#include <vector>


namespace vaccel::agent {

using namespace vaccel::rpc;

struct Options {
	std::vector<std::string> addrs;
	std::vector<std::string> exec_dirs; // canonical, with a trailing '/'
	bool allow_guest_libs = false;
	bool allow_remote = false;
	uint64_t max_message = kDefaultMaxMessage;
	uint32_t max_sessions = 64;
	uint32_t max_resources = 256;
	uint32_t max_connections = 256;
	uint32_t max_per_peer = 64;
	uint64_t memory_budget = 0; // 0 until set: half the host's memory
	uint64_t cache_bytes = 1ull << 30;
	uint64_t pin_quota = 0; // 0 until set: half of cache_bytes
	int handshake_ms = 5000;
	uint64_t idle_timeout_s = 0; // 0: never
	uint64_t drain_timeout_s = 30;
	mode_t socket_mode = 0660;
	std::string user;
	int timeout_ms = 30000;
	int spin_us = 50;
	int spin_max_us = 500;
	uint64_t arena_max = 256ull << 20;
	uint64_t mailbox_max = kMaxMailbox;
	bool quiet = false;
	std::string metrics;	   // --metrics URI, "" for none
	bool metrics_public = false; // --metrics-public
};
extern Options opt;

// An info line on stderr unless --quiet.
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

// Every byte the agent holds for guests is charged here first.
extern Budget budget;
// What --metrics serves; counts nothing without it.
extern Metrics metrics;

extern BlobCache cache;
extern PeerSlots slots;
// Cached bytes that each peer's resources hold in the cache, so that no
// guest can pin all of it.
extern PeerQuota pinned;
// A connection keeps its request and output buffers between calls (fresh
// pages would cost a fault each; docs/performance.md, "Measurements behind
// the agent's and the stream's defaults"); once it has been idle for
// kTrimAfterNs, what is above kKeepBytes is given back, so that idle
// connections hold little.
constexpr uint64_t kKeepBytes = 4ull << 20;
constexpr long long kTrimAfterNs = 1000000000;

// Growable byte buffers whose new bytes are not zeroed: a request body is
// overwritten by recv() and outputs by memcpy/memset per call, so zeroing
// on growth only doubled the first large call's cost (on top of the
// kernel's own zeroing of fresh pages).
template <class T> struct NoInit : std::allocator<T> {
	using value_type = T;
	template <class U> struct rebind {
		using other = NoInit<U>;
	};
	NoInit() = default;
	template <class U> NoInit(const NoInit<U> &) noexcept {}
	template <class U> void construct(U *p) noexcept { ::new ((void *)p) U; }
	template <class U, class... A> void construct(U *p, A &&...a)
	{
		::new ((void *)p) U(std::forward<A>(a)...);
	}
};
using Bytes = std::vector<uint8_t, NoInit<uint8_t>>;

// Spinning for the next request pays only while every connection can have
// a core; past that, spinners steal time from the calls they wait for.
extern std::atomic<int> active_connections;
extern const int nr_cpus;

struct Resource {
	vaccel_resource *res = nullptr;
	vaccel_session *sess = nullptr;
	std::vector<BlobCache::Bytes> pins; // keep the borrowed bytes alive
	uint64_t pinned = 0;		    // their bytes, charged to the peer
};

// Output bytes: an anonymous mapping, zero until written. A call whose
// outputs do not fit the one kept gets a fresh one, which becomes the
// kept one only if the call succeeds: outputs that a guest claims for an
// operation that refuses them (a noop with 256 MiB of outputs) are never
// touched, and cost no memory and no time.
class OutArea {
public:
	OutArea() = default;
	OutArea(OutArea &&o) noexcept { swap(o); }
	OutArea &operator=(OutArea &&o) noexcept
	{
		OutArea(std::move(o)).swap(*this);
		return *this;
	}
	~OutArea()
	{
		if (p_)
			munmap(p_, n_);
	}
	void swap(OutArea &o) noexcept
	{
		std::swap(p_, o.p_);
		std::swap(n_, o.n_);
	}
	bool map(size_t n)
	{
		n = (n + 4095) & ~(size_t)4095;
		void *p = mmap(nullptr, n, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p == MAP_FAILED)
			return false;
		OutArea a;
		a.p_ = static_cast<uint8_t *>(p);
		a.n_ = n;
		swap(a);
		return true;
	}
	uint8_t *data() const { return p_; }
	size_t size() const { return n_; }

private:
	uint8_t *p_ = nullptr;
	size_t n_ = 0;
};

// Host memory announced to the plugins (vaccel_host_memory_register) for
// as long as the object holds it: the arena and the mailbox, which hold
// guests' arguments for the connection's life and which a plugin may
// prepare once (cuda page-locks them, so that the GPU reads them in place).
class HostMemory {
public:
	HostMemory() = default;
	HostMemory(const HostMemory &) = delete;
	HostMemory &operator=(const HostMemory &) = delete;
	~HostMemory() { reset(); }
	void hold(void *addr, size_t len)
	{
		reset();
		if (vaccel_host_memory_register(addr, len) == VACCEL_OK) {
			addr_ = addr;
			len_ = len;
		}
	}
	void reset()
	{
		if (addr_)
			vaccel_host_memory_unregister(addr_, len_);
		addr_ = nullptr;
		len_ = 0;
	}

private:
	void *addr_ = nullptr;
	size_t len_ = 0;
};

class Connection {
public:
	Connection(uint64_t id, Stream s, std::string peer, std::string peer_key,
		   Metrics::Transport transport)
		: id_(id), s_(std::move(s)), peer_(std::move(peer)),
		  peer_key_(std::move(peer_key)), transport_(transport),
		  unix_peer_(transport == Metrics::kUnix),
		  opened_ns_(monotonic_ns()), last_request_ns_(opened_ns_),
		  no_session_since_ns_(opened_ns_)
	{
	}
	~Connection() { release_all(); }
	void serve();
	const std::string &peer_key() const { return peer_key_; }
	// The watchdog's view, from another thread: why this connection
	// should be closed now (nullptr: it may stay).
	const char *overdue(long long now) const
	{
		if (busy_.load())
			return nullptr; // a frame's own deadline is --timeout-ms
		long long hs = (long long)opt.handshake_ms * 1000000;
		if (!hello_.load() && now - opened_ns_ > hs)
			return "no HELLO within --handshake-ms";
		long long since = no_session_since_ns_.load();
		if (since && now - since > hs)
			return "no session within --handshake-ms";
		if (opt.idle_timeout_s &&
		    now - last_request_ns_.load() > (long long)opt.idle_timeout_s * 1000000000)
			return "idle past --idle-timeout-s";
		return nullptr;
	}
	// Ends the connection from another thread: its reads fail, its
	// thread ends it. Writes stay possible for a call in flight (@p how).
	void stop(int how, const char *why)
	{
		std::lock_guard lk(fd_lock_);
		if (s_.open()) {
			if (why && !stop_why_)
				stop_why_ = why;
			shutdown(s_.fd(), how);
		}
	}

private:
	// @p fd (unix sockets): a descriptor sent with the reply.
	int reply(const Header &req, int status, std::vector<iovec> &iov,
		  int fd = -1);
	int reply(const Header &req, int status)
	{
		std::vector<iovec> iov(1);
		return reply(req, status, iov);
	}
	template <class T> int reply_value(const Header &req, T v)
	{
		std::vector<iovec> iov{{}, {&v, sizeof v}};
		return reply(req, 0, iov);
	}
	bool handle(const Header &h, const Bytes &body);
	bool on_hello(const Header &h, const Bytes &body);
	bool on_session_init(const Header &h, const Bytes &body);
	bool on_session_release(const Header &h, const Bytes &body);
	bool on_blob_query(const Header &h, const Bytes &body);
	bool on_blob_put(const Header &h, const Bytes &body);
	bool on_register(const Header &h, const Bytes &body);
	bool on_unregister(const Header &h, const Bytes &body);
	bool on_op(const Header &h, const Bytes &body);
	bool on_model(const Header &h, const Bytes &body);
	bool on_arena(const Header &h, const Bytes &body);
	bool on_mailbox(const Header &h, const Bytes &body);
	int exec_allowed(const OpRequest &op, std::string &canonical);
	vaccel_session *session(int64_t id)
	{
		auto it = sessions_.find(id);
		return it == sessions_.end() ? nullptr : it->second;
	}
	void drop_resource(std::map<int64_t, Resource>::iterator it);
	void release_all();

	void sessions_changed()
	{
		no_session_since_ns_.store(sessions_.empty() ? monotonic_ns() : 0);
		metrics.sessions((int)sessions_.size() - counted_sessions_);
		counted_sessions_ = (int)sessions_.size();
	}
public:
	// The watchdog's: give back buffers above kKeepBytes of a connection
	// idle for kTrimAfterNs. The connection's thread holds buffers_lock_
	// while it uses them, so this never frees what a call is using.
	void trim_if_idle(long long now)
	{
		if (busy_.load() || now - last_request_ns_.load() < kTrimAfterNs)
			return;
		std::unique_lock lk(buffers_lock_, std::try_to_lock);
		if (!lk.owns_lock() || busy_.load())
			return;
		if (body_.capacity() > kKeepBytes) {
			Bytes().swap(body_);
			body_charge_.set(0);
		}
		if (out_.size() > kKeepBytes) {
			out_ = OutArea();
			out_charge_.set(0);
		}
	}

private:

	uint64_t id_;
	Stream s_;
	std::string peer_;     // for the log: "unix uid 1000 pid 42", an address
	std::string peer_key_; // whom limits and the cache count it for
	Metrics::Transport transport_;
	bool unix_peer_;
	std::atomic<bool> hello_{false};
	// For the metrics: the operation being served (-1: none), the plugin
	// that serves it, the status of the last reply, sessions counted.
	int cur_op_ = -1, cur_plugin_ = 0, last_status_ = 0;
	int counted_sessions_ = 0;
	Metrics::Local counted_; // this connection's counters
	// Plugins by (session hint, op), looked up once per connection; the
	// last one asked for is at hand.
	std::unordered_map<uint64_t, int> plugin_of_;
	uint64_t last_key_ = UINT64_MAX;
	void serving(unsigned op, const vaccel_session *s)
	{
		if (!metrics.on())
			return;
		cur_op_ = (int)op;
		uint64_t key = (uint64_t)s->hint << 32 | op;
		if (key == last_key_)
			return;
		auto it = plugin_of_.find(key);
		if (it == plugin_of_.end())
			it = plugin_of_.emplace(key, metrics.plugin_index(vaccel_plugin_for_op(
					(vaccel_op_type_t)op, s->hint))).first;
		cur_plugin_ = it->second;
		last_key_ = key;
	}
	uint16_t version_ = kVersion; // agreed in HELLO
	// The request being handled, for the paths an error may mention.
	const uint8_t *request_ = nullptr;
	size_t request_len_ = 0;
	std::atomic<bool> busy_{false}; // a request is being read or served
	const long long opened_ns_;
	std::atomic<long long> last_request_ns_;
	std::atomic<long long> no_session_since_ns_; // 0: it holds one
	std::mutex fd_lock_; // the descriptor, closed by serve(), shut by stop()
	const char *stop_why_ = nullptr;
	SharedMap arena_;
	// Declared after what they announce: they end first.
	HostMemory arena_announced_, mailbox_announced_;
	Charge arena_charge_{budget}, mailbox_charge_{budget};
	std::mutex buffers_lock_; // body_ and out_, against trim_if_idle()
	Bytes body_;		  // the request being handled
	OutArea out_;		  // its outputs
	Charge body_charge_{budget}, out_charge_{budget};
	std::map<int64_t, vaccel_session *> sessions_;
	std::map<int64_t, Resource> resources_;
};

void usage(FILE *out);
// @p s as a number in [lo, hi] into @p v; false if it is not one.
bool parse_num(const char *s, uint64_t lo, uint64_t hi, uint64_t &v);
// Fill opt from the command line: 0, or the status to exit with.
int parse_options(int argc, char **argv);

} // namespace vaccel::agent
