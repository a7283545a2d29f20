// SPDX-License-Identifier: Apache-2.0
// vaccel-agent: serves vAccel operations to guests (VMs, containers,
// unikernels) over unix sockets, TCP or vsock, using the host's plugins
// (VACCEL_PLUGINS). Every byte from a guest is untrusted: frames are
// size-checked before allocation, ids are looked up in the connection's own
// tables, and exec is off unless the operator allows it.
#include "agent.hpp"

using namespace vaccel::agent;

namespace {

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
