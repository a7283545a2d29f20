// SPDX-License-Identifier: Apache-2.0
// vaccel-agent: serves vAccel operations to guests (VMs, containers,
// unikernels) over unix sockets, TCP or vsock, using the host's plugins
// (VACCEL_PLUGINS). Every byte from a guest is untrusted: frames are
// size-checked before allocation, ids are looked up in the connection's own
// tables, and exec is off unless the operator allows it.
#include <vaccel.h>

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

using namespace vaccel::rpc;
using vaccel::agent::Budget;
using vaccel::agent::Charge;
using vaccel::agent::Metrics;
using vaccel::agent::PeerQuota;
using vaccel::agent::PeerSlots;

namespace {

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
Options opt;

void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void say(const char *fmt, ...)
{
	if (opt.quiet || !vaccel_log_enabled(VACCEL_LOG_INFO))
		return;
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	vaccel_log_print(VACCEL_LOG_INFO, "[agent] %s", line);
}

// Every byte the agent holds for guests is charged here first.
Budget budget;
// What --metrics serves; counts nothing without it.
Metrics metrics;

// Blobs by content hash, shared by every connection. Entries in use by a
// resource are pinned; unpinned ones are evicted, oldest first, past the
// size limit or to make room in the memory budget.
class BlobCache {
public:
	using Bytes = std::shared_ptr<const std::vector<uint8_t>>;
	// The content under @p d if @p peer uploaded it: what others sent is
	// neither found nor usable by a guest, so that none can learn what
	// another holds by asking for its hash.
	Bytes get(const Digest &d, const std::string &peer)
	{
		std::lock_guard lk(lock_);
		auto it = map_.find(key(d));
		if (it == map_.end() || !it->second.owners.count(peer))
			return nullptr;
		return it->second.bytes;
	}
	// Keeps a copy of @p n bytes at @p p under @p d. Returns 0,
	// VACCEL_ENOMEM (the memory budget cannot hold them) or VACCEL_ENOSPC
	// (the cache is full of content in use).
	// @p stored: whether the bytes were new to the cache.
	int put(const Digest &d, const uint8_t *p, size_t n,
		const std::string &peer, bool &stored)
	{
		std::lock_guard lk(lock_);
		auto k = key(d);
		stored = false;
		if (auto it = map_.find(k); it != map_.end()) {
			it->second.owners.insert(peer); // it sent the bytes
			return VACCEL_OK;
		}
		if (n > opt.cache_bytes ||
		    (total_ + n > opt.cache_bytes && !make_room(opt.cache_bytes - n)))
			return VACCEL_ENOSPC;
		while (!budget.charge(n))
			if (!evict_one())
				return VACCEL_ENOMEM;
		try {
			Entry e{std::make_shared<const std::vector<uint8_t>>(p, p + n), {peer}};
			map_.emplace(k, std::move(e));
			order_.push_back(k);
		} catch (...) {
			map_.erase(k);
			budget.release(n);
			throw;
		}
		total_ += n;
		stored = true;
		return VACCEL_OK;
	}
	uint64_t bytes()
	{
		std::lock_guard lk(lock_);
		return total_;
	}
	size_t entries()
	{
		std::lock_guard lk(lock_);
		return map_.size();
	}

private:
	static std::string key(const Digest &d)
	{
		return std::string(d.begin(), d.end());
	}
	// Evicts until at most @p target bytes are cached; false if the
	// pinned ones alone are more.
	bool make_room(uint64_t target)
	{
		while (total_ > target)
			if (!evict_one())
				return false;
		return true;
	}
	bool evict_one()
	{
		for (auto it = order_.begin(); it != order_.end(); ++it) {
			auto m = map_.find(*it);
			if (m != map_.end() && m->second.bytes.use_count() == 1) {
				total_ -= m->second.bytes->size();
				budget.release(m->second.bytes->size());
				map_.erase(m);
				order_.erase(it);
				return true;
			}
		}
		return false;
	}
	struct Entry {
		Bytes bytes;
		std::set<std::string> owners; // peers that uploaded it
	};
	std::mutex lock_;
	std::unordered_map<std::string, Entry> map_;
	std::list<std::string> order_;
	uint64_t total_ = 0;
};
BlobCache cache;
PeerSlots slots(64, 256);
// Cached bytes that each peer's resources hold in the cache, so that no
// guest can pin all of it.
PeerQuota pinned(0);
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
const uint8_t kZeros[kAlign] = {};

// Spinning for the next request pays only while every connection can have
// a core; past that, spinners steal time from the calls they wait for.
std::atomic<int> active_connections{0};
const int nr_cpus = (int)std::thread::hardware_concurrency();

struct Resource {
	vaccel_resource *res = nullptr;
	vaccel_session *sess = nullptr;
	std::vector<BlobCache::Bytes> pins; // keep the borrowed bytes alive
	uint64_t pinned = 0;		    // their bytes, charged to the peer
};

// A connection's shared-memory arena or mailbox (docs/protocol.md, ARENA,
// MAILBOX): a sealed memfd the agent creates, sizes and maps (zero-filled),
// and hands to the guest. The seals stop the guest from shrinking it under
// the agent's mapping (which would fault the agent on its next access).
// Returns 0 or an errno value; @p fd is the descriptor to hand over.
int create_shared(const char *name, uint64_t size, SharedMap &map, Fd &fd)
{
	Fd f(memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING));
	if (!f)
		return errno;
	if (ftruncate(f.get(), (off_t)size) ||
	    fcntl(f.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL))
		return errno;
	if (int err = map.map(f.get(), size))
		return err;
	fd = std::move(f);
	return 0;
}

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
	bool on_hello(const Header &h, Reader &r);
	bool on_session_init(const Header &h, Reader &r);
	bool on_session_release(const Header &h, Reader &r);
	bool on_blob_query(const Header &h, Reader &r);
	bool on_blob_put(const Header &h, const Bytes &body);
	bool on_register(const Header &h, Reader &r);
	bool on_unregister(const Header &h, Reader &r);
	bool on_op(const Header &h, const Bytes &body);
	bool on_model(const Header &h, const Bytes &body);
	bool on_arena(const Header &h, Reader &r);
	bool on_mailbox(const Header &h, Reader &r);
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

int Connection::reply(const Header &req, int status, std::vector<iovec> &iov,
		      int fd)
{
	uint64_t len = 0;
	for (size_t i = 1; i < iov.size(); ++i)
		if (__builtin_add_overflow(len, iov[i].iov_len, &len))
			len = UINT64_MAX;
	// The guest accepts frames of up to --max-message (it learnt it in
	// HELLO), and a body length has 32 bits: a larger reply (a model's
	// outputs) is refused, not sent wrapped.
	if (len > std::min<uint64_t>(opt.max_message, UINT32_MAX)) {
		vaccel_error("[agent] connection %" PRIu64 ": a reply of %" PRIu64
			     " bytes exceeds --max-message (%" PRIu64 "): refused",
			     id_, len, opt.max_message);
		status = VACCEL_ENOSPC;
		len = 0;
		iov.resize(1);
		fd = -1;
	}
	// From version 4 a failed call's reply says why, in the words the
	// runtime, the plugin or the agent logged, made safe for the guest.
	Writer why;
	if (status != VACCEL_OK && len == 0 && hello_ && version_ >= 4) {
		std::string msg = vaccel::agent::guest_safe_message(
			vaccel_error_message(), request_, request_len_);
		if (!msg.empty()) {
			encode_error_message(why, msg);
			iov.push_back({why.buf().data(), why.size()});
			len = why.size();
		}
	}
	Header h;
	h.version = hello_ ? version_ : kVersion;
	h.type = req.type;
	h.id = req.id;
	h.status = status;
	h.body_len = (uint32_t)len;
	uint8_t hb[kHeaderSize];
	encode_header(h, hb);
	iov[0] = iovec{hb, kHeaderSize};
	last_status_ = status;
	if (metrics.on())
		counted_.out.add(kHeaderSize + len);
	return s_.writev_all(iov.data(), (int)iov.size(), fd);
}

