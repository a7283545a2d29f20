// SPDX-License-Identifier: Apache-2.0
// A raw connection to the agent, for tests that send what no client would.
#pragma once

#include "rpc/net.hpp"
#include "rpc/wire.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <vector>
#include <fcntl.h>
#include <string>
#include <sys/socket.h>
#include <sys/time.h>

namespace vtest {

using namespace vaccel::rpc;

struct Raw {
	Fd fd;
	explicit Raw(const std::string &uri)
	{
		Address a;
		std::string why;
		parse_address(uri, a, why);
		connect_to(a, 1000, fd);
		fcntl(fd.get(), F_SETFL, 0); // blocking, with receive timeouts
	}
	// TCP from the local address @p from (127.0.0.2 ...): another peer.
	Raw(const std::string &uri, const char *from)
	{
		Address a;
		std::string why;
		parse_address(uri, a, why);
		fd.reset(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
		sockaddr_in src{}, dst{};
		src.sin_family = dst.sin_family = AF_INET;
		inet_pton(AF_INET, from, &src.sin_addr);
		inet_pton(AF_INET, a.host.c_str(), &dst.sin_addr);
		dst.sin_port = htons((uint16_t)a.port);
		if (bind(fd.get(), (sockaddr *)&src, sizeof src) ||
		    connect(fd.get(), (sockaddr *)&dst, sizeof dst))
			fd.reset();
	}
	// One frame and its reply: the reply's status, -1 if the connection
	// ended instead; the reply's body in @p out.
	int call(Msg type, const std::vector<uint8_t> &body,
		 std::vector<uint8_t> *out = nullptr)
	{
		header(type, (uint32_t)body.size());
		send(body.data(), body.size());
		uint8_t hb[kHeaderSize];
		if (!recv_all(hb, sizeof hb))
			return -1;
		Header h = decode_header(hb);
		std::vector<uint8_t> b(h.body_len);
		if (h.body_len && !recv_all(b.data(), b.size()))
			return -1;
		if (out)
			*out = std::move(b);
		return (int)h.status;
	}
	// HELLO and a session: its id, or -1.
	int64_t open_session()
	{
		hello();
		uint32_t flags[2] = {0, 0};
		std::vector<uint8_t> out;
		if (call(Msg::session_init, {(uint8_t *)flags, (uint8_t *)flags + 8},
			 &out) != 0 || out.size() != 8)
			return -1;
		int64_t sid;
		memcpy(&sid, out.data(), 8);
		return sid;
	}
	// An OP body: @p in are (type, bytes) read args, @p out_sizes the
	// sizes claimed for BUFFER write args.
	static std::vector<uint8_t>
	op_body(int64_t sid, uint32_t op,
		const std::vector<std::pair<uint32_t, std::vector<uint8_t>>> &in,
		const std::vector<uint64_t> &out_sizes)
	{
		Writer w;
		w.put<int64_t>(sid).put<uint32_t>(op).put<uint32_t>((uint32_t)in.size())
			.put<uint32_t>((uint32_t)out_sizes.size());
		for (auto &a : in)
			w.put<uint32_t>(a.first).put<uint32_t>(0).put<uint32_t>(0)
				.put<uint32_t>(0).put<uint64_t>(a.second.size());
		for (uint64_t n : out_sizes)
			w.put<uint32_t>(VACCEL_ARG_BUFFER).put<uint32_t>(0)
				.put<uint32_t>(0).put<uint32_t>(0).put<uint64_t>(n);
		w.pad();
		for (auto &a : in) {
			w.bytes(a.second.data(), a.second.size());
			w.pad();
		}
		return std::vector<uint8_t>(w.buf().begin(), w.buf().end());
	}
	void send(const void *p, size_t n)
	{
		if (::send(fd.get(), p, n, MSG_NOSIGNAL) < 0)
			return;
	}
	void header(Msg type, uint32_t len, uint32_t magic = kMagic)
	{
		Header h;
		h.magic = magic;
		h.type = (uint16_t)type;
		h.id = 1;
		h.body_len = len;
		uint8_t b[kHeaderSize];
		encode_header(h, b);
		send(b, sizeof b);
	}
	void hello()
	{
		header(Msg::hello, 8);
		uint32_t v[2] = {kVersion, kVersion};
		send(v, 8);
		uint8_t reply[kHeaderSize + 16];
		recv_all(reply, sizeof reply);
	}
	bool recv_all(void *p, size_t n)
	{
		timeval tv{2, 0};
		setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		auto *c = static_cast<char *>(p);
		while (n) {
			ssize_t r = recv(fd.get(), c, n, 0);
			if (r <= 0)
				return false;
			c += r;
			n -= (size_t)r;
		}
		return true;
	}
	// True once the agent has closed the connection.
	bool closed_by_agent()
	{
		char c;
		timeval tv{2, 0};
		setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		fcntl(fd.get(), F_SETFL, 0);
		for (;;) {
			ssize_t r = recv(fd.get(), &c, 1, 0);
			if (r == 0)
				return true;
			if (r < 0) // reset counts as closed; a timeout does not
				return errno != EAGAIN && errno != EWOULDBLOCK;
		}
	}
};

// Asks for an arena of @p want bytes on @p r; the reply's status, size and
// descriptor.
struct ArenaReply {
	int status = -1;
	uint64_t size = 0;
	Fd fd;
};
inline ArenaReply ask_arena(Raw &r, uint64_t want, Msg type = Msg::arena)
{
	r.header(type, 8);
	r.send(&want, 8);
	Stream st(Fd(dup(r.fd.get())), 2000, 0);
	ArenaReply out;
	uint8_t hb[kHeaderSize];
	if (st.read_exact_fd(hb, kHeaderSize, out.fd))
		return out;
	Header h = decode_header(hb);
	out.status = h.status;
	if (h.body_len == 8)
		st.read_exact(&out.size, 8);
	fcntl(r.fd.get(), F_SETFL, 0); // Raw reads blocking
	return out;
}

} // namespace vtest
