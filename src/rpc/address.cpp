// SPDX-License-Identifier: Apache-2.0
// Addresses (unix://, tcp://, vsock://): parsed, resolved, connected to and
// listened on (net.hpp).
#include "net.hpp"

#include "net.hpp"

#include "vaccel/error.h"
#include "vaccel/log.h"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <climits>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <linux/vm_sockets.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>


namespace vaccel::rpc {

std::string Address::uri() const
{
	switch (kind) {
	case kUnix:
		return "unix://" + path;
	case kTcp:
		return "tcp://" +
		       (host.find(':') != std::string::npos ? "[" + host + "]" : host) +
		       ":" + std::to_string(port);
	default:
		return "vsock://" + std::to_string(cid) + ":" + std::to_string(port);
	}
}

namespace {

bool parse_u32(const std::string &s, uint64_t max, uint64_t &v)
{
	if (s.empty() || s.size() > 10)
		return false;
	v = 0;
	for (char c : s) {
		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (uint64_t)(c - '0');
	}
	return v <= max;
}

// "host:port" or "[v6]:port"
bool split_host_port(const std::string &s, std::string &host, std::string &port)
{
	if (!s.empty() && s[0] == '[') {
		auto close = s.find(']');
		if (close == std::string::npos || close + 1 >= s.size() ||
		    s[close + 1] != ':')
			return false;
		host = s.substr(1, close - 1);
		port = s.substr(close + 2);
		return true;
	}
	auto colon = s.rfind(':');
	if (colon == std::string::npos)
		return false;
	host = s.substr(0, colon);
	port = s.substr(colon + 1);
	return !host.empty();
}

int sock_error(int fd)
{
	int err = 0;
	socklen_t len = sizeof err;
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
	return err;
}

// Socket addresses of @p a, for connect and bind.
int resolve(const Address &a, bool passive,
	    int (*use)(int family, const sockaddr *sa, socklen_t len, void *ctx),
	    void *ctx)
{
	if (a.kind == Address::kUnix) {
		sockaddr_un un{};
		un.sun_family = AF_UNIX;
		if (a.path.size() >= sizeof(un.sun_path))
			return VACCEL_ENAMETOOLONG;
		memcpy(un.sun_path, a.path.c_str(), a.path.size() + 1);
		return use(AF_UNIX, (sockaddr *)&un, sizeof un, ctx);
	}
	if (a.kind == Address::kVsock) {
		sockaddr_vm vm{};
		vm.svm_family = AF_VSOCK;
		vm.svm_cid = a.cid;
		vm.svm_port = a.port ? a.port : VMADDR_PORT_ANY;
		return use(AF_VSOCK, (sockaddr *)&vm, sizeof vm, ctx);
	}
	// Numeric addresses without the resolver: a static guest's libc may
	// have no name service at all.
	sockaddr_in v4{};
	if (inet_pton(AF_INET, a.host.c_str(), &v4.sin_addr) == 1) {
		v4.sin_family = AF_INET;
		v4.sin_port = htons((uint16_t)a.port);
		return use(AF_INET, (sockaddr *)&v4, sizeof v4, ctx);
	}
	sockaddr_in6 v6{};
	if (inet_pton(AF_INET6, a.host.c_str(), &v6.sin6_addr) == 1) {
		v6.sin6_family = AF_INET6;
		v6.sin6_port = htons((uint16_t)a.port);
		return use(AF_INET6, (sockaddr *)&v6, sizeof v6, ctx);
	}
	addrinfo hints{}, *res = nullptr;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = (passive ? AI_PASSIVE : 0) | AI_NUMERICSERV;
	std::string port = std::to_string(a.port);
	int gai = getaddrinfo(a.host.c_str(), port.c_str(), &hints, &res);
	if (gai) {
		vaccel_error("rpc: cannot resolve %s: %s", a.host.c_str(),
			     gai_strerror(gai));
		return VACCEL_ENOENT;
	}
	int ret = VACCEL_ENOENT;
	for (addrinfo *ai = res; ai; ai = ai->ai_next) {
		ret = use(ai->ai_family, ai->ai_addr, ai->ai_addrlen, ctx);
		if (ret == 0)
			break;
	}
	freeaddrinfo(res);
	return ret;
}

bool is_loopback(const sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((const sockaddr_in6 *)sa)->sin6_addr);
	return true;
}

} // namespace