void Connection::serve()
{
	say("connection %" PRIu64 " from %s opened", id_, peer_.c_str());
	Bytes &body = body_;
	const char *why = "closed by the peer";
	active_connections++;
	if (metrics.on())
		metrics.opened(transport_, counted_);
	for (;;) {
		uint8_t hb[kHeaderSize];
		if (active_connections.load() <= nr_cpus)
			s_.set_spin(opt.spin_us, opt.spin_max_us);
		else
			s_.set_spin(0, 0);
		if (s_.read_exact(hb, kHeaderSize, true))
			break;
		busy_.store(true);
		const long long started = monotonic_ns();
		last_request_ns_.store(started);
		std::unique_lock buffers(buffers_lock_);
		// The error lines of this request alone go to its guest.
		vaccel_error_clear();
		Header h = decode_header(hb);
		if (h.magic != kMagic ||
		    (hello_ ? h.version != version_
			    : h.version < kMinVersion || h.version > kVersion)) {
			why = "dropped: bad magic or version";
			break;
		}
		if (h.body_len > opt.max_message) {
			why = "dropped: frame larger than --max-message";
			break;
		}
		if (!hello_ && h.type != (uint16_t)Msg::hello) {
			why = "dropped: no hello";
			break;
		}
		bool room = h.body_len <= body.capacity();
		if (!room && body_charge_.set(h.body_len)) {
			try {
				body.reserve(h.body_len); // exactly what is charged
				room = true;
			} catch (const std::bad_alloc &) {
				body_charge_.set(body.capacity());
			}
		}
		if (!room) {
			// The frame is read and dropped, so the stream stays in
			// step; this guest's call fails, nobody else's.
			vaccel_error("[agent] connection %" PRIu64 ": request of %u "
				     "bytes refused: out of memory or the memory "
				     "budget (%" PRIu64 " bytes) is spent", id_,
				     h.body_len, budget.limit());
			metrics.refused(Metrics::kMemory);
			if (s_.discard(h.body_len) || !s_.at_message_end() ||
			    reply(h, VACCEL_ENOMEM)) {
				why = "dropped: truncated frame";
				break;
			}
			// Idle again: the deadlines apply to it as to any.
			last_request_ns_.store(monotonic_ns());
			buffers.unlock();
			busy_.store(false);
			continue;
		}
		bool ok = true;
		try {
			body.resize(h.body_len);
			if (h.body_len && s_.read_exact(body.data(), h.body_len)) {
				why = "dropped: truncated frame";
				break;
			}
			if (!s_.at_message_end()) {
				why = "dropped: frame shorter than its mailbox message";
				break;
			}
			request_ = body.data();
			request_len_ = body.size();
			if (metrics.on()) {
				if (h.type < Metrics::kMessages)
					counted_.requests[h.type].add(1);
				counted_.in.add(kHeaderSize + h.body_len);
				cur_op_ = -1;
			}
			ok = handle(h, body);
		} catch (const std::bad_alloc &) {
			// No reply was sent (they are written whole, last): this
			// call fails, the connection goes on.
			vaccel_error("[agent] connection %" PRIu64 ": out of memory "
				     "for a request", id_);
			ok = s_.at_message_end() && reply(h, VACCEL_ENOMEM) == 0;
		} catch (const std::exception &e) {
			vaccel_error("[agent] connection %" PRIu64 ": %s", id_, e.what());
			ok = s_.at_message_end() && reply(h, VACCEL_EBACKEND) == 0;
		}
		if (!ok) {
			why = "dropped: protocol violation";
			break;
		}
		long long ended = monotonic_ns();
		if (cur_op_ >= 0)
			metrics.call(counted_, (unsigned)cur_op_, cur_plugin_,
				     last_status_ == VACCEL_OK, (uint64_t)(ended - started));
		last_request_ns_.store(ended);
		buffers.unlock();
		busy_.store(false);
	}
	active_connections--;
	size_t n = sessions_.size();
	release_all();
	if (metrics.on())
		metrics.closed(transport_, counted_);
	{
		std::lock_guard lk(fd_lock_);
		if (stop_why_)
			why = stop_why_;
		mailbox_announced_.reset(); // before its memory goes
		s_.close(); // now, not when the accept loop next reaps this thread
	}
	say("connection %" PRIu64 " from %s %s; released %zu session(s)", id_,
	    peer_.c_str(), why, n);
}

bool Connection::handle(const Header &h, const Bytes &body)
{
	Reader r(body.data(), body.size());
	switch ((Msg)h.type) {
	case Msg::hello:
		return on_hello(h, r);
	case Msg::session_init:
		return on_session_init(h, r);
	case Msg::session_release:
		return on_session_release(h, r);
	case Msg::blob_query:
		return on_blob_query(h, r);
	case Msg::blob_put:
		return on_blob_put(h, body);
	case Msg::resource_register:
		return on_register(h, r);
	case Msg::resource_unregister:
		return on_unregister(h, r);
	case Msg::op:
		return on_op(h, body);
	case Msg::model:
		return on_model(h, body);
	case Msg::arena:
		return on_arena(h, r);
	case Msg::mailbox:
		return on_mailbox(h, r);
	}
	vaccel_error("[agent] connection %" PRIu64 ": unknown message %u", id_,
		     h.type);
	return false;
}

bool Connection::on_hello(const Header &h, Reader &r)
{
	uint32_t lo = 0, hi = 0;
	if (!r.get(lo) || !r.get(hi) || r.left())
		return false;
	uint32_t v = std::min<uint32_t>(hi, kVersion);
	if (lo > v || v < kMinVersion) {
		vaccel_error("[agent] connection %" PRIu64 ": client speaks "
			     "versions %u..%u, agent %u..%u", id_, lo, hi,
			     kMinVersion, kVersion);
		reply(h, VACCEL_EBACKEND);
		return false;
	}
	version_ = (uint16_t)v;
	hello_.store(true);
	struct {
		uint32_t version = 0, reserved = 0;
		uint64_t max_message = opt.max_message;
	} out;
	out.version = v;
	return reply_value(h, out) == 0;
}

// The guest asks for an arena of some size; it gets one of at most
// --arena-max bytes, once per connection, on unix sockets only (a
// descriptor cannot cross TCP or vsock).
bool Connection::on_arena(const Header &h, Reader &r)
{
	uint64_t want = 0;
	if (!r.get(want) || r.left())
		return false;
	uint64_t size = std::min({want, opt.arena_max, kMaxArena});
	size &= ~(uint64_t)(4095);
	if (!unix_peer_ || arena_.size() || size == 0)
		return reply(h, VACCEL_ENOTSUP) == 0;
	if (!arena_charge_.set(size)) {
		// The guest goes on without one, its arrays on the socket.
		vaccel_warn("[agent] connection %" PRIu64 ": no arena of %" PRIu64
			    " bytes: the memory budget is spent", id_, size);
		metrics.refused(Metrics::kMemory);
		return reply(h, VACCEL_ENOMEM) == 0;
	}
	Fd fd;
	if (int err = create_shared("vaccel-arena", size, arena_, fd)) {
		vaccel_error("[agent] connection %" PRIu64 ": no arena of %" PRIu64
			     " bytes: %s", id_, size, strerror(err));
		arena_charge_.set(0);
		return reply(h, VACCEL_ENOMEM) == 0;
	}
	arena_announced_.hold(arena_.at(0), size);
	std::vector<iovec> iov{{}, {&size, 8}};
	return reply(h, 0, iov, fd.get()) == 0;
}

// The guest asks for mailboxes of some capacity (a message's bytes); it
// gets one of kMinMailbox bytes up to --mailbox-max, once per connection,
// on unix sockets only. The reply goes over the socket with the
// descriptor; every message after it goes through the mailbox (net.hpp,
// Stream).
bool Connection::on_mailbox(const Header &h, Reader &r)
{
	uint64_t want = 0;
	if (!r.get(want) || r.left())
		return false;
	uint64_t cap = std::min(want, opt.mailbox_max) & ~(uint64_t)4095;
	if (!unix_peer_ || s_.has_mailbox() || cap < kMinMailbox)
		return reply(h, VACCEL_ENOTSUP) == 0;
	if (!mailbox_charge_.set(mailbox_bytes(cap))) {
		vaccel_warn("[agent] connection %" PRIu64 ": no mailbox: the "
			    "memory budget is spent", id_);
		metrics.refused(Metrics::kMemory);
		return reply(h, VACCEL_ENOMEM) == 0;
	}
	auto map = std::make_unique<SharedMap>();
	Fd fd;
	if (int err = create_shared("vaccel-mailbox", mailbox_bytes(cap), *map,
				    fd)) {
		vaccel_error("[agent] connection %" PRIu64 ": no mailbox of %" PRIu64
			     " bytes: %s", id_, cap, strerror(err));
		mailbox_charge_.set(0);
		return reply(h, VACCEL_ENOMEM) == 0;
	}
	std::vector<iovec> iov{{}, {&cap, 8}};
	if (reply(h, 0, iov, fd.get()))
		return false;
	// Bytes read ahead of the request (a guest that did not wait for
	// the reply) would be lost: that is a protocol violation.
	uint8_t *base = map->at(0);
	if (s_.use_mailbox(std::move(map), cap, true))
		return false;
	mailbox_announced_.hold(base, mailbox_bytes(cap));
	return true;
}

bool Connection::on_session_init(const Header &h, Reader &r)
{
	uint32_t flags = 0, reserved = 0;
	if (!r.get(flags) || !r.get(reserved) || r.left())
		return false;
	if (sessions_.size() >= opt.max_sessions) {
		vaccel_error("[agent] connection %" PRIu64 ": session limit %u",
			     id_, opt.max_sessions);
		return reply(h, VACCEL_EUSERS) == 0;
	}
	auto *s = static_cast<vaccel_session *>(calloc(1, sizeof(vaccel_session)));
	if (!s)
		return reply(h, VACCEL_ENOMEM) == 0;
	// The agent's own sessions never ask for a remote plugin.
	int ret = vaccel_session_init(s, flags & ~(uint32_t)VACCEL_PLUGIN_REMOTE);
	if (ret) {
		free(s);
		return reply(h, ret) == 0;
	}
	sessions_[s->id] = s;
	sessions_changed();
	return reply_value<int64_t>(h, s->id) == 0;
}

