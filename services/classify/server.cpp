// SPDX-License-Identifier: Apache-2.0
// vaccel-classify-server: an HTTP service that classifies images.
//
//   POST /classify, POST /   the body is an image (PNG, JPEG ...); the answer
//                            is {"class": "<label>", "ms": <float>}
//   GET /health/live         200 while the process serves HTTP
//   GET /health/ready        200 when a session can be made, the model
//                            registered with it, and a plugin serves
//                            image classification; 503 otherwise
//
// Each request runs vaccel_image_classification() with the model (a MODEL
// resource: model.pt or model.onnx and labels.txt) through whatever plugin
// VACCEL_PLUGINS names: torch or opencv locally, or rpc to a vaccel-agent
// on the host (a VM, a container, a Kata pod). Errors are JSON:
// {"error": "<why>", "code": <VACCEL_E* code>}.
//
// Bounds: a fixed pool of HTTP threads (--threads), each with its own vAccel
// session (so at most that many classifications run at once, and over rpc
// each has its own connection to the agent); a cap on connections
// (--max-connections) and on the classification requests admitted at once,
// receiving, queued or running (--max-inflight; beyond it: 503, decided
// from the headers, the body never kept); a body limit (--max-body: 413,
// from Content-Length, or counted while receiving); an idle timeout per
// connection (--timeout-s).
#include <vaccel.hpp>

#include <microhttpd.h>

#include <arpa/inet.h>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <netdb.h>
#include <netinet/in.h>
#include <optional>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace {

using Clock = std::chrono::steady_clock;

// ---- options -----------------------------------------------------------

struct Options {
	std::string listen;      // tcp://HOST:PORT or unix:///path
	std::string model;       // directory (or file) of the MODEL resource
	unsigned threads = 4;
	unsigned max_connections = 64;
	unsigned max_inflight = 0; // 0: 4 x threads
	unsigned timeout_s = 30;
	uint64_t max_body = 16ull << 20;
	bool log_requests = false;
};

int usage(FILE *out)
{
	std::fprintf(
		out,
		"usage: vaccel-classify-server [options]\n\n"
		"Classifies the image in the body of POST /classify (or POST /)\n"
		"with vaccel_image_classification through the plugins\n"
		"VACCEL_PLUGINS names, and answers {\"class\": ..., \"ms\": ...}.\n\n"
		"  --listen URI           tcp://HOST:PORT (port 0: any free one) or\n"
		"                         unix:///path (default tcp://0.0.0.0:$PORT,\n"
		"                         PORT from the environment, else 8080)\n"
		"  -p, --port PORT        the port of the default address\n"
		"  --address HOST         the host of the default address (0.0.0.0)\n"
		"  --model PATH           the model: a directory with model.pt or\n"
		"                         model.onnx and labels.txt (default\n"
		"                         $VACCEL_CLASSIFY_MODEL, else the installed\n"
		"                         share/vaccel/models/fashion-mnist)\n"
		"  --threads N            HTTP worker threads, each with its own\n"
		"                         vAccel session (default 4)\n"
		"  --max-connections N    connections at once, at least --threads\n"
		"                         (default 64)\n"
		"  --max-inflight N       classification requests admitted at once;\n"
		"                         more get 503 (default 4 x threads)\n"
		"  --max-body BYTES       largest image (default 16777216); larger: 413\n"
		"  --timeout-s S          idle time after which a connection is\n"
		"                         closed (default 30)\n"
		"  --log-requests         one line per request on stderr\n"
		"  -h, --help             this text\n\n"
		"Prints 'listening on URI' once it serves; SIGTERM or SIGINT stop it.\n");
	return out == stdout ? 0 : 2;
}

bool parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	if (!s || !*s || *s == '-')
		return false;
	char *end = nullptr;
	errno = 0;
	unsigned long long v = std::strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

// The model installed beside the program (bin/../share/...), or the one a
// build tree trained (bin/../models/...); "" if neither is there.
std::string default_model()
{
	if (const char *m = std::getenv("VACCEL_CLASSIFY_MODEL"); m && *m)
		return m;
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return {};
	exe[n] = '\0';
	std::string dir(exe);
	dir.erase(dir.rfind('/'));
	for (const char *rel : {"/../share/vaccel/models/fashion-mnist",
				"/../models/fashion-mnist"}) {
		std::string p = dir + rel;
		struct stat st;
		if (stat(p.c_str(), &st) == 0)
			return p;
	}
	return {};
}

