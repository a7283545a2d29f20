// SPDX-License-Identifier: Apache-2.0
// A guest's connection: its requests read and answered in turn, its
// sessions and resources, the shared blob cache, OP requests.
#include "agent.hpp"

namespace vaccel::agent {

Options opt;
Budget budget;
Metrics metrics;
BlobCache cache(budget, opt.cache_bytes);
PeerSlots slots(64, 256);
PeerQuota pinned(0);
std::atomic<int> active_connections{0};
const int nr_cpus = (int)std::thread::hardware_concurrency();

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

namespace {

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

} // namespace

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
	switch ((Msg)h.type) {
	case Msg::hello:
		return on_hello(h, body);
	case Msg::session_init:
		return on_session_init(h, body);
	case Msg::session_release:
		return on_session_release(h, body);
	case Msg::blob_query:
		return on_blob_query(h, body);
	case Msg::blob_put:
		return on_blob_put(h, body);
	case Msg::resource_register:
		return on_register(h, body);
	case Msg::resource_unregister:
		return on_unregister(h, body);
	case Msg::op:
		return on_op(h, body);
	case Msg::model:
		return on_model(h, body);
	case Msg::arena:
		return on_arena(h, body);
	case Msg::mailbox:
		return on_mailbox(h, body);
	}
	vaccel_error("[agent] connection %" PRIu64 ": unknown message %u", id_,
		     h.type);
	return false;
}

bool Connection::on_hello(const Header &h, const Bytes &body)
{
	HelloRequest req;
	if (!decode(body.data(), body.size(), req))
		return false;
	const uint32_t lo = req.oldest, hi = req.newest;
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
	HelloReply out;
	out.version = v;
	out.max_message = opt.max_message;
	Writer w;
	encode(w, out);
	std::vector<iovec> iov{{}, {w.buf().data(), w.size()}};
	return reply(h, 0, iov) == 0;
}

// The guest asks for an arena of some size; it gets one of at most
// --arena-max bytes, once per connection, on unix sockets only (a
// descriptor cannot cross TCP or vsock).
bool Connection::on_arena(const Header &h, const Bytes &body)
{
	SharedRequest req;
	if (!decode(body.data(), body.size(), req))
		return false;
	const uint64_t want = req.want;
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
bool Connection::on_mailbox(const Header &h, const Bytes &body)
{
	SharedRequest req;
	if (!decode(body.data(), body.size(), req))
		return false;
	const uint64_t want = req.want;
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

bool Connection::on_session_init(const Header &h, const Bytes &body)
{
	SessionInitRequest req;
	if (!decode(body.data(), body.size(), req))
		return false;
	const uint32_t flags = req.flags;
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

bool Connection::on_session_release(const Header &h, const Bytes &body)
{
	SessionRequest req;
	if (!decode(body.data(), body.size(), req))
		return false;
	const int64_t sid = req.session;
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

bool Connection::on_blob_query(const Header &h, const Bytes &body)
{
	std::vector<Digest> hashes;
	if (!decode_blob_query(body.data(), body.size(), hashes))
		return false;
	std::vector<uint8_t> have(hashes.size());
	for (size_t i = 0; i < hashes.size(); ++i) {
		have[i] = cache.get(hashes[i], peer_key_) != nullptr;
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

bool Connection::on_register(const Header &h, const Bytes &body)
{
	RegisterRequest req;
	if (!decode_register(body.data(), body.size(), req))
		return false;
	for (auto &b : req.blobs)
		if (b.name.find('\0') != std::string::npos ||
		    b.name.find('/') != std::string::npos)
			return reply(h, VACCEL_EINVAL) == 0;
	const int64_t sid = req.session;
	const uint32_t type = req.type, n = (uint32_t)req.blobs.size();
	const auto &in = req.blobs;
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
		auto bytes = cache.get(in[i].hash, peer_key_);
		if (!bytes || bytes->empty()) {
			ret = VACCEL_ENOENT;
			break;
		}
		res.pins.push_back(bytes);
		res.pinned += bytes->size();
		ret = vaccel_blob_init_from_buf(&blobs[i], bytes->data(),
						bytes->size(), false,
						in[i].name.c_str(), nullptr, false);
		if (!ret) // a failed init released what it made
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

bool Connection::on_unregister(const Header &h, const Bytes &body)
{
	UnregisterRequest req;
	if (!decode(body.data(), body.size(), req))
		return false;
	const int64_t sid = req.session, rid = req.resource;
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

void Connection::release_all()
{
	while (!resources_.empty())
		drop_resource(resources_.begin());
	for (auto &e : sessions_)
		vaccel_session_delete(e.second);
	sessions_.clear();
	sessions_changed();
}

} // namespace vaccel::agent