bool Connection::on_session_release(const Header &h, Reader &r)
{
	int64_t sid = 0;
	if (!r.get(sid) || r.left())
		return false;
	vaccel_session *s = session(sid);
	if (!s)
		return reply(h, VACCEL_EINVAL) == 0;
	for (auto it = resources_.begin(); it != resources_.end();)
		if (it->second.sess == s)
			drop_resource(it++);
		else
			++it;
	vaccel_session_delete(s);
	sessions_.erase(sid);
	sessions_changed();
	return reply(h, 0) == 0;
}

bool Connection::on_blob_query(const Header &h, Reader &r)
{
	uint32_t n = 0;
	if (!r.get(n) || n > kMaxBlobs || r.left() != (size_t)n * 32)
		return false;
	std::vector<uint8_t> have(n);
	for (uint32_t i = 0; i < n; ++i) {
		Digest d;
		memcpy(d.data(), r.take(32), 32);
		have[i] = cache.get(d, peer_key_) != nullptr;
		metrics.cache_lookup(have[i]);
	}
	std::vector<iovec> iov{{}, {have.data(), have.size()}};
	return reply(h, 0, iov) == 0;
}

bool Connection::on_blob_put(const Header &h, const Bytes &body)
{
	if (body.size() < 32)
		return false;
	Digest claimed;
	memcpy(claimed.data(), body.data(), 32);
	// Never trust the guest's hash: it is the cache key other guests use.
	Digest real = Sha256::of(body.data() + 32, body.size() - 32);
	if (real != claimed) {
		vaccel_error("[agent] connection %" PRIu64 ": blob does not match "
			     "its hash", id_);
		return reply(h, VACCEL_EINVAL) == 0;
	}
	bool stored = false;
	if (int ret = cache.put(real, body.data() + 32, body.size() - 32, peer_key_,
				stored)) {
		if (ret == VACCEL_ENOMEM)
			metrics.refused(Metrics::kMemory);
		vaccel_error("[agent] connection %" PRIu64 ": blob of %zu bytes "
			     "refused: %s", id_, body.size() - 32,
			     ret == VACCEL_ENOMEM ? "the agent's memory budget is spent"
						  : "the cache is full of content in use");
		return reply(h, ret) == 0;
	}
	if (stored)
		say("blob %s stored (%zu bytes)", to_hex(real).substr(0, 16).c_str(),
		    body.size() - 32);
	return reply(h, 0) == 0;
}

bool Connection::on_register(const Header &h, Reader &r)
{
	int64_t sid = 0;
	uint32_t type = 0, n = 0;
	if (!r.get(sid) || !r.get(type) || !r.get(n) || n == 0 || n > kMaxBlobs)
		return false;
	struct In {
		Digest d;
		std::string name;
	};
	std::vector<In> in(n);
	for (auto &b : in) {
		const uint8_t *d = r.take(32);
		uint16_t len = 0;
		if (!d || !r.get(len) || len == 0 || len > kMaxName)
			return false;
		const uint8_t *name = r.take(len);
		if (!name)
			return false;
		memcpy(b.d.data(), d, 32);
		b.name.assign((const char *)name, len);
		if (b.name.find('\0') != std::string::npos ||
		    b.name.find('/') != std::string::npos)
			return reply(h, VACCEL_EINVAL) == 0;
	}
	if (r.left())
		return false;
	vaccel_session *s = session(sid);
	if (!s || type >= VACCEL_RESOURCE_MAX)
		return reply(h, VACCEL_EINVAL) == 0;
	if (type == VACCEL_RESOURCE_LIB && !opt.allow_guest_libs) {
		vaccel_error("[agent] connection %" PRIu64 ": guest libraries are "
			     "refused (start the agent with --allow-guest-libs)",
			     id_);
		return reply(h, VACCEL_EPERM) == 0;
	}
	if (resources_.size() >= opt.max_resources)
		return reply(h, VACCEL_EUSERS) == 0;
	Resource res;
	std::vector<vaccel_blob> blobs(n);
	std::vector<const vaccel_blob *> ptrs;
	int ret = 0;
	for (uint32_t i = 0; i < n && !ret; ++i) {
		auto bytes = cache.get(in[i].d, peer_key_);
		if (!bytes || bytes->empty()) {
			ret = VACCEL_ENOENT;
			break;
		}
		res.pins.push_back(bytes);
		res.pinned += bytes->size();
		ret = vaccel_blob_init_from_buf(&blobs[i], bytes->data(),
						bytes->size(), false,
						in[i].name.c_str(), nullptr, false);
		ptrs.push_back(&blobs[i]);
	}
	if (!ret && !pinned.charge(peer_key_, res.pinned)) {
		vaccel_error("[agent] connection %" PRIu64 ": a resource of %" PRIu64
			     " bytes would take this peer past its share of the "
			     "cache (--pin-quota %" PRIu64 ")", id_, res.pinned,
			     pinned.quota());
		res.pinned = 0;
		ret = VACCEL_ENOSPC;
	}
	if (!ret)
		ret = vaccel_resource_from_blobs(&res.res, ptrs.data(), n,
						 (vaccel_resource_type_t)type);
	for (uint32_t i = 0; i < ptrs.size(); ++i)
		vaccel_blob_release(&blobs[i]);
	if (!ret) {
		ret = vaccel_resource_register(res.res, s);
		if (ret)
			vaccel_resource_delete(res.res);
	}
	if (ret) {
		pinned.release(peer_key_, res.pinned);
		return reply(h, ret) == 0;
	}
	res.sess = s;
	int64_t rid = res.res->id;
	resources_.emplace(rid, std::move(res));
	return reply_value<int64_t>(h, rid) == 0;
}

void Connection::drop_resource(std::map<int64_t, Resource>::iterator it)
{
	vaccel_resource_delete(it->second.res); // unregisters first
	pinned.release(peer_key_, it->second.pinned);
	resources_.erase(it);
}

bool Connection::on_unregister(const Header &h, Reader &r)
{
	int64_t sid = 0, rid = 0;
	if (!r.get(sid) || !r.get(rid) || r.left())
		return false;
	auto it = resources_.find(rid);
	if (it == resources_.end() || it->second.sess != session(sid))
		return reply(h, VACCEL_ENOENT) == 0;
	drop_resource(it);
	return reply(h, 0) == 0;
}

// Exec of a host library: only an absolute path whose canonical form lies
// under an --exec-dir, and then exactly that canonical file is opened
// (@p canonical replaces the guest's spelling): a bare name would be
// checked against the agent's working directory but searched by dlopen()
// on the system's library path, and every spelling of one file would be
// another entry in the exec plugin's cache. A path that is absent and one
// outside every --exec-dir get the same answer, so that a guest cannot
// probe the host's files.
int Connection::exec_allowed(const OpRequest &op, std::string &canonical)
{
	if (op.op == VACCEL_OP_EXEC_WITH_RESOURCE)
		return VACCEL_OK; // only guest libraries, checked at registration
	if (op.op != VACCEL_OP_EXEC)
		return VACCEL_OK;
	if (opt.exec_dirs.empty()) {
		vaccel_error("[agent] connection %" PRIu64 ": exec is disabled "
			     "(start the agent with --exec-dir DIR)", id_);
		return VACCEL_EPERM;
	}
	if (op.read.empty() || !op.read[0].size ||
	    !memchr(op.read_data[0], '\0', op.read[0].size))
		return VACCEL_EINVAL;
	const char *path = (const char *)op.read_data[0];
	char real[PATH_MAX];
	if (path[0] == '/' && realpath(path, real)) {
		struct stat st {};
		for (auto &d : opt.exec_dirs)
			if (strncmp(real, d.c_str(), d.size()) == 0 &&
			    stat(real, &st) == 0 && S_ISREG(st.st_mode)) {
				canonical = real;
				return VACCEL_OK;
			}
	}
	vaccel_error("[agent] connection %" PRIu64 ": exec refused: not an "
		     "absolute path to a file under an --exec-dir", id_);
	return VACCEL_EPERM;
}