int parse_address(const std::string &uri, Address &out, std::string &why)
{
	auto sep = uri.find("://");
	if (sep == std::string::npos) {
		why = "expected unix:///path, tcp://host:port or vsock://cid:port";
		return VACCEL_EINVAL;
	}
	std::string scheme = uri.substr(0, sep), rest = uri.substr(sep + 3);
	out = Address{};
	if (scheme == "unix") {
		if (rest.empty() || rest[0] != '/') {
			why = "unix socket path must be absolute";
			return VACCEL_EINVAL;
		}
		if (rest.size() >= sizeof(sockaddr_un{}.sun_path)) {
			why = "unix socket path too long";
			return VACCEL_EINVAL;
		}
		out.kind = Address::kUnix;
		out.path = rest;
		return VACCEL_OK;
	}
	std::string host, port;
	uint64_t p = 0;
	if (!split_host_port(rest, host, port) ||
	    !parse_u32(port, scheme == "vsock" ? UINT32_MAX - 1 : 65535, p)) {
		why = "expected " + scheme + "://" +
		      (scheme == "vsock" ? "cid" : "host") + ":port";
		return VACCEL_EINVAL;
	}
	out.port = (uint32_t)p;
	if (scheme == "tcp") {
		out.kind = Address::kTcp;
		out.host = host;
		return VACCEL_OK;
	}
	if (scheme == "vsock") {
		uint64_t cid = 0;
		if (!parse_u32(host, UINT32_MAX, cid)) {
			why = "vsock cid must be a number";
			return VACCEL_EINVAL;
		}
		out.kind = Address::kVsock;
		out.cid = (uint32_t)cid;
		return VACCEL_OK;
	}
	why = "unknown scheme '" + scheme + "'";
	return VACCEL_EINVAL;
}

namespace {
struct ConnectCtx {
	int timeout_ms;
	Fd *out;
};

int try_connect(int family, const sockaddr *sa, socklen_t len, void *p)
{
	auto *ctx = static_cast<ConnectCtx *>(p);
	Fd fd(socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
	if (!fd)
		return errno;
	if (connect(fd.get(), sa, len) != 0) {
		if (errno != EINPROGRESS && errno != EAGAIN)
			return errno;
		pollfd pfd{fd.get(), POLLOUT, 0};
		int r = poll(&pfd, 1, ctx->timeout_ms);
		if (r == 0)
			return VACCEL_ETIMEDOUT;
		if (r < 0)
			return errno;
		if (int err = sock_error(fd.get()))
			return err;
	}
	if (family == AF_INET || family == AF_INET6) {
		int one = 1;
		setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	}
	*ctx->out = std::move(fd);
	return 0;
}

struct ListenCtx {
	bool allow_remote;
	Fd *out;
	sockaddr_storage bound;
	socklen_t bound_len;
};

int try_listen(int family, const sockaddr *sa, socklen_t len, void *p)
{
	auto *ctx = static_cast<ListenCtx *>(p);
	if (!ctx->allow_remote && !is_loopback(sa)) {
		vaccel_error("rpc: refusing to listen on a non-loopback address "
			     "without --allow-remote");
		return VACCEL_EPERM;
	}
	Fd fd(socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0));
	if (!fd)
		return errno;
	int one = 1;
	if (family != AF_UNIX)
		setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd.get(), sa, len) != 0 || listen(fd.get(), 128) != 0)
		return errno;
	ctx->bound_len = sizeof ctx->bound;
	getsockname(fd.get(), (sockaddr *)&ctx->bound, &ctx->bound_len);
	*ctx->out = std::move(fd);
	return 0;
}
} // namespace

int connect_to(const Address &a, int timeout_ms, Fd &out)
{
	ConnectCtx ctx{timeout_ms, &out};
	return resolve(a, false, try_connect, &ctx);
}

int listen_on(const Address &a, bool allow_remote, Fd &out, Address &bound)
{
	ListenCtx ctx{allow_remote, &out, {}, 0};
	int ret = resolve(a, true, try_listen, &ctx);
	if (ret)
		return ret;
	bound = a;
	if (ctx.bound.ss_family == AF_INET)
		bound.port = ntohs(((sockaddr_in *)&ctx.bound)->sin_port);
	else if (ctx.bound.ss_family == AF_INET6)
		bound.port = ntohs(((sockaddr_in6 *)&ctx.bound)->sin6_port);
	else if (ctx.bound.ss_family == AF_VSOCK)
		bound.port = ((sockaddr_vm *)&ctx.bound)->svm_port;
	return 0;
}

bool bound_to_loopback(int fd)
{
	sockaddr_storage ss{};
	socklen_t len = sizeof ss;
	if (getsockname(fd, (sockaddr *)&ss, &len) != 0)
		return false;
	return ss.ss_family != AF_VSOCK && is_loopback((const sockaddr *)&ss);
}

} // namespace vaccel::rpc