std::optional<Options> parse(int argc, char **argv, int *rc)
{
	Options o;
	std::string port, address = "0.0.0.0";
	if (const char *p = std::getenv("PORT"); p && *p)
		port = p;
	auto value = [&](int &i, const char *name) -> const char * {
		if (i + 1 >= argc) {
			std::fprintf(stderr, "vaccel-classify-server: %s needs a value\n",
				     name);
			return nullptr;
		}
		return argv[++i];
	};
	auto number = [&](int &i, const char *name, uint64_t min, uint64_t max,
			  uint64_t *out) {
		const char *v = value(i, name);
		if (!v)
			return false;
		if (!parse_uint(v, max, out) || *out < min) {
			std::fprintf(stderr,
				     "vaccel-classify-server: %s: '%s' is not a number "
				     "from %llu to %llu\n",
				     name, v, (unsigned long long)min,
				     (unsigned long long)max);
			return false;
		}
		return true;
	};
	*rc = 2;
	for (int i = 1; i < argc; ++i) {
		std::string_view a = argv[i];
		uint64_t n = 0;
		const char *v = nullptr;
		if (a == "-h" || a == "--help") {
			*rc = usage(stdout);
			return std::nullopt;
		} else if (a == "--listen") {
			if (!(v = value(i, "--listen")))
				return std::nullopt;
			o.listen = v;
		} else if (a == "-p" || a == "--port") {
			if (!number(i, "--port", 0, 65535, &n))
				return std::nullopt;
			port = std::to_string(n);
		} else if (a == "--address") {
			if (!(v = value(i, "--address")))
				return std::nullopt;
			address = v;
		} else if (a == "--model") {
			if (!(v = value(i, "--model")))
				return std::nullopt;
			o.model = v;
		} else if (a == "--threads") {
			if (!number(i, "--threads", 1, 1024, &n))
				return std::nullopt;
			o.threads = (unsigned)n;
		} else if (a == "--max-connections") {
			if (!number(i, "--max-connections", 1, 1u << 20, &n))
				return std::nullopt;
			o.max_connections = (unsigned)n;
		} else if (a == "--max-inflight") {
			if (!number(i, "--max-inflight", 1, 1u << 20, &n))
				return std::nullopt;
			o.max_inflight = (unsigned)n;
		} else if (a == "--max-body") {
			if (!number(i, "--max-body", 1, 1ull << 40, &n))
				return std::nullopt;
			o.max_body = n;
		} else if (a == "--timeout-s") {
			if (!number(i, "--timeout-s", 0, 86400, &n))
				return std::nullopt;
			o.timeout_s = (unsigned)n;
		} else if (a == "--log-requests") {
			o.log_requests = true;
		} else {
			std::fprintf(stderr, "vaccel-classify-server: unknown option '%s'\n",
				     argv[i]);
			usage(stderr);
			return std::nullopt;
		}
	}
	if (o.listen.empty()) {
		if (address.find(':') != std::string::npos)
			address = "[" + address + "]";
		o.listen = "tcp://" + address + ":" + (port.empty() ? "8080" : port);
	}
	if (o.model.empty())
		o.model = default_model();
	if (o.model.empty()) {
		std::fprintf(stderr, "vaccel-classify-server: no model: give --model "
				     "or VACCEL_CLASSIFY_MODEL\n");
		return std::nullopt;
	}
	if (!o.max_inflight)
		o.max_inflight = 4 * o.threads;
	// Each thread takes its share of the connections: a thread with none
	// would never accept one (and would not wake up to stop).
	if (o.max_connections < o.threads) {
		std::fprintf(stderr, "vaccel-classify-server: --max-connections (%u) "
				     "must be at least --threads (%u)\n",
			     o.max_connections, o.threads);
		return std::nullopt;
	}
	*rc = 0;
	return o;
}

// ---- the listening socket ----------------------------------------------