bool Connection::on_op(const Header &h, const Bytes &body)
{
	OpRequest op;
	int ret = decode_op(body.data(), body.size(), opt.max_message,
			    arena_.size(), op);
	if (ret == VACCEL_EINVAL)
		return false; // the frame is not what it claims
	if (ret)
		return reply(h, ret) == 0;
	vaccel_session *s = session(op.session);
	if (!s)
		return reply(h, VACCEL_EINVAL) == 0;
	if (op.op >= VACCEL_OP_MAX)
		return reply(h, VACCEL_ENOTSUP) == 0;
	serving(op.op, s);
	std::string library;
	if ((ret = exec_allowed(op, library)))
		return reply(h, ret) == 0;

	// Arguments point into the body (inputs) and into one zeroed output
	// area, so nothing of the agent's memory can leak into a reply.
	uint8_t code = (uint8_t)op.op;
	std::vector<vaccel_arg> rd, wr;
	rd.push_back(vaccel_arg{&code, 1, VACCEL_ARG_UINT8, 0, false});
	// Shared args point into the arena; decode_op checked that they are
	// shareable and lie inside it.
	auto shared = [](const ArgDesc &d) { return d.flags & kArgShared; };
	for (size_t i = 0; i < op.read.size(); ++i) {
		auto &d = op.read[i];
		const uint8_t *p = shared(d) ? arena_.at(d.offset) : op.read_data[i];
		rd.push_back(vaccel_arg{d.size ? (void *)p : nullptr, d.size,
					(vaccel_arg_type_t)d.type, d.custom_id,
					false});
	}
	if (!library.empty()) // exec: the file that was checked
		rd[1] = vaccel_arg{library.data(), library.size() + 1,
				   rd[1].type, 0, false};
	// Outputs go to the area kept from earlier calls, cleared; if it is
	// too small, to a fresh one (already zero), charged first, kept for
	// the next calls only if this one succeeds (OutArea).
	OutArea grown;
	Charge grown_charge(budget);
	const bool fresh = op.write_total > out_.size();
	if (fresh && op.write_total &&
	    (!grown_charge.set((op.write_total + 4095) & ~(uint64_t)4095) ||
	     !grown.map(op.write_total))) {
		vaccel_error("[agent] connection %" PRIu64 ": outputs of %" PRIu64
			     " bytes refused: out of memory or the memory budget "
			     "is spent", id_, op.write_total);
		metrics.refused(Metrics::kMemory);
		return reply(h, VACCEL_ENOMEM) == 0;
	}
	uint8_t *out = fresh ? grown.data() : out_.data();
	std::vector<uint64_t> sizes(op.write.size());
	size_t off = 0;
	for (size_t i = 0; i < op.write.size(); ++i) {
		auto &d = op.write[i];
		sizes[i] = d.size;
		if (shared(d)) {
			// In/out bytes are already there; output-only ones
			// start as zeros, as below.
			if (!(d.flags & kArgInOut) && d.size)
				memset(arena_.at(d.offset), 0, d.size);
			wr.push_back(vaccel_arg{d.size ? arena_.at(d.offset) : nullptr,
						d.size, (vaccel_arg_type_t)d.type,
						d.custom_id, false});
			continue;
		}
		// Output-only bytes start as zeros, as the caller's cleared
		// buffer would be: a plugin that writes part of an output gives
		// the same bytes locally and remotely.
		if (op.inout_data[i] && d.size)
			memcpy(out + off, op.inout_data[i], d.size);
		else if (d.size && !fresh)
			memset(out + off, 0, d.size);
		if (!fresh)
			memset(out + off + d.size, 0, padded(d.size) - d.size);
		wr.push_back(vaccel_arg{d.size ? out + off : nullptr, d.size,
					(vaccel_arg_type_t)d.type, d.custom_id,
					false});
		off += padded(d.size);
	}
	ret = vaccel_genop(s, rd.data(), (int)rd.size(), wr.data(), (int)wr.size());
	std::vector<iovec> iov(1);
	// After the reply (it is sent from the area), a grown area that was
	// used replaces the kept one.
	struct Adopt {
		Connection &c;
		OutArea &grown;
		Charge &charge;
		bool ok;
		~Adopt()
		{
			if (ok && grown.size()) {
				c.out_ = std::move(grown);
				c.out_charge_.set(0);
				c.out_charge_.swap(charge);
			}
		}
	} adopt{*this, grown, grown_charge, ret == VACCEL_OK};
	if (ret == VACCEL_OK) {
		off = 0;
		for (size_t i = 0; i < op.write.size(); ++i) {
			iov.push_back({&sizes[i], 8});
			if (shared(op.write[i]))
				continue; // the guest reads it from the arena
			if (padded(sizes[i]))
				iov.push_back({out + off, padded(sizes[i])});
			off += padded(sizes[i]);
		}
	}
	return reply(h, ret, iov) == 0;
}

namespace {

// Bytes per element of a dtype of @p op's framework: 0 if the dtype is
// unknown (refused), kAnySize for those whose size the dims do not fix
// (strings, resources, variants, 4-bit packed), which only the plugin can
// check.
constexpr uint64_t kAnySize = ~0ull;

uint64_t elem_size(uint32_t op, uint32_t t)
{
	if (op == VACCEL_OP_TORCH_MODEL_RUN) {
		switch (t) {
		case VACCEL_TORCH_BYTE: case VACCEL_TORCH_CHAR: return 1;
		case VACCEL_TORCH_SHORT: case VACCEL_TORCH_HALF: return 2;
		case VACCEL_TORCH_INT: case VACCEL_TORCH_FLOAT: return 4;
		case VACCEL_TORCH_LONG: return 8;
		}
		return 0;
	}
	if (op == VACCEL_OP_TF_MODEL_RUN) {
		switch (t) {
		case VACCEL_TF_UINT8: case VACCEL_TF_INT8: case VACCEL_TF_BOOL:
		case VACCEL_TF_QINT8: case VACCEL_TF_QUINT8:
			return 1;
		case VACCEL_TF_INT16: case VACCEL_TF_BFLOAT16: case VACCEL_TF_QINT16:
		case VACCEL_TF_QUINT16: case VACCEL_TF_UINT16: case VACCEL_TF_HALF:
			return 2;
		case VACCEL_TF_FLOAT: case VACCEL_TF_INT32: case VACCEL_TF_QINT32:
		case VACCEL_TF_UINT32:
			return 4;
		case VACCEL_TF_DOUBLE: case VACCEL_TF_COMPLEX64: case VACCEL_TF_INT64:
		case VACCEL_TF_UINT64:
			return 8;
		case VACCEL_TF_COMPLEX128: return 16;
		case VACCEL_TF_STRING: case VACCEL_TF_RESOURCE: case VACCEL_TF_VARIANT:
			return kAnySize;
		}
		return 0;
	}
	switch (t) {
	case VACCEL_TFLITE_UINT8: case VACCEL_TFLITE_BOOL: case VACCEL_TFLITE_INT8:
		return 1;
	case VACCEL_TFLITE_INT16: case VACCEL_TFLITE_FLOAT16: case VACCEL_TFLITE_UINT16:
		return 2;
	case VACCEL_TFLITE_FLOAT32: case VACCEL_TFLITE_INT32: case VACCEL_TFLITE_UINT32:
		return 4;
	case VACCEL_TFLITE_INT64: case VACCEL_TFLITE_COMPLEX64: case VACCEL_TFLITE_FLOAT64:
	case VACCEL_TFLITE_UINT64:
		return 8;
	case VACCEL_TFLITE_COMPLEX128: return 16;
	case VACCEL_TFLITE_STRING: case VACCEL_TFLITE_RESOURCE:
	case VACCEL_TFLITE_VARIANT: case VACCEL_TFLITE_INT4:
		return kAnySize;
	}
	return 0;
}

// The size a tensor's dims and dtype imply must be the size it carries.
bool consistent(uint32_t op, const TensorDesc &t)
{
	uint64_t n = elem_size(op, t.dtype);
	if (n == kAnySize)
		return true;
	if (!n)
		return false;
	for (int64_t d : t.dims)
		if (__builtin_mul_overflow(n, (uint64_t)d, &n))
			return false;
	return n == t.size;
}

void del(vaccel_torch_tensor *t) { vaccel_torch_tensor_delete(t); }
void del(vaccel_tf_tensor *t) { vaccel_tf_tensor_delete(t); }
void del(vaccel_tflite_tensor *t) { vaccel_tflite_tensor_delete(t); }

// The inputs of a run as the framework's tensors, borrowing the request's
// bytes; Dim is the framework's dims type (tflite's are 32-bit).
template <class Tensor, class Dim> struct Inputs {
	std::vector<Tensor> tensors;
	std::vector<std::vector<Dim>> dims;
	std::vector<Tensor *> ptrs;

	// Returns 0 or the index + 1 of the first input refused.
	size_t build(uint32_t op, const std::vector<TensorDesc> &in)
	{
		tensors.resize(in.size());
		dims.resize(in.size());
		for (size_t i = 0; i < in.size(); ++i) {
			const TensorDesc &d = in[i];
			if (!consistent(op, d))
				return i + 1;
			for (int64_t x : d.dims) {
				if (x > std::numeric_limits<Dim>::max())
					return i + 1;
				dims[i].push_back((Dim)x);
			}
			Tensor &t = tensors[i];
			t.data = const_cast<uint8_t *>(d.data);
			t.size = d.size;
			t.owned = false;
			t.nr_dims = (decltype(t.nr_dims))dims[i].size();
			t.dims = dims[i].data();
			t.data_type = (decltype(t.data_type))d.dtype;
			ptrs.push_back(&t);
		}
		return 0;
	}
};

// Outputs a plugin returned, checked, as descriptors for the reply; the
// plugin's tensors are freed with the object.
template <class Tensor> struct Outputs {
	std::vector<Tensor *> ptrs;
	std::vector<TensorDesc> descs;
	explicit Outputs(size_t n) : ptrs(n, nullptr) {}
	~Outputs()
	{
		for (Tensor *t : ptrs)
			if (t)
				del(t);
	}
	int describe()
	{
		for (Tensor *o : ptrs) {
			if (!o || (o->size && !o->data) || (o->nr_dims < 0) ||
			    o->nr_dims > (int64_t)kMaxDims || (o->nr_dims && !o->dims)) {
				vaccel_error("[agent] plugin returned a malformed tensor");
				return VACCEL_EBACKEND;
			}
			TensorDesc d;
			d.dtype = (uint32_t)o->data_type;
			d.dims.assign(o->dims, o->dims + o->nr_dims);
			d.size = o->size;
			d.data = static_cast<const uint8_t *>(o->data);
			descs.push_back(std::move(d));
		}
		return VACCEL_OK;
	}
};

} // namespace

