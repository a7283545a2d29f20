// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: everything a guest can send the agent on one
// connection, served by the agent's own connection code (agent/connection.cpp,
// agent/model.cpp, linked in) with the noop and exec plugins built in.
//
// The input is a sequence of records, [type: 1 byte][length: 2 bytes LE]
// [body: length bytes]. A guest thread sends a valid HELLO, then each
// record as a frame with a valid header, and reads its reply before the
// next (so that it can tell the fuzzer's frames the ids the agent gave):
//   type % 12     the message type; 0: the body goes out as raw bytes
//                 (headers are guest input too) and the guest then stops;
//   type & 0x80   the body's first 8 bytes become the last session id the
//                 agent returned, type & 0x40 the next 8 the last resource
//                 id (ids are the runtime's, which no fuzzer can guess);
//   blob_put      the body's 32-byte hash is made true, for the same reason.
// Then the guest closes its end. Whatever came before, the agent must drop
// or finish the connection without a crash, a leak or a hang. The limits
// are small so that their refusals are reached: a memory budget that an
// arena or a few large frames exhaust, a cache quota a few blobs exceed,
// and an --exec-dir (empty) so that exec paths are resolved and checked.
#include "../../agent/agent.hpp"

#include <sys/socket.h>
#include <thread>

using namespace vaccel::agent;

namespace {

bool send_all(int fd, const void *p, size_t n)
{
	auto *c = static_cast<const uint8_t *>(p);
	while (n) {
		ssize_t k = send(fd, c, n, MSG_NOSIGNAL);
		if (k <= 0)
			return false;
		c += k;
		n -= (size_t)k;
	}
	return true;
}

bool recv_all(int fd, void *p, size_t n)
{
	auto *c = static_cast<uint8_t *>(p);
	while (n) {
		ssize_t k = recv(fd, c, n, 0);
		if (k <= 0)
			return false;
		c += k;
		n -= (size_t)k;
	}
	return true;
}

// One request and its reply; false once the agent stops answering. The
// reply's first 8 bytes land in @p value.
bool ask(int fd, uint16_t type, uint64_t id, const uint8_t *body, uint32_t len,
	 int64_t *value)
{
	Header h;
	h.type = type;
	h.id = id;
	h.body_len = len;
	uint8_t hb[kHeaderSize];
	encode_header(h, hb);
	if (!send_all(fd, hb, sizeof hb) || !send_all(fd, body, len) ||
	    !recv_all(fd, hb, sizeof hb))
		return false;
	Header r = decode_header(hb);
	if (r.id != id || r.body_len > (1u << 20))
		abort(); // a reply to another request, or absurd
	std::vector<uint8_t> rb(r.body_len);
	if (!recv_all(fd, rb.data(), rb.size()))
		return false;
	if (r.status == 0 && rb.size() >= 8)
		memcpy(value, rb.data(), 8);
	return true;
}

void guest(int fd, const uint8_t *data, size_t size)
{
	timeval tv{5, 0}; // the agent answers or closes long before
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	uint32_t v[2] = {kMinVersion, kVersion};
	int64_t value = 0, sid = 0, rid = 0;
	bool ok = ask(fd, (uint16_t)Msg::hello, 1, (const uint8_t *)v, sizeof v,
		      &value);
	uint64_t id = 2;
	for (size_t i = 0; ok && i + 3 <= size;) {
		uint8_t t = data[i];
		size_t len = data[i + 1] | (size_t)data[i + 2] << 8;
		i += 3;
		len = std::min(len, size - i);
		std::vector<uint8_t> body(data + i, data + i + len);
		i += len;
		uint16_t type = t % 12;
		if (type == 0) {
			send_all(fd, body.data(), body.size());
			break;
		}
		if (t & 0x80 && len >= 8)
			memcpy(body.data(), &sid, 8);
		if (t & 0x40 && len >= 16)
			memcpy(body.data() + 8, &rid, 8);
		if (type == (uint16_t)Msg::blob_put && len >= 32) {
			Digest d = Sha256::of(body.data() + 32, len - 32);
			memcpy(body.data(), d.data(), 32);
		}
		value = 0;
		ok = ask(fd, type, id++, body.data(), (uint32_t)len, &value);
		if (type == (uint16_t)Msg::session_init && value)
			sid = value;
		if (type == (uint16_t)Msg::resource_register && value)
			rid = value;
	}
	shutdown(fd, SHUT_WR);
	char buf[4096];
	while (recv(fd, buf, sizeof buf, 0) > 0)
		;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
	// The agent logs every refusal: to /dev/null, not to the fuzzer's
	// output.
	struct vaccel_config cfg {};
	if (vaccel_config_init(&cfg, "noop:exec", VACCEL_LOG_ERROR, "/dev/null",
			       false, false) ||
	    vaccel_bootstrap_with_config(&cfg))
		abort();
	vaccel_config_release(&cfg);
	opt.quiet = true;
	opt.timeout_ms = 1000;
	opt.spin_us = opt.spin_max_us = 0;
	opt.max_message = 1 << 16;
	opt.max_sessions = 8;
	opt.max_resources = 8;
	opt.cache_bytes = 1 << 20;
	opt.arena_max = 1 << 20;
	opt.mailbox_max = 1 << 16;
	budget.set_limit(384 << 10);
	pinned.set_quota(96 << 10);
	metrics.enable(); // counted as with --metrics, rendered below
	static char dir[] = "/tmp/vaccel-fuzz-exec.XXXXXX";
	if (!mkdtemp(dir))
		abort();
	opt.exec_dirs.push_back(std::string(dir) + "/");
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		abort();
	std::thread t(guest, sv[1], data, size);
	{
		Connection c(1, Stream(Fd(sv[0]), opt.timeout_ms, 0, 0), "fuzz",
			     "fuzz", Metrics::kUnix);
		c.serve();
	}
	t.join();
	close(sv[1]);
	// Everything the connection held was given back.
	if (budget.used() != cache.bytes())
		abort();
	// Whatever was counted renders; the connection's sessions are gone.
	if (metrics.render().find("vaccel_agent_sessions 0\n") == std::string::npos)
		abort();
	return 0;
}