// Binds and listens on @p uri; returns the socket and, in @p shown, the
// address it ended up on (the port chosen for port 0). -1 and a message on
// stderr if it cannot.
int listen_on(const std::string &uri, std::string *shown)
{
	auto fail = [&](const char *what) {
		std::fprintf(stderr, "vaccel-classify-server: %s: %s: %s\n",
			     uri.c_str(), what, std::strerror(errno));
		return -1;
	};
	if (uri.rfind("unix://", 0) == 0) {
		std::string path = uri.substr(7);
		sockaddr_un sa{};
		if (path.empty() || path.size() >= sizeof sa.sun_path) {
			errno = EINVAL;
			return fail("bad socket path");
		}
		sa.sun_family = AF_UNIX;
		std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return fail("socket");
		// A file left by a server that is gone is taken over.
		struct stat st;
		if (lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) {
			int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
			if (probe >= 0 && connect(probe, (sockaddr *)&sa, sizeof sa) != 0 &&
			    errno == ECONNREFUSED)
				unlink(path.c_str());
			if (probe >= 0)
				close(probe);
		}
		if (bind(fd, (sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 128) != 0) {
			int e = errno;
			close(fd);
			errno = e;
			return fail("cannot listen");
		}
		*shown = uri;
		return fd;
	}
	if (uri.rfind("tcp://", 0) != 0) {
		errno = EINVAL;
		return fail("not tcp://HOST:PORT or unix:///path");
	}
	std::string rest = uri.substr(6), host, port;
	size_t colon = rest.rfind(':');
	if (colon == std::string::npos) {
		errno = EINVAL;
		return fail("no port");
	}
	host = rest.substr(0, colon);
	port = rest.substr(colon + 1);
	if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
		host = host.substr(1, host.size() - 2);
	uint64_t pn = 0;
	if (!parse_uint(port.c_str(), 65535, &pn)) {
		errno = EINVAL;
		return fail("bad port");
	}
	addrinfo hints{}, *ai = nullptr;
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	int g = getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(),
			    &hints, &ai);
	if (g != 0) {
		std::fprintf(stderr, "vaccel-classify-server: %s: %s\n", uri.c_str(),
			     gai_strerror(g));
		return -1;
	}
	int fd = -1, e = 0;
	for (addrinfo *p = ai; p; p = p->ai_next) {
		fd = socket(p->ai_family, p->ai_socktype | SOCK_CLOEXEC, p->ai_protocol);
		if (fd < 0) {
			e = errno;
			continue;
		}
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (bind(fd, p->ai_addr, p->ai_addrlen) == 0 && listen(fd, 128) == 0)
			break;
		e = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	if (fd < 0) {
		errno = e;
		return fail("cannot listen");
	}
	sockaddr_storage ss{};
	socklen_t len = sizeof ss;
	getsockname(fd, (sockaddr *)&ss, &len);
	char ip[INET6_ADDRSTRLEN] = "?";
	unsigned bound = 0;
	if (ss.ss_family == AF_INET6) {
		auto *s6 = (sockaddr_in6 *)&ss;
		inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof ip);
		bound = ntohs(s6->sin6_port);
		*shown = "tcp://[" + std::string(ip) + "]:" + std::to_string(bound);
	} else {
		auto *s4 = (sockaddr_in *)&ss;
		inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof ip);
		bound = ntohs(s4->sin_port);
		*shown = "tcp://" + std::string(ip) + ":" + std::to_string(bound);
	}
	return fd;
}

// ---- JSON --------------------------------------------------------------

// @p s as a JSON string, quoted: quotes, backslashes and control
// characters escaped; bytes that are not UTF-8 become U+FFFD, so the
// document is valid whatever a plugin or an agent wrote.
std::string json_string(std::string_view s)
{
	std::string out;
	out.reserve(s.size() + 2);
	out += '"';
	for (size_t i = 0; i < s.size();) {
		auto c = static_cast<unsigned char>(s[i]);
		if (c < 0x80) {
			switch (c) {
			case '"': out += "\\\""; break;
			case '\\': out += "\\\\"; break;
			case '\n': out += "\\n"; break;
			case '\r': out += "\\r"; break;
			case '\t': out += "\\t"; break;
			default:
				if (c < 0x20 || c == 0x7f) {
					char u[8];
					std::snprintf(u, sizeof u, "\\u%04x", c);
					out += u;
				} else {
					out += static_cast<char>(c);
				}
			}
			++i;
			continue;
		}
		// A well-formed sequence (no overlongs, no surrogates) is
		// copied; anything else is one replacement character per byte.
		size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
		bool ok = n && c <= 0xf4 && i + n <= s.size();
		for (size_t k = 1; ok && k < n; ++k)
			ok = (static_cast<unsigned char>(s[i + k]) & 0xc0) == 0x80;
		if (ok && n >= 3) {
			auto c1 = static_cast<unsigned char>(s[i + 1]);
			if ((c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 > 0x9f) ||
			    (c == 0xf0 && c1 < 0x90) || (c == 0xf4 && c1 > 0x8f))
				ok = false;
		}
		if (ok) {
			out.append(s.substr(i, n));
			i += n;
		} else {
			out += "\\ufffd";
			++i;
		}
	}
	out += '"';
	return out;
}