bool Connection::on_model(const Header &h, const Bytes &body)
{
	ModelRequest t;
	if (decode_model(body.data(), body.size(), t))
		return false;
	vaccel_session *s = session(t.session);
	auto it = resources_.find(t.resource);
	if (!s || it == resources_.end() || it->second.sess != s)
		return reply(h, VACCEL_EINVAL) == 0;
	vaccel_resource *model = it->second.res;
	serving(t.op, s);
	Writer w, st;
	std::vector<iovec> iov(1);
	int ret = VACCEL_OK;
	auto refused = [&](size_t i) {
		vaccel_error("[agent] connection %" PRIu64 ": input tensor %zu: "
			     "unknown type, or a size its dims do not give",
			     id_, i - 1);
		return reply(h, VACCEL_EINVAL) == 0;
	};
	switch (t.op) {
	case VACCEL_OP_TORCH_MODEL_LOAD:
		return reply(h, vaccel_torch_model_load(s, model)) == 0;
	case VACCEL_OP_TFLITE_MODEL_LOAD:
		return reply(h, vaccel_tflite_model_load(s, model)) == 0;
	case VACCEL_OP_TFLITE_MODEL_UNLOAD:
		return reply(h, vaccel_tflite_model_unload(s, model)) == 0;
	case VACCEL_OP_TF_MODEL_LOAD:
	case VACCEL_OP_TF_MODEL_UNLOAD: {
		vaccel_tf_status status{};
		ret = t.op == VACCEL_OP_TF_MODEL_LOAD
			      ? vaccel_tf_model_load(s, model, &status)
			      : vaccel_tf_model_unload(s, model, &status);
		if (!ret) {
			encode_status(st, status.code, status.message);
			iov.push_back({st.buf().data(), st.size()});
		}
		vaccel_tf_status_release(&status);
		return reply(h, ret, iov) == 0;
	}
	case VACCEL_OP_TORCH_MODEL_RUN: {
		Inputs<vaccel_torch_tensor, int64_t> in;
		if (size_t bad = in.build(t.op, t.in))
			return refused(bad);
		Outputs<vaccel_torch_tensor> out(t.nr_out);
		ret = vaccel_torch_model_run(s, model, nullptr, in.ptrs.data(),
					     (int)in.ptrs.size(), out.ptrs.data(),
					     (int)out.ptrs.size());
		if (!ret && !(ret = out.describe()))
			encode_model_reply(w, iov, out.descs);
		return reply(h, ret, iov) == 0;
	}
	case VACCEL_OP_TF_MODEL_RUN: {
		Inputs<vaccel_tf_tensor, int64_t> in;
		if (size_t bad = in.build(t.op, t.in))
			return refused(bad);
		// The node names live in the request: borrowed, not copied.
		auto nodes = [](std::vector<NodeDesc> &d) {
			std::vector<vaccel_tf_node> v;
			for (auto &n : d)
				v.push_back(vaccel_tf_node{n.name.data(), n.id});
			return v;
		};
		std::vector<vaccel_tf_node> in_nodes = nodes(t.in_nodes),
					    out_nodes = nodes(t.out_nodes);
		Outputs<vaccel_tf_tensor> out(t.nr_out);
		vaccel_tf_status status{};
		ret = vaccel_tf_model_run(s, model, nullptr, in_nodes.data(),
					  in.ptrs.data(), (int)in.ptrs.size(),
					  out_nodes.data(), out.ptrs.data(),
					  (int)out.ptrs.size(), &status);
		if (!ret && !(ret = out.describe())) {
			encode_model_reply(w, iov, out.descs);
			encode_status(st, status.code, status.message);
			iov.push_back({st.buf().data(), st.size()});
		}
		vaccel_tf_status_release(&status);
		return reply(h, ret, iov) == 0;
	}
	case VACCEL_OP_TFLITE_MODEL_RUN: {
		Inputs<vaccel_tflite_tensor, int32_t> in;
		if (size_t bad = in.build(t.op, t.in))
			return refused(bad);
		Outputs<vaccel_tflite_tensor> out(t.nr_out);
		uint8_t status = 0;
		ret = vaccel_tflite_model_run(s, model, in.ptrs.data(),
					      (int)in.ptrs.size(), out.ptrs.data(),
					      (int)out.ptrs.size(), &status);
		if (!ret && !(ret = out.describe())) {
			encode_model_reply(w, iov, out.descs);
			encode_status(st, status, nullptr);
			iov.push_back({st.buf().data(), st.size()});
		}
		return reply(h, ret, iov) == 0;
	}
	}
	return false; // decode_model admits no other operation
}

void Connection::release_all()
{
	while (!resources_.empty())
		drop_resource(resources_.begin());
	for (auto &e : sessions_)
		vaccel_session_delete(e.second);
	sessions_.clear();
	sessions_changed();
}

// --- main ----------------------------------------------------------------

void usage(FILE *out)
{
	fprintf(out,
		"usage: vaccel-agent -a URI [-a URI ...] [options]\n\n"
		"Serves vAccel operations to guests with the plugins named in\n"
		"VACCEL_PLUGINS. OpenMP and OpenBLAS workers of the plugins'\n"
		"frameworks sleep when idle (OMP_WAIT_POLICY=PASSIVE,\n"
		"OPENBLAS_THREAD_TIMEOUT=4) unless the environment says otherwise.\n\n"
		"  -a, --address URI        listen on URI: unix:///path, tcp://host:port\n"
		"                           (port 0 picks one), vsock://cid:port; repeatable\n"
		"      --exec-dir DIR       allow exec of host libraries under DIR; repeatable\n"
		"                           (exec is refused without one)\n"
		"      --allow-guest-libs   allow libraries sent by guests as LIB resources\n"
		"      --allow-remote       allow TCP on non-loopback addresses\n"
		"      --max-message BYTES  largest frame accepted (default %llu)\n"
		"      --max-sessions N     per connection (default 64)\n"
		"      --max-resources N    per connection (default 256)\n"
		"      --max-connections N  at once (default 256)\n"
		"      --max-connections-per-peer N\n"
		"                           at once from one peer: a unix socket's uid,\n"
		"                           a TCP address, a vsock CID (default 64)\n"
		"      --memory-budget BYTES  memory for all guests together: request\n"
		"                           and output buffers, arenas, mailboxes, the\n"
		"                           cache (default half the host's memory)\n"
		"      --handshake-ms MS    a connection must say HELLO and hold a\n"
		"                           session within MS (default 5000)\n"
		"      --idle-timeout-s S   close a connection idle for S seconds, its\n"
		"                           sessions released (default 0: never)\n"
		"      --drain-timeout-s S  on SIGTERM, wait at most S seconds for the\n"
		"                           calls in flight (default 30)\n"
		"      --socket-mode MODE   of unix socket files, octal (default 0660)\n"
		"      --user NAME          run as NAME (and its groups) once listening\n"
		"      --cache-bytes BYTES  resource content cache (default 1 GiB)\n"
		"      --pin-quota BYTES    of the cache, what one peer's resources may\n"
		"                           hold (default half of --cache-bytes)\n"
		"      --timeout-ms MS      to finish a frame once started (default 30000)\n"
		"      --spin-us US         spin up to US before sleeping for a request\n"
		"                           (default 50, adaptive; 0: never)\n"
		"      --spin-max-us US     spin up to US when requests typically come\n"
		"                           later than --spin-us (default 500)\n"
		"      --arena-max BYTES    largest shared-memory arena a unix-socket\n"
		"                           guest may map for bulk arguments (default\n"
		"                           256 MiB, at most 1 GiB; 0: none)\n"
		"      --mailbox-max BYTES  largest message a unix-socket guest may\n"
		"                           pass through a shared-memory mailbox\n"
		"                           (default and at most 1 MiB; 0: none)\n"
		"      --metrics URI        serve Prometheus metrics (/metrics) and\n"
		"                           health (/health/live, /health/ready)\n"
		"                           over HTTP at tcp://host:port (port 0\n"
		"                           picks one); loopback only unless\n"
		"      --metrics-public     is given too\n"
		"  -q, --quiet              no connection log lines (VACCEL_LOG_LEVEL:\n"
		"                           1 error, 2 warn, 3 info (the agent's\n"
		"                           default), 4 debug)\n"
		"  -V, --version            the version, and the protocol's\n"
		"  -h, --help               this text\n\n"
		"Each listener prints 'listening on URI' on stdout once ready, the\n"
		"metrics endpoint 'metrics on http://host:port'. Sockets passed by\n"
		"systemd (LISTEN_FDS) are listened on as well; with NOTIFY_SOCKET\n"
		"the agent tells systemd when it is ready and when it stops.\n"
		"SIGTERM or SIGINT: stop accepting, finish calls in flight (up to\n"
		"--drain-timeout-s), exit.\n",
		(unsigned long long)kDefaultMaxMessage);
}

