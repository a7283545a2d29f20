// SPDX-License-Identifier: Apache-2.0
// The agent's command line.
#include "agent.hpp"

namespace vaccel::agent {

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

} // namespace vaccel::agent