std::string json_error(std::string_view why, int code)
{
	return "{\"error\": " + json_string(why) + ", \"code\": " +
	       std::to_string(code) + "}";
}

// ---- the service -------------------------------------------------------

struct Service {
	Options opt;
	std::unique_ptr<vaccel::Resource> model;
	std::atomic<unsigned> admitted{0};
	std::atomic<uint64_t> served{0}, failed{0}, rejected{0};

	// Readiness, probed at most once a second: ready_lock is held by the
	// probe, ready_seen_lock guards its last answer.
	std::mutex ready_lock, ready_seen_lock;
	Clock::time_point ready_at{};
	int ready_status = 0;
	std::string ready_body;
};

// Per HTTP thread: its own session with the model registered. Dropped after
// a failure that may have lost it (the agent went away), so the next
// request makes a new one.
struct Worker {
	std::unique_ptr<vaccel::Session> session;
};
thread_local Worker worker;

vaccel::Session &session_for(Service &svc)
{
	if (!worker.session) {
		auto s = std::make_unique<vaccel::Session>();
		svc.model->register_with(*s);
		worker.session = std::move(s);
	}
	return *worker.session;
}

// The HTTP status for a vAccel error code.
unsigned status_for(int code)
{
	switch (code) {
	case VACCEL_EINVAL: // the image: empty, not an image, too large
	case VACCEL_ERANGE:
		return MHD_HTTP_BAD_REQUEST;
	case VACCEL_ESESS: // the agent is gone (ECONNRESET)
	case ECONNREFUSED:
	case EPIPE:
		return MHD_HTTP_BAD_GATEWAY;
	case VACCEL_ETIMEDOUT:
		return MHD_HTTP_GATEWAY_TIMEOUT;
	case VACCEL_EBUSY: // limits of the agent
	case VACCEL_ENOMEM:
	case EAGAIN:
		return MHD_HTTP_SERVICE_UNAVAILABLE;
	default: // no plugin, no model ...: the deployment
		return MHD_HTTP_INTERNAL_SERVER_ERROR;
	}
}

struct Answer {
	unsigned status;
	std::string body;
};

// Codes after which a session's connection to the agent is gone.
bool lost(int code)
{
	return code == VACCEL_ESESS || code == VACCEL_ETIMEDOUT ||
	       code == ECONNREFUSED || code == EPIPE;
}

Answer classify(Service &svc, const std::string &image)
{
	vaccel_error_clear();
	// A session that lost its agent (restarted, say) is replaced and the
	// image sent once more: classifying has no side effects. One whose
	// call timed out is replaced too (its connection is in an unknown
	// state), and the error answered.
	for (int attempt = 0;; ++attempt) {
		bool fresh = !worker.session;
		try {
			vaccel::Session &s = session_for(svc);
			auto t0 = Clock::now();
			vaccel::ClassifyResult r = s.classify(image.data(), image.size());
			double ms = std::chrono::duration<double, std::milli>(
					    Clock::now() - t0)
					    .count();
			char num[32];
			std::snprintf(num, sizeof num, "%.3f", ms);
			svc.served.fetch_add(1, std::memory_order_relaxed);
			return {MHD_HTTP_OK, "{\"class\": " + json_string(r.tag) +
						     ", \"ms\": " + num + "}"};
		} catch (const vaccel::Error &e) {
			int code = e.code();
			if (lost(code)) {
				worker.session.reset();
				// Not after a timeout: that would double it.
				if (!fresh && attempt == 0 && code != VACCEL_ETIMEDOUT)
					continue;
			}
			svc.failed.fetch_add(1, std::memory_order_relaxed);
			std::string why = e.message().empty() ? e.what() : e.message();
			return {status_for(code), json_error(why, code)};
		} catch (const std::exception &e) {
			svc.failed.fetch_add(1, std::memory_order_relaxed);
			return {MHD_HTTP_INTERNAL_SERVER_ERROR,
				json_error(e.what(), VACCEL_ENOMEM)};
		}
	}
}