bool parse_num(const char *s, uint64_t lo, uint64_t hi, uint64_t &v)
{
	char *end = nullptr;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 10);
	if (errno || !*s || *end || x < lo || x > hi)
		return false;
	v = x;
	return true;
}

int parse_options(int argc, char **argv)
{
	enum { EXEC_DIR = 1000, GUEST_LIBS, REMOTE, MAX_MSG, MAX_SESS, MAX_RES,
	       MAX_CONN, CACHE, TIMEOUT, SPIN, SPIN_MAX, ARENA,
	       MAILBOX, PER_PEER, BUDGET, HANDSHAKE, IDLE, DRAIN, SOCK_MODE,
	       USER, PIN_QUOTA, METRICS, METRICS_PUBLIC };
	static const option longs[] = {
		{"address", required_argument, nullptr, 'a'},
		{"exec-dir", required_argument, nullptr, EXEC_DIR},
		{"allow-guest-libs", no_argument, nullptr, GUEST_LIBS},
		{"allow-remote", no_argument, nullptr, REMOTE},
		{"max-message", required_argument, nullptr, MAX_MSG},
		{"max-sessions", required_argument, nullptr, MAX_SESS},
		{"max-resources", required_argument, nullptr, MAX_RES},
		{"max-connections", required_argument, nullptr, MAX_CONN},
		{"cache-bytes", required_argument, nullptr, CACHE},
		{"timeout-ms", required_argument, nullptr, TIMEOUT},
		{"spin-us", required_argument, nullptr, SPIN},
		{"spin-max-us", required_argument, nullptr, SPIN_MAX},
		{"arena-max", required_argument, nullptr, ARENA},
		{"mailbox-max", required_argument, nullptr, MAILBOX},
		{"max-connections-per-peer", required_argument, nullptr, PER_PEER},
		{"memory-budget", required_argument, nullptr, BUDGET},
		{"handshake-ms", required_argument, nullptr, HANDSHAKE},
		{"idle-timeout-s", required_argument, nullptr, IDLE},
		{"drain-timeout-s", required_argument, nullptr, DRAIN},
		{"socket-mode", required_argument, nullptr, SOCK_MODE},
		{"user", required_argument, nullptr, USER},
		{"pin-quota", required_argument, nullptr, PIN_QUOTA},
		{"metrics", required_argument, nullptr, METRICS},
		{"metrics-public", no_argument, nullptr, METRICS_PUBLIC},
		{"quiet", no_argument, nullptr, 'q'},
		{"help", no_argument, nullptr, 'h'},
		{"version", no_argument, nullptr, 'V'},
		{nullptr, 0, nullptr, 0}};
	int c;
	uint64_t v = 0;
	while ((c = getopt_long(argc, argv, "a:qhV", longs, nullptr)) != -1) {
		auto num = [&](uint64_t lo, uint64_t hi) {
			if (parse_num(optarg, lo, hi, v))
				return true;
			fprintf(stderr, "vaccel-agent: bad value '%s' for --%s\n",
				optarg, argv[optind - 1] + 2);
			return false;
		};
		switch (c) {
		case 'a':
			opt.addrs.push_back(optarg);
			break;
		case EXEC_DIR: {
			char real[PATH_MAX];
			struct stat st {};
			if (!realpath(optarg, real) || stat(real, &st) || !S_ISDIR(st.st_mode)) {
				fprintf(stderr, "vaccel-agent: --exec-dir %s: not a directory\n",
					optarg);
				return 2;
			}
			opt.exec_dirs.push_back(strcmp(real, "/") ? std::string(real) + "/"
							    : std::string("/"));
			break;
		}
		case GUEST_LIBS:
			opt.allow_guest_libs = true;
			break;
		case REMOTE:
			opt.allow_remote = true;
			break;
		case MAX_MSG:
			if (!num(4096, 4ull << 30))
				return 2;
			opt.max_message = v;
			break;
		case MAX_SESS:
			if (!num(1, 1 << 20))
				return 2;
			opt.max_sessions = (uint32_t)v;
			break;
		case MAX_RES:
			if (!num(1, 1 << 20))
				return 2;
			opt.max_resources = (uint32_t)v;
			break;
		case MAX_CONN:
			if (!num(1, 1 << 16))
				return 2;
			opt.max_connections = (uint32_t)v;
			break;
		case CACHE:
			if (!num(0, UINT64_MAX))
				return 2;
			opt.cache_bytes = v;
			break;
		case TIMEOUT:
			if (!num(1, 86400000))
				return 2;
			opt.timeout_ms = (int)v;
			break;
		case SPIN:
			if (!num(0, 1000000))
				return 2;
			opt.spin_us = (int)v;
			break;
		case SPIN_MAX:
			if (!num(0, 1000000))
				return 2;
			opt.spin_max_us = (int)v;
			break;
		case ARENA:
			if (!num(0, kMaxArena))
				return 2;
			opt.arena_max = v;
			break;
		case MAILBOX:
			if (!num(0, kMaxMailbox))
				return 2;
			opt.mailbox_max = v;
			break;
		case PER_PEER:
			if (!num(1, 1 << 16))
				return 2;
			opt.max_per_peer = (uint32_t)v;
			break;
		case BUDGET:
			if (!num(1 << 20, UINT64_MAX))
				return 2;
			opt.memory_budget = v;
			break;
		case HANDSHAKE:
			if (!num(1, 3600000))
				return 2;
			opt.handshake_ms = (int)v;
			break;
		case IDLE:
			if (!num(0, 365ull * 86400))
				return 2;
			opt.idle_timeout_s = v;
			break;
		case DRAIN:
			if (!num(0, 86400))
				return 2;
			opt.drain_timeout_s = v;
			break;
		case SOCK_MODE: {
			char *end = nullptr;
			unsigned long m = strtoul(optarg, &end, 8);
			if (!*optarg || *end || m > 0777) {
				fprintf(stderr, "vaccel-agent: bad value '%s' for "
					"--socket-mode\n", optarg);
				return 2;
			}
			opt.socket_mode = (mode_t)m;
			break;
		}
		case USER:
			opt.user = optarg;
			break;
		case PIN_QUOTA:
			if (!num(1, UINT64_MAX))
				return 2;
			opt.pin_quota = v;
			break;
		case METRICS:
			if (!vaccel::agent::metrics_available()) {
				fprintf(stderr, "vaccel-agent: --metrics: this agent "
					"was built without libmicrohttpd\n");
				return 2;
			}
			opt.metrics = optarg;
			break;
		case METRICS_PUBLIC:
			opt.metrics_public = true;
			break;
		case 'q':
			opt.quiet = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("vaccel-agent %s (protocol %u)\n", VACCEL_VERSION, kVersion);
			exit(0);
		default:
			usage(stderr);
			return 2;
		}
	}
	// Sockets passed by systemd (socket activation) count as addresses.
	if (optind != argc || (opt.addrs.empty() && !getenv("LISTEN_FDS"))) {
		usage(stderr);
		return 2;
	}
	return 0;
}

struct Live {
	std::shared_ptr<Connection> conn;
	std::thread thread;
	std::shared_ptr<std::atomic<bool>> done;
};

// Who is at the other end of @p fd: @p desc for the log, @p key for the
// limits and the cache (a unix peer's uid, a TCP address without its port,
// a vsock CID: what one guest cannot change between its connections).
void identify(int fd, const sockaddr_storage &peer, std::string &desc,
	      std::string &key)
{
	char buf[INET6_ADDRSTRLEN + 64];
	switch (peer.ss_family) {
	case AF_UNIX: {
		ucred cr{};
		socklen_t len = sizeof cr;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0) {
			snprintf(buf, sizeof buf, "unix uid %u pid %d", cr.uid,
				 (int)cr.pid);
			desc = buf;
			key = "uid:" + std::to_string(cr.uid);
		} else {
			desc = key = "unix";
		}
		return;
	}
	case AF_INET: {
		auto *in = (const sockaddr_in *)&peer;
		inet_ntop(AF_INET, &in->sin_addr, buf, sizeof buf);
		key = std::string("tcp:") + buf;
		desc = std::string(buf) + ":" + std::to_string(ntohs(in->sin_port));
		return;
	}
	case AF_INET6: {
		auto *in = (const sockaddr_in6 *)&peer;
		inet_ntop(AF_INET6, &in->sin6_addr, buf, sizeof buf);
		key = std::string("tcp:") + buf;
		desc = "[" + std::string(buf) + "]:" +
		       std::to_string(ntohs(in->sin6_port));
		return;
	}
	case AF_VSOCK: {
		auto *vm = (const sockaddr_vm *)&peer;
		key = "vsock:" + std::to_string(vm->svm_cid);
		desc = "vsock cid " + std::to_string(vm->svm_cid) + " port " +
		       std::to_string(vm->svm_port);
		return;
	}
	}
	desc = key = "unknown";
}