// A 1 x 1 black PNG: what the readiness probe classifies.
const unsigned char kProbePng[] = {
	0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d,
	0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x00, 0x00, 0x00, 0x00, 0x3a, 0x7e, 0x9b, 0x55, 0x00, 0x00, 0x00,
	0x0a, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0x60, 0x00, 0x00, 0x00,
	0x02, 0x00, 0x01, 0xe5, 0x27, 0xde, 0xfc, 0x00, 0x00, 0x00, 0x00, 0x49,
	0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
};

// Ready: a new session, with the model registered, classifies a tiny image.
// That is the whole path: the plugin, the model and, over rpc, a new
// connection to the agent and the agent's plugin. Probed at most once a
// second, whatever the rate of probes; while one probe runs (an agent that
// does not answer holds it up to VACCEL_RPC_TIMEOUT_MS), the others get
// the last answer instead of waiting.
Answer ready(Service &svc)
{
	std::unique_lock<std::mutex> g(svc.ready_lock, std::try_to_lock);
	if (!g.owns_lock()) {
		std::lock_guard<std::mutex> seen(svc.ready_seen_lock);
		if (svc.ready_status)
			return {(unsigned)svc.ready_status, svc.ready_body};
	}
	if (!g.owns_lock())
		g.lock();
	auto now = Clock::now();
	if (svc.ready_status && now - svc.ready_at < std::chrono::seconds(1))
		return {(unsigned)svc.ready_status, svc.ready_body};
	Answer a{MHD_HTTP_SERVICE_UNAVAILABLE, {}};
	vaccel_error_clear();
	const char *plugin = vaccel_plugin_for_op(VACCEL_OP_IMAGE_CLASSIFY, 0);
	if (!plugin) {
		a.body = json_error("no loaded plugin serves image classification "
				    "(VACCEL_PLUGINS)",
				    VACCEL_ENOTSUP);
	} else {
		try {
			vaccel::Session s;
			svc.model->register_with(s);
			s.classify(kProbePng, sizeof kProbePng);
			a = {MHD_HTTP_OK, "{\"ready\": true, \"plugin\": " +
						  json_string(plugin) + "}"};
		} catch (const vaccel::Error &e) {
			std::string why = e.message().empty() ? e.what() : e.message();
			a.body = json_error(why, e.code());
		} catch (const std::exception &e) {
			a.body = json_error(e.what(), VACCEL_ENOMEM);
		}
	}
	vaccel_error_clear();
	std::lock_guard<std::mutex> seen(svc.ready_seen_lock);
	svc.ready_at = now;
	svc.ready_status = (int)a.status;
	svc.ready_body = a.body;
	return a;
}

// One classification request, from its headers to its completion.
struct Request {
	std::string body;
	bool too_large = false;
	bool admitted = false; // counted in Service::admitted
	// Decided from the headers, sent once the body has been read and
	// dropped.
	std::optional<Answer> refusal;
	const char *allow = nullptr;
};

MHD_Result reply(MHD_Connection *c, unsigned status, const std::string &body,
		 const char *allow = nullptr)
{
	MHD_Response *r = MHD_create_response_from_buffer(
		body.size(), const_cast<char *>(body.data()), MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	if (allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	if (status == MHD_HTTP_SERVICE_UNAVAILABLE)
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "1");
	MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

void log_request(const Service &svc, MHD_Connection *c, const char *method,
		 const char *url, unsigned status)
{
	if (!svc.opt.log_requests)
		return;
	char peer[INET6_ADDRSTRLEN + 8] = "-";
	const MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci && ci->client_addr) {
		const sockaddr *sa = ci->client_addr;
		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const sockaddr_in *)sa)->sin_addr, peer,
				  sizeof peer);
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const sockaddr_in6 *)sa)->sin6_addr,
				  peer, sizeof peer);
		else if (sa->sa_family == AF_UNIX)
			std::snprintf(peer, sizeof peer, "unix");
	}
	std::fprintf(stderr, "%s %s %s %u\n", peer, method, url, status);
}

MHD_Result respond(Service &svc, MHD_Connection *c, const char *method,
		   const char *url, unsigned status, const std::string &body,
		   const char *allow = nullptr)
{
	log_request(svc, c, method, url, status);
	return reply(c, status, body, allow);
}

// Routing, from the headers alone: a refusal, or nothing for a
// classification request that is admitted (counted in svc.admitted).
std::optional<Answer> route(Service &svc, MHD_Connection *c, std::string_view path,
			    std::string_view method, const char **allow)
{
	bool get = method == MHD_HTTP_METHOD_GET || method == MHD_HTTP_METHOD_HEAD;
	if (path == "/health/live" || path == "/health/ready") {
		if (!get) {
			*allow = "GET, HEAD";
			return Answer{MHD_HTTP_METHOD_NOT_ALLOWED,
				      json_error("use GET", EINVAL)};
		}
		if (path == "/health/live")
			return Answer{MHD_HTTP_OK, "{\"live\": true}"};
		return ready(svc);
	}
	if (path != "/classify" && path != "/")
		return Answer{MHD_HTTP_NOT_FOUND,
			      json_error("no such resource: POST an image to /classify",
					 ENOENT)};
	if (method != MHD_HTTP_METHOD_POST) {
		*allow = "POST";
		return Answer{MHD_HTTP_METHOD_NOT_ALLOWED,
			      json_error("POST an image", EINVAL)};
	}
	uint64_t declared = 0;
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl && parse_uint(cl, UINT64_MAX, &declared) && declared > svc.opt.max_body)
		return Answer{MHD_HTTP_CONTENT_TOO_LARGE,
			      json_error("the image is larger than " +
						 std::to_string(svc.opt.max_body) +
						 " bytes (--max-body)",
					 VACCEL_ENOSPC)};
	if (svc.admitted.fetch_add(1) >= svc.opt.max_inflight) {
		svc.admitted.fetch_sub(1);
		svc.rejected.fetch_add(1, std::memory_order_relaxed);
		return Answer{MHD_HTTP_SERVICE_UNAVAILABLE,
			      json_error("overloaded: " +
						 std::to_string(svc.opt.max_inflight) +
						 " classifications in flight "
						 "(--max-inflight); retry",
					 VACCEL_EBUSY)};
	}
	return std::nullopt;
}