// --user: the agent's identity once it listens. Its unix socket files
// become that user's, so that it can still remove them at exit.
int drop_privileges(const std::vector<Address> &addrs)
{
	errno = 0;
	passwd *pw = getpwnam(opt.user.c_str());
	if (!pw) {
		fprintf(stderr, "vaccel-agent: --user %s: no such user\n",
			opt.user.c_str());
		return 1;
	}
	for (auto &a : addrs)
		if (a.kind == Address::kUnix &&
		    chown(a.path.c_str(), pw->pw_uid, pw->pw_gid))
			fprintf(stderr, "vaccel-agent: chown %s: %s\n", a.path.c_str(),
				strerror(errno));
	// Supplementary groups first (video, render: the GPU's device
	// nodes), then the group, then the user: the other order would
	// lack the right to change the groups.
	if (initgroups(pw->pw_name, pw->pw_gid) || setgid(pw->pw_gid) ||
	    setuid(pw->pw_uid)) {
		fprintf(stderr, "vaccel-agent: cannot become %s: %s\n",
			opt.user.c_str(), strerror(errno));
		return 1;
	}
	if (pw->pw_uid != 0 && setuid(0) == 0) {
		fprintf(stderr, "vaccel-agent: could regain root after --user\n");
		return 1;
	}
	return 0;
}

// Tells systemd (Type=notify) how the agent is doing: "READY=1",
// "STOPPING=1". The protocol is one datagram on the unix socket named in
// NOTIFY_SOCKET (a path, or '@' for the abstract namespace); it is written
// here rather than taken from libsystemd so that the static agent, which
// links libc alone, speaks it too.
void notify_systemd(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	sockaddr_un sa{};
	size_t n = path ? strlen(path) : 0;
	if (!n || (path[0] != '/' && path[0] != '@') || n >= sizeof sa.sun_path)
		return;
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, n);
	if (path[0] == '@')
		sa.sun_path[0] = 0;
	Fd fd(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
	if (fd && sendto(fd.get(), state, strlen(state), MSG_NOSIGNAL,
			 (const sockaddr *)&sa,
			 (socklen_t)(offsetof(sockaddr_un, sun_path) + n)) < 0)
		vaccel_warn("[agent] cannot tell systemd %s: %s", state, strerror(errno));
}

// The address a socket is bound to (a listener passed in by systemd);
// VACCEL_EINVAL for a family that is not unix, TCP or vsock. The agent's
// alone: the guest side's libc needs stay few (docs/unikernels.md).
int address_of(int fd, Address &out)
{
	sockaddr_storage ss{};
	socklen_t len = sizeof ss;
	if (getsockname(fd, (sockaddr *)&ss, &len) != 0)
		return errno;
	char buf[INET6_ADDRSTRLEN];
	out = Address();
	switch (ss.ss_family) {
	case AF_UNIX: {
		auto *un = (const sockaddr_un *)&ss;
		size_t n = len > offsetof(sockaddr_un, sun_path)
				   ? len - offsetof(sockaddr_un, sun_path) : 0;
		out.kind = Address::kUnix;
		if (n && un->sun_path[0] == 0) // abstract: shown with '@'
			out.path = "@" + std::string(un->sun_path + 1, n - 1);
		else
			out.path = std::string(un->sun_path, strnlen(un->sun_path, n));
		return 0;
	}
	case AF_INET: {
		auto *in = (const sockaddr_in *)&ss;
		out.kind = Address::kTcp;
		out.host = inet_ntop(AF_INET, &in->sin_addr, buf, sizeof buf);
		out.port = ntohs(in->sin_port);
		return 0;
	}
	case AF_INET6: {
		auto *in = (const sockaddr_in6 *)&ss;
		out.kind = Address::kTcp;
		out.host = inet_ntop(AF_INET6, &in->sin6_addr, buf, sizeof buf);
		out.port = ntohs(in->sin6_port);
		return 0;
	}
	case AF_VSOCK: {
		auto *vm = (const sockaddr_vm *)&ss;
		out.kind = Address::kVsock;
		out.cid = vm->svm_cid;
		out.port = vm->svm_port;
		return 0;
	}
	}
	return VACCEL_EINVAL;
}

// Listening sockets passed by systemd (socket activation): descriptors 3
// to 3 + LISTEN_FDS - 1, if LISTEN_PID is this process. Each must be a
// listening stream socket. They are systemd's: the agent never removes
// their files. Returns 0, or 2 with the reason on stderr.
int take_activated(std::vector<Fd> &listeners, std::vector<Address> &addrs)
{
	const char *fds = getenv("LISTEN_FDS"), *pid = getenv("LISTEN_PID");
	if (!fds)
		return 0;
	uint64_t n = 0, p = 0;
	bool ours = pid && parse_num(pid, 1, INT_MAX, p) && (pid_t)p == getpid();
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDNAMES");
	if (!ours)
		return 0; // meant for another process
	if (!parse_num(fds, 0, 1024, n)) {
		fprintf(stderr, "vaccel-agent: LISTEN_FDS=%s: not a count\n", fds);
		return 2;
	}
	for (int fd = 3; fd < 3 + (int)n; ++fd) {
		int listening = 0, type = 0;
		socklen_t len = sizeof listening, tlen = sizeof type;
		Address a;
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) ||
		    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) || !listening ||
		    type != SOCK_STREAM || address_of(fd, a)) {
			fprintf(stderr, "vaccel-agent: descriptor %d from systemd is "
				"not a listening unix, TCP or vsock stream socket\n", fd);
			return 2;
		}
		fcntl(fd, F_SETFD, FD_CLOEXEC);
		listeners.emplace_back(fd);
		addrs.push_back(a);
	}
	return 0;
}

} // namespace