MHD_Result handle(void *cls, MHD_Connection *c, const char *url,
		  const char *method, const char * /*version*/,
		  const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	Service &svc = *static_cast<Service *>(cls);
	auto *req = static_cast<Request *>(*con_cls);
	if (!req) {
		const char *allow = nullptr;
		std::optional<Answer> refusal = route(svc, c, url, method, &allow);
		// A refusal is sent at once when there is no body, when the
		// client waits for "100 Continue" before sending it, or when
		// the body declared is far over the limit (the connection then
		// closes). Otherwise the body, coming anyway, is read and
		// dropped first (up to --max-body bytes, chunked or not), so
		// that a client still sending sees the answer rather than a
		// broken connection.
		const char *cl = MHD_lookup_connection_value(
			c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		const char *te = MHD_lookup_connection_value(
			c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
		uint64_t declared = 0;
		bool has_length = cl && parse_uint(cl, UINT64_MAX, &declared);
		bool body = (has_length && declared) || te;
		bool expects = MHD_lookup_connection_value(
				       c, MHD_HEADER_KIND, MHD_HTTP_HEADER_EXPECT) != nullptr;
		if (refusal && (!body || expects || declared / 4 > svc.opt.max_body))
			return respond(svc, c, method, url, refusal->status,
				       refusal->body, allow);
		try {
			req = new Request;
		} catch (const std::bad_alloc &) {
			if (!refusal)
				svc.admitted.fetch_sub(1);
			return MHD_NO;
		}
		req->admitted = !refusal;
		req->refusal = std::move(refusal);
		req->allow = allow;
		if (has_length && !req->refusal) {
			try {
				req->body.reserve(std::min<uint64_t>(declared, 1u << 20));
			} catch (const std::bad_alloc &) {
			}
		}
		*con_cls = req;
		return MHD_YES;
	}
	if (*upload_data_size) {
		// Chunked bodies declare no size: counted as they come. Past
		// the limit the rest is read and dropped, and answered 413;
		// a refused request's body is dropped up to the limit, then
		// the connection closes.
		if (!req->too_large &&
		    req->body.size() + *upload_data_size > svc.opt.max_body) {
			if (req->refusal)
				return MHD_NO;
			req->too_large = true;
			std::string().swap(req->body);
		}
		if (!req->too_large) {
			try {
				req->body.append(upload_data, *upload_data_size);
			} catch (const std::bad_alloc &) {
				return MHD_NO;
			}
		}
		if (req->refusal)
			req->body.clear(); // only counted
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (req->refusal)
		return respond(svc, c, method, url, req->refusal->status,
			       req->refusal->body, req->allow);
	if (req->too_large)
		return respond(svc, c, method, url, MHD_HTTP_CONTENT_TOO_LARGE,
			       json_error("the image is larger than " +
						  std::to_string(svc.opt.max_body) +
						  " bytes (--max-body)",
					  VACCEL_ENOSPC));
	Answer a = classify(svc, req->body);
	std::string().swap(req->body);
	return respond(svc, c, method, url, a.status, a.body);
}

void completed(void *cls, MHD_Connection *, void **con_cls,
	       MHD_RequestTerminationCode)
{
	auto *req = static_cast<Request *>(*con_cls);
	if (!req)
		return;
	if (req->admitted)
		static_cast<Service *>(cls)->admitted.fetch_sub(1);
	delete req;
	*con_cls = nullptr;
}

} // namespace

int main(int argc, char **argv)
{
	int rc = 0;
	std::optional<Options> opt = parse(argc, argv, &rc);
	if (!opt)
		return rc;
	Service svc;
	svc.opt = *opt;
	try {
		svc.model = std::make_unique<vaccel::Resource>(svc.opt.model,
							       VACCEL_RESOURCE_MODEL);
	} catch (const vaccel::Error &e) {
		std::fprintf(stderr, "vaccel-classify-server: model %s: %s\n",
			     svc.opt.model.c_str(), e.what());
		return 1;
	}

	// SIGTERM and SIGINT are taken by sigwait() below; the HTTP threads
	// inherit the mask, so no handler runs on them.
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, nullptr);
	std::signal(SIGPIPE, SIG_IGN);

	std::string shown;
	int fd = listen_on(svc.opt.listen, &shown);
	if (fd < 0)
		return 1;
	// ITC: stopping wakes every thread through its own channel, whether
	// or not it is polling the listening socket at that moment.
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
			 MHD_USE_ITC | MHD_USE_ERROR_LOG;
	MHD_OptionItem pool_opts[] = {
		{svc.opt.threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END,
		 (intptr_t)svc.opt.threads, nullptr},
		{MHD_OPTION_END, 0, nullptr},
	};
	MHD_Daemon *d = MHD_start_daemon(
		flags, 0, nullptr, nullptr, &handle, &svc,
		MHD_OPTION_LISTEN_SOCKET, fd,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)svc.opt.max_connections,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)svc.opt.timeout_s,
		MHD_OPTION_NOTIFY_COMPLETED, &completed, &svc,
		MHD_OPTION_ARRAY, pool_opts,
		MHD_OPTION_END);
	if (!d) {
		std::fprintf(stderr, "vaccel-classify-server: cannot start the HTTP "
				     "server on %s\n",
			     shown.c_str());
		close(fd);
		return 1;
	}
	// Whether it can serve yet: said once, not fatal (an agent may come
	// up later; /health/ready tells).
	Answer r = ready(svc);
	if (r.status != MHD_HTTP_OK)
		std::fprintf(stderr, "vaccel-classify-server: not ready yet: %s\n",
			     r.body.c_str());
	std::printf("listening on %s\n", shown.c_str());
	std::fflush(stdout);

	int sig = 0;
	while (sigwait(&stop, &sig) != 0) {
	}
	std::fprintf(stderr, "vaccel-classify-server: %s: stopping\n",
		     sig == SIGTERM ? "SIGTERM" : "SIGINT");
	// Closes the listening socket, finishes the requests being served,
	// joins the threads (their sessions go with them).
	MHD_stop_daemon(d);
	if (svc.opt.listen.rfind("unix://", 0) == 0)
		unlink(svc.opt.listen.substr(7).c_str());
	svc.model.reset();
	std::fprintf(stderr,
		     "vaccel-classify-server: stopped: %llu classified, %llu failed, "
		     "%llu refused (overload)\n",
		     (unsigned long long)svc.served.load(),
		     (unsigned long long)svc.failed.load(),
		     (unsigned long long)svc.rejected.load());
	return 0;
}