int main(int argc, char **argv)
{
	if (int ret = parse_options(argc, argv))
		return ret;
	// OpenMP workers of the frameworks (libtorch, OpenBLAS builds with
	// OpenMP) spin by default after each parallel region, where the agent
	// already spins in its own bounded, adaptive way: on a small machine
	// they take the cores from the connection threads and the guests,
	// tripling a classification's time through the agent on 2 vCPUs
	// (docs/performance.md, "Measurements behind the agent's and the
	// stream's defaults"). Unless the operator chose, they sleep when
	// idle. Set before any plugin loads.
	setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
	// OpenBLAS's own thread pool likewise spins (yielding) for 2^28
	// cycles, a tenth of a second, after every call, which halved the
	// speed of a guest's sgemm next to the agent's. 2^4 cycles: they sleep
	// as soon as the work is done, at no measurable cost to the agent's
	// own sgemm (same page).
	setenv("OPENBLAS_THREAD_TIMEOUT", "4", 0);
	signal(SIGPIPE, SIG_IGN);
	// Signals arrive on a descriptor the accept loop polls, and in no
	// other thread.
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
	Fd sfd(signalfd(-1, &sigs, SFD_CLOEXEC));

	// Loading the plugins bootstraps the runtime, which reads
	// VACCEL_LOG_LEVEL; without it an agent logs at info level, what an
	// operator expects of a daemon (connections, limits, plugins).
	size_t nr_plugins = vaccel_plugin_count();
	if (!getenv("VACCEL_LOG_LEVEL") && !getenv("VACCEL_DEBUG_LEVEL"))
		vaccel_log_set_level(VACCEL_LOG_INFO);
	say("vaccel-agent %s, protocol %u", VACCEL_VERSION, kVersion);
	if (!nr_plugins)
		vaccel_warn("[agent] no plugin is loaded (VACCEL_PLUGINS=%s): "
			    "every operation will fail with ENOTSUP",
			    getenv("VACCEL_PLUGINS") ? getenv("VACCEL_PLUGINS") : "");
	std::vector<std::string> plugin_names;
	for (size_t i = 0; i < nr_plugins; ++i) {
		const char *name;
		vaccel_plugin_info(i, &name, nullptr, nullptr);
		say("plugin %s", name);
		plugin_names.push_back(name);
		if (strcmp(name, "rpc") == 0)
			vaccel_warn("[agent] the rpc plugin is loaded: calls "
				    "may loop back to an agent");
	}
	std::vector<Metrics::Attempt> attempts;
	for (size_t i = 0; i < vaccel_plugin_attempt_count(); ++i) {
		char spec[256], why[512];
		int code = 0;
		if (vaccel_plugin_attempt(i, spec, sizeof spec, &code, why, sizeof why) == 0)
			attempts.push_back({spec, code, why});
	}
	metrics.set_plugins(std::move(plugin_names), std::move(attempts));
	metrics.gauges = [] {
		return Metrics::Gauges{budget.limit(), budget.used(), opt.cache_bytes,
				       cache.bytes(), cache.entries()};
	};

	if (!opt.memory_budget) {
		long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
		opt.memory_budget = pages > 0 && page > 0
					    ? (uint64_t)pages * (uint64_t)page / 2
					    : 4ull << 30;
	}
	budget.set_limit(opt.memory_budget);
	slots.set_caps(opt.max_per_peer, opt.max_connections);
	pinned.set_quota(opt.pin_quota ? opt.pin_quota : opt.cache_bytes / 2);
	say("limits: memory budget %" PRIu64 " MiB for all guests, cache %" PRIu64
	    " MiB (%" PRIu64 " MiB per peer), frames %" PRIu64 " MiB, %u "
	    "connections (%u per peer), "
	    "handshake %d ms, idle timeout %" PRIu64 " s, drain %" PRIu64 " s",
	    opt.memory_budget >> 20, opt.cache_bytes >> 20, pinned.quota() >> 20,
	    opt.max_message >> 20,
	    opt.max_connections, opt.max_per_peer, opt.handshake_ms,
	    opt.idle_timeout_s, opt.drain_timeout_s);

	std::vector<Fd> listeners;
	std::vector<Address> bound_addrs;
	// The unix socket files this agent made (device, inode): at exit it
	// removes a path only if it is still its own, not the socket of an
	// agent started in its place meanwhile.
	std::vector<std::pair<dev_t, ino_t>> own_files;
	auto remove_own_files = [&] {
		for (size_t i = 0; i < bound_addrs.size(); ++i) {
			const Address &a = bound_addrs[i];
			struct stat st {};
			if (a.kind == Address::kUnix && lstat(a.path.c_str(), &st) == 0 &&
			    std::make_pair(st.st_dev, st.st_ino) == own_files[i])
				unlink(a.path.c_str());
		}
	};
	for (auto &uri : opt.addrs) {
		Address a, bound;
		std::string why;
		if (parse_address(uri, a, why)) {
			fprintf(stderr, "vaccel-agent: %s: %s\n", uri.c_str(), why.c_str());
			remove_own_files();
			return 2;
		}
		if (a.kind == Address::kUnix) {
			// A socket file left by an agent that is gone is removed;
			// one that an agent still listens on is not taken over.
			struct stat st {};
			if (lstat(a.path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) {
				Fd probe;
				if (connect_to(a, 1000, probe) == 0) {
					fprintf(stderr, "vaccel-agent: %s: another agent "
						"is listening there\n", uri.c_str());
					remove_own_files();
					return 1;
				}
				unlink(a.path.c_str());
			}
		}
		Fd fd;
		// A unix socket file is made with --socket-mode, never wider
		// for a moment, whatever the umask.
		mode_t old_mask = umask(~opt.socket_mode & 0777);
		int ret = listen_on(a, opt.allow_remote, fd, bound);
		umask(old_mask);
		if (ret) {
			fprintf(stderr, "vaccel-agent: cannot listen on %s: %s\n",
				uri.c_str(), strerror(ret));
			remove_own_files();
			return 1;
		}
		struct stat st {};
		if (a.kind == Address::kUnix && lstat(a.path.c_str(), &st) == 0)
			own_files.emplace_back(st.st_dev, st.st_ino);
		else
			own_files.emplace_back(0, 0);
		listeners.push_back(std::move(fd));
		bound_addrs.push_back(bound);
	}
	// Sockets from systemd, after the agent's own: own_files lines up
	// with the first ones only, and those from systemd are never removed.
	if (take_activated(listeners, bound_addrs)) {
		remove_own_files();
		return 2;
	}
	own_files.resize(bound_addrs.size(), {0, 0});
	if (listeners.empty()) {
		fprintf(stderr, "vaccel-agent: no address to listen on\n");
		return 2;
	}
	// The metrics endpoint: TCP, on loopback unless --metrics-public.
	Fd metrics_fd;
	Address metrics_addr;
	if (!opt.metrics.empty()) {
		Address a;
		std::string why;
		int ret = parse_address(opt.metrics, a, why);
		if (!ret && a.kind != Address::kTcp)
			why = "the metrics endpoint is tcp://host:port", ret = VACCEL_EINVAL;
		if (!ret && (ret = listen_on(a, true, metrics_fd, metrics_addr)))
			why = strerror(ret);
		if (!ret && !opt.metrics_public && !bound_to_loopback(metrics_fd.get()))
			why = "not a loopback address (add --metrics-public to serve "
			      "metrics beyond this host)", ret = VACCEL_EPERM;
		if (ret) {
			fprintf(stderr, "vaccel-agent: --metrics %s: %s\n",
				opt.metrics.c_str(), why.c_str());
			remove_own_files();
			return 2;
		}
		metrics.enable();
	}
	if (!opt.user.empty() && drop_privileges(bound_addrs)) {
		remove_own_files();
		return 1;
	}
	vaccel::agent::MetricsServer *metrics_server = nullptr;
	if (metrics_fd) {
		std::string why;
		metrics_server = vaccel::agent::metrics_serve(metrics, metrics_fd.get(), why);
		if (!metrics_server) {
			fprintf(stderr, "vaccel-agent: --metrics %s: %s\n",
				opt.metrics.c_str(), why.c_str());
			remove_own_files();
			return 1;
		}
		metrics_fd.release(); // the server's now
	}
	// Ready before it says so: whoever reads the lines below may ask.
	metrics.set_listening();
	for (auto &b : bound_addrs)
		printf("listening on %s\n", b.uri().c_str());
	if (metrics_server)
		printf("metrics on http://%s:%u\n",
		       metrics_addr.host.find(':') != std::string::npos
			       ? ("[" + metrics_addr.host + "]").c_str()
			       : metrics_addr.host.c_str(),
		       metrics_addr.port);
	fflush(stdout);
	notify_systemd("READY=1");

	std::vector<Live> live;
	uint64_t next_id = 1;
	for (;;) {
		std::vector<pollfd> pfds{{sfd.get(), POLLIN, 0}};
		for (auto &l : listeners)
			pfds.push_back({l.get(), POLLIN, 0});
		int r = poll(pfds.data(), pfds.size(), 100);
		// Reap finished connections; close those past a deadline.
		long long now = monotonic_ns();
		for (auto it = live.begin(); it != live.end();) {
			if (it->done->load()) {
				it->thread.join();
				it = live.erase(it);
				continue;
			}
			if (const char *why = it->conn->overdue(now))
				it->conn->stop(SHUT_RDWR, why);
			it->conn->trim_if_idle(now);
			++it;
		}
		if (r < 0 && errno != EINTR)
			break;
		if (pfds[0].revents & POLLIN)
			break;
		for (size_t i = 1; i < pfds.size(); ++i) {
			if (!(pfds[i].revents & POLLIN))
				continue;
			sockaddr_storage peer{};
			socklen_t plen = sizeof peer;
			Fd c(accept4(pfds[i].fd, (sockaddr *)&peer, &plen, SOCK_CLOEXEC));
			if (!c)
				continue;
			std::string desc, key;
			const char *full = nullptr;
			try {
				identify(c.get(), peer, desc, key);
				if (!slots.take(key, full)) {
					vaccel_error("[agent] connection from %s refused: "
						     "%s is reached", desc.c_str(), full);
					metrics.refused(full == PeerSlots::kPeerFull
								? Metrics::kPeerFull
								: Metrics::kAgentFull);
					continue;
				}
			} catch (const std::exception &) {
				continue;
			}
			if (peer.ss_family != AF_UNIX) {
				int one = 1;
				setsockopt(c.get(), IPPROTO_TCP, TCP_NODELAY, &one,
					   sizeof one);
			}
			try {
				auto conn = std::make_shared<Connection>(
					next_id++,
					Stream(std::move(c), opt.timeout_ms, opt.spin_us,
					       opt.spin_max_us),
					desc, key,
					peer.ss_family == AF_UNIX    ? Metrics::kUnix
					: peer.ss_family == AF_VSOCK ? Metrics::kVsock
								     : Metrics::kTcp);
				auto done = std::make_shared<std::atomic<bool>>(false);
				std::thread t([conn, done] {
					conn->serve();
					slots.give_back(conn->peer_key());
					done->store(true);
				});
				live.push_back({conn, std::move(t), done});
			} catch (const std::exception &e) {
				// No thread, or no memory for one more: this guest
				// is refused, the others go on.
				vaccel_error("[agent] connection from %s refused: %s",
					     desc.c_str(), e.what());
				metrics.refused(Metrics::kNoThread);
				slots.give_back(key);
			}
		}
	}
	metrics.set_stopping();
	notify_systemd("STOPPING=1");
	say("shutting down: finishing %zu connection(s)", live.size());
	listeners.clear();
	// Idle connections wake up and end; a call in flight finishes and its
	// reply is still sent (only reads are shut), within the drain
	// deadline.
	for (auto &l : live)
		l.conn->stop(SHUT_RD, "closed: the agent is stopping");
	long long deadline = monotonic_ns() + (long long)opt.drain_timeout_s * 1000000000;
	for (;;) {
		size_t running = 0;
		for (auto &l : live)
			running += !l.done->load();
		if (!running)
			break;
		if (monotonic_ns() >= deadline) {
			// A call that never returns cannot be cancelled: the
			// process ends under it.
			vaccel_error("[agent] %zu call(s) still running after "
				     "--drain-timeout-s %" PRIu64 ": exiting without them",
				     running, opt.drain_timeout_s);
			remove_own_files();
			fflush(nullptr);
			_exit(0);
		}
		usleep(10000);
	}
	for (auto &l : live)
		l.thread.join();
	live.clear();
	metrics_stop(metrics_server);
	remove_own_files();
	vaccel_cleanup();
	say("stopped");
	return 0;
}
