// SPDX-License-Identifier: Apache-2.0
// The wire's pieces on their own: SHA-256, addresses, the OP decoder.
#include "rpc/net.hpp"
#include "rpc/sha256.hpp"
#include "rpc/wire.hpp"

#include <vaccel.h>

#include <gtest/gtest.h>
#include <atomic>
#include <chrono>
#include <random>
#include <thread>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <linux/vm_sockets.h>

using namespace vaccel::rpc;

TEST(Sha256, FipsVectors)
{
	EXPECT_EQ(to_hex(Sha256::of("", 0)),
		  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	EXPECT_EQ(to_hex(Sha256::of("abc", 3)),
		  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	EXPECT_EQ(to_hex(Sha256::of(two, strlen(two))),
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	// A million 'a', fed in uneven pieces.
	std::string a(1000000, 'a');
	Sha256 h;
	for (size_t at = 0, step = 1; at < a.size(); at += step, step = step * 3 % 997 + 1)
		h.update(a.data() + at, std::min(step, a.size() - at));
	EXPECT_EQ(to_hex(h.finish()),
		  "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Address, Parse)
{
	Address a;
	std::string why;
	ASSERT_EQ(parse_address("unix:///run/vaccel.sock", a, why), 0);
	EXPECT_EQ(a.kind, Address::kUnix);
	EXPECT_EQ(a.path, "/run/vaccel.sock");
	ASSERT_EQ(parse_address("tcp://127.0.0.1:8192", a, why), 0);
	EXPECT_EQ(a.kind, Address::kTcp);
	EXPECT_EQ(a.host, "127.0.0.1");
	EXPECT_EQ(a.port, 8192);
	ASSERT_EQ(parse_address("tcp://[::1]:0", a, why), 0);
	EXPECT_EQ(a.host, "::1");
	EXPECT_EQ(a.uri(), "tcp://[::1]:0");
	ASSERT_EQ(parse_address("vsock://2:1234", a, why), 0);
	EXPECT_EQ(a.kind, Address::kVsock);
	EXPECT_EQ(a.cid, 2u);
	EXPECT_EQ(a.port, 1234);
	EXPECT_EQ(a.uri(), "vsock://2:1234");
	for (const char *bad : {"", "unix://relative", "tcp://host", "tcp://h:99999",
				"tcp://h:-1", "vsock://x:1", "vsock://1:", "http://h:1",
				"tcp://:80", "nonsense"})
		EXPECT_EQ(parse_address(bad, a, why), VACCEL_EINVAL) << bad;
	std::string longpath = "unix:///" + std::string(200, 'x');
	EXPECT_EQ(parse_address(longpath, a, why), VACCEL_EINVAL);
}

TEST(Address, VsockListenerSetsUp)
{
	// Only a listener: nothing here may connect to CID 2 or 3.
	int probe = socket(AF_VSOCK, SOCK_STREAM, 0);
	if (probe < 0)
		GTEST_SKIP() << "no AF_VSOCK on this kernel";
	close(probe);
	Address a, bound;
	std::string why;
	ASSERT_EQ(parse_address("vsock://4294967295:0", a, why), 0); // VMADDR_CID_ANY
	Fd fd;
	int ret = listen_on(a, false, fd, bound);
	if (ret == EADDRNOTAVAIL || ret == ENODEV)
		GTEST_SKIP() << "vsock transport not loaded";
	ASSERT_EQ(ret, 0);
	EXPECT_TRUE(fd);
	EXPECT_NE(bound.port, 0); // the kernel picked one
}

TEST(Address, TcpRefusesNonLoopbackUnlessAllowed)
{
	Address a, bound;
	std::string why;
	ASSERT_EQ(parse_address("tcp://0.0.0.0:0", a, why), 0);
	Fd fd;
	EXPECT_EQ(listen_on(a, false, fd, bound), VACCEL_EPERM);
	ASSERT_EQ(parse_address("tcp://127.0.0.1:0", a, why), 0);
	EXPECT_EQ(listen_on(a, false, fd, bound), 0);
	EXPECT_GT(bound.port, 0);
}

namespace {

std::vector<uint8_t> encode_op(int64_t sid, uint32_t op,
			       const std::vector<std::vector<uint8_t>> &rd,
			       const std::vector<uint64_t> &wr)
{
	Writer w;
	encode_op_head(w, sid, op, (uint32_t)rd.size(), (uint32_t)wr.size());
	for (auto &r : rd)
		encode_arg_desc(w, ArgDesc{VACCEL_ARG_BUFFER, 0, 0, 0, r.size()});
	for (auto s : wr)
		encode_arg_desc(w, ArgDesc{VACCEL_ARG_BUFFER, 0, 0, 0, s});
	w.pad();
	for (auto &r : rd)
		w.bytes(r.data(), r.size()).pad();
	return w.buf();
}

} // namespace

TEST(Wire, DecodeOpRoundTrip)
{
	auto body = encode_op(7, VACCEL_OP_NOOP, {{1, 2, 3}, {}, {9}}, {16, 0});
	OpRequest op;
	ASSERT_EQ(decode_op(body.data(), body.size(), 1 << 20, 0, op), 0);
	EXPECT_EQ(op.session, 7);
	ASSERT_EQ(op.read.size(), 3u);
	EXPECT_EQ(op.read[0].size, 3u);
	EXPECT_EQ(op.read_data[0][2], 3);
	EXPECT_EQ(op.read_data[2][0], 9);
	EXPECT_EQ(op.write_total, 16u);
	// Every truncation is refused.
	for (size_t n = 0; n < body.size(); ++n)
		EXPECT_NE(decode_op(body.data(), n, 1 << 20, 0, op), 0) << n;
	// Trailing garbage too.
	body.push_back(0);
	EXPECT_EQ(decode_op(body.data(), body.size(), 1 << 20, 0, op), VACCEL_EINVAL);
}

TEST(Wire, RegisterRoundTripAndLimits)
{
	RegisterRequest req;
	req.session = 42;
	req.type = VACCEL_RESOURCE_MODEL;
	for (int i = 0; i < 3; ++i) {
		RegisterBlob b;
		b.hash.fill((uint8_t)(0x10 * i + 1));
		b.name = std::string(1 + 100 * i, (char)('a' + i));
		req.blobs.push_back(b);
	}
	req.blobs[1].name[5] = '/'; // decodes: refusing it is the agent's call
	Writer w;
	encode_register(w, req);
	RegisterRequest got;
	ASSERT_TRUE(decode_register(w.buf().data(), w.size(), got));
	EXPECT_EQ(got.session, 42);
	EXPECT_EQ(got.type, (uint32_t)VACCEL_RESOURCE_MODEL);
	ASSERT_EQ(got.blobs.size(), 3u);
	for (size_t i = 0; i < 3; ++i) {
		EXPECT_EQ(got.blobs[i].hash, req.blobs[i].hash);
		EXPECT_EQ(got.blobs[i].name, req.blobs[i].name);
	}
	for (size_t n = 0; n < w.size(); ++n)
		EXPECT_FALSE(decode_register(w.buf().data(), n, got)) << n;
	auto body = w.buf();
	body.push_back(0);
	EXPECT_FALSE(decode_register(body.data(), body.size(), got));
	// No blobs, too many, an empty or too long name.
	auto one = [](uint32_t n, uint16_t name_len) {
		Writer x;
		x.put<int64_t>(1).put<uint32_t>(0).put<uint32_t>(n);
		for (uint32_t i = 0; i < n && i < 2; ++i) {
			uint8_t h[32] = {};
			x.bytes(h, 32).put<uint16_t>(name_len);
			std::string name(name_len, 'n');
			x.bytes(name.data(), name.size());
		}
		return x.buf();
	};
	RegisterRequest r2;
	auto ok = one(1, 4);
	EXPECT_TRUE(decode_register(ok.data(), ok.size(), r2));
	auto none = one(0, 4);
	EXPECT_FALSE(decode_register(none.data(), none.size(), r2));
	auto many = one(kMaxBlobs + 1, 4);
	EXPECT_FALSE(decode_register(many.data(), many.size(), r2));
	auto empty = one(1, 0);
	EXPECT_FALSE(decode_register(empty.data(), empty.size(), r2));
	auto longname = one(1, kMaxName + 1);
	EXPECT_FALSE(decode_register(longname.data(), longname.size(), r2));
}

// The messages of a fixed layout: each decodes what it encodes, and only a
// body of exactly its size.
template <class M> void fixed_round_trip(M m, size_t size)
{
	Writer w;
	encode(w, m);
	ASSERT_EQ(w.size(), size);
	M got{};
	ASSERT_TRUE(decode(w.buf().data(), w.size(), got));
	Writer again;
	encode(again, got);
	EXPECT_EQ(again.buf(), w.buf());
	for (size_t n = 0; n < w.size(); ++n)
		EXPECT_FALSE(decode(w.buf().data(), n, got)) << n;
	auto longer = w.buf();
	longer.push_back(0);
	EXPECT_FALSE(decode(longer.data(), longer.size(), got));
}

TEST(Wire, FixedMessagesRoundTrip)
{
	fixed_round_trip(HelloRequest{3, 5}, 8);
	fixed_round_trip(HelloReply{5, 0, 1ull << 33}, 16);
	fixed_round_trip(SessionInitRequest{0x102, 0}, 8);
	fixed_round_trip(SessionRequest{-7}, 8);
	fixed_round_trip(UnregisterRequest{4, 1ll << 40}, 16);
	fixed_round_trip(SharedRequest{256ull << 20}, 8);
	HelloReply r;
	Writer w;
	encode(w, HelloReply{4, 0, 99});
	ASSERT_TRUE(decode(w.buf().data(), w.size(), r));
	EXPECT_EQ(r.version, 4u);
	EXPECT_EQ(r.max_message, 99u);
}

TEST(Wire, BlobQueryRoundTripAndLimits)
{
	std::vector<std::array<uint8_t, 32>> hashes(3);
	for (size_t i = 0; i < hashes.size(); ++i)
		hashes[i].fill((uint8_t)(i + 1));
	Writer w;
	encode_blob_query(w, hashes);
	std::vector<std::array<uint8_t, 32>> got;
	ASSERT_TRUE(decode_blob_query(w.buf().data(), w.size(), got));
	EXPECT_EQ(got, hashes);
	for (size_t n = 0; n < w.size(); ++n)
		EXPECT_FALSE(decode_blob_query(w.buf().data(), n, got)) << n;
	std::vector<std::array<uint8_t, 32>> many(kMaxBlobs + 1);
	Writer m;
	encode_blob_query(m, many);
	EXPECT_FALSE(decode_blob_query(m.buf().data(), m.size(), got));
}

TEST(Wire, DecodeOpLimits)
{
	OpRequest op;
	auto big = encode_op(1, 0, {}, {1ull << 40});
	EXPECT_EQ(decode_op(big.data(), big.size(), 1 << 20, 0, op), VACCEL_ENOSPC);
	auto many = encode_op(1, 0, {}, {600000, 600000});
	EXPECT_EQ(decode_op(many.data(), many.size(), 1 << 20, 0, op), VACCEL_ENOSPC);
	// A read size larger than the body.
	auto lie = encode_op(1, 0, {{1, 2}}, {});
	lie[20 + 16] = 0xff; // size low byte of the first descriptor
	EXPECT_EQ(decode_op(lie.data(), lie.size(), 1 << 20, 0, op), VACCEL_EINVAL);
	// Too many args.
	Writer w;
	w.put<int64_t>(1).put<uint32_t>(0).put<uint32_t>(kMaxArgs + 1).put<uint32_t>(0);
	EXPECT_EQ(decode_op(w.buf().data(), w.size(), 1 << 20, 0, op), VACCEL_EINVAL);
}

namespace {

// An op body of descriptors only: {type, flags, offset, size} per arg.
struct D {
	uint32_t type, flags, offset;
	uint64_t size;
};
std::vector<uint8_t> encode_descs(uint32_t op, const std::vector<D> &rd,
				  const std::vector<D> &wr)
{
	Writer w;
	w.put<int64_t>(1).put<uint32_t>(op).put<uint32_t>((uint32_t)rd.size())
		.put<uint32_t>((uint32_t)wr.size());
	for (auto *l : {&rd, &wr})
		for (auto &d : *l)
			w.put<uint32_t>(d.type).put<uint32_t>(0).put<uint32_t>(d.flags)
				.put<uint32_t>(d.offset).put<uint64_t>(d.size);
	w.pad();
	return w.buf();
}

} // namespace

TEST(Wire, DecodeOpSharedArgs)
{
	const uint32_t F = VACCEL_ARG_FLOAT32_ARRAY, S = kArgShared;
	const uint32_t sg = VACCEL_OP_BLAS_SGEMM;
	OpRequest op;
	auto dec = [&](uint32_t code, std::vector<D> rd, std::vector<D> wr,
		       uint64_t arena = 4096) {
		auto b = encode_descs(code, rd, wr);
		return decode_op(b.data(), b.size(), 1 << 20, arena, op);
	};
	// Two inputs and an in/out output in the arena: no body bytes, no
	// output budget used.
	ASSERT_EQ(dec(sg, {{F, S, 0, 1024}, {F, S, 1024, 1024}},
		      {{F, S | kArgInOut, 2048, 2048}}),
		  VACCEL_OK);
	EXPECT_EQ(op.read_data[0], nullptr);
	EXPECT_EQ(op.read[1].offset, 1024u);
	EXPECT_EQ(op.inout_data[0], nullptr);
	EXPECT_EQ(op.write_total, 0u);
	// Inputs may overlap each other.
	EXPECT_EQ(dec(sg, {{F, S, 0, 1024}, {F, S, 0, 1024}}, {{F, S, 1024, 8}}),
		  VACCEL_OK);
	// No arena on this connection.
	EXPECT_EQ(dec(sg, {{F, S, 0, 8}}, {}, 0), VACCEL_EINVAL);
	// Not an operation whose args may be shared, or not a numeric array.
	EXPECT_EQ(dec(VACCEL_OP_NOOP, {{F, S, 0, 8}}, {}), VACCEL_EINVAL);
	EXPECT_EQ(dec(VACCEL_OP_EXEC, {{F, S, 0, 8}}, {}), VACCEL_EINVAL);
	EXPECT_EQ(dec(sg, {{VACCEL_ARG_UCHAR_ARRAY, S, 0, 8}}, {}), VACCEL_EINVAL);
	EXPECT_EQ(dec(sg, {{VACCEL_ARG_BUFFER, S, 0, 8}}, {}), VACCEL_EINVAL);
	// Misaligned, past the end, wrapping around.
	EXPECT_EQ(dec(sg, {{F, S, 4, 8}}, {}), VACCEL_EINVAL);
	EXPECT_EQ(dec(sg, {{F, S, 4088, 16}}, {}), VACCEL_EINVAL);
	EXPECT_EQ(dec(sg, {{F, S, 4088, 8}}, {}), VACCEL_OK);
	EXPECT_EQ(dec(sg, {{F, S, 0xfffffff8u, ~0ull - 3}}, {}), VACCEL_EINVAL);
	EXPECT_EQ(dec(sg, {{F, S, 8, 4096}}, {}), VACCEL_EINVAL);
	// An output overlapping an input or another output.
	EXPECT_EQ(dec(sg, {{F, S, 0, 1024}}, {{F, S, 1016, 16}}), VACCEL_EINVAL);
	EXPECT_EQ(dec(sg, {}, {{F, S, 0, 64}, {F, S, 56, 8}}), VACCEL_EINVAL);
	// An offset on an arg that is not shared, and unknown flags.
	EXPECT_EQ(dec(sg, {}, {{F, 0, 8, 8}}), VACCEL_EINVAL);
	EXPECT_EQ(dec(sg, {}, {{F, 4, 0, 8}}), VACCEL_EINVAL);
}

// The body a MODEL run's reply makes: header, descriptors, outputs'
// bytes, a status; gathered from iovecs as the agent sends it.
std::vector<uint8_t> model_reply(const std::vector<TensorDesc> &outs,
				 uint32_t code, const char *message)
{
	Writer w, st;
	std::vector<iovec> iov;
	encode_model_reply(w, iov, outs);
	encode_status(st, code, message);
	iov.push_back({st.buf().data(), st.size()});
	std::vector<uint8_t> body;
	for (auto &v : iov)
		body.insert(body.end(), (uint8_t *)v.iov_base,
			    (uint8_t *)v.iov_base + v.iov_len);
	return body;
}

TEST(Wire, ModelReplyRoundTrip)
{
	const float f[5] = {1, 2, 3, 4, 5};
	const int64_t l[2] = {-1, 1LL << 40};
	std::vector<TensorDesc> outs(3);
	outs[0].dtype = 1;
	outs[0].dims = {5};
	outs[0].size = sizeof f;
	outs[0].data = (const uint8_t *)f;
	outs[1].dtype = 9;
	outs[1].dims = {1, 2};
	outs[1].size = sizeof l;
	outs[1].data = (const uint8_t *)l;
	outs[2].dtype = 3; // a scalar of no bytes, no dimensions
	auto body = model_reply(outs, 7, "all fine");
	EXPECT_EQ(body.size() % kAlign, 0u);

	Reader src(body.data(), body.size());
	std::vector<TensorDesc> got;
	size_t used = 0;
	ASSERT_EQ(decode_model_reply_head(src, body.size(), 3, got, used), 0);
	ASSERT_EQ(got.size(), 3u);
	for (size_t i = 0; i < 3; ++i) {
		EXPECT_EQ(got[i].dtype, outs[i].dtype);
		EXPECT_EQ(got[i].dims, outs[i].dims);
		EXPECT_EQ(got[i].size, outs[i].size);
		std::vector<uint8_t> bytes(got[i].size);
		ASSERT_TRUE(src.read(bytes.data(), bytes.size()));
		ASSERT_TRUE(src.skip(padded(got[i].size) - got[i].size));
		used += padded(got[i].size);
		if (got[i].size)
			EXPECT_EQ(std::memcmp(bytes.data(), outs[i].data,
					      got[i].size),
				  0);
	}
	uint32_t code = 0;
	std::string text;
	ASSERT_EQ(decode_status(src, body.size(), used, code, text), 0);
	EXPECT_EQ(code, 7u);
	EXPECT_EQ(text, "all fine");
	EXPECT_EQ(used, body.size());

	// Another count than asked for, or a body cut anywhere: refused.
	Reader again(body.data(), body.size());
	used = 0;
	EXPECT_EQ(decode_model_reply_head(again, body.size(), 2, got, used),
		  VACCEL_EBACKEND);
	for (size_t cut = 0; cut < body.size(); cut += 4) {
		Reader part(body.data(), cut);
		size_t u = 0;
		int head = decode_model_reply_head(part, cut, 3, got, u);
		if (head == 0) { // the head fits: then the outputs do not
			size_t need = u;
			for (auto &d : got)
				need += padded(d.size);
			EXPECT_LE(need, cut);
			size_t at = need;
			Reader rest(body.data() + need, cut - need);
			EXPECT_NE(decode_status(rest, cut, at, code, text), 0)
				<< "cut at " << cut;
		}
	}
}

TEST(Wire, ModelReplyRefusesLies)
{
	auto head = [](uint32_t n, uint32_t nd, int64_t dim, uint64_t size) {
		Writer w;
		w.put<uint32_t>(n).put<uint32_t>(0).put<uint32_t>(1).put<uint32_t>(nd);
		for (uint32_t i = 0; i < nd && i < 16; ++i)
			w.put<int64_t>(dim);
		w.put<uint64_t>(size);
		w.pad();
		std::vector<uint8_t> b(w.buf().begin(), w.buf().end());
		b.resize(b.size() + 64, 0);
		return b;
	};
	auto decode = [](const std::vector<uint8_t> &b, uint32_t expect) {
		Reader src(b.data(), b.size());
		std::vector<TensorDesc> got;
		size_t used = 0;
		return decode_model_reply_head(src, b.size(), expect, got, used);
	};
	EXPECT_EQ(decode(head(1, 1, 4, 16), 1), 0);
	EXPECT_EQ(decode(head(1, kMaxDims + 1, 4, 16), 1), VACCEL_EBACKEND);
	EXPECT_EQ(decode(head(1, 1, -4, 16), 1), VACCEL_EBACKEND);
	EXPECT_EQ(decode(head(1, 1, 4, 1ULL << 40), 1), VACCEL_EBACKEND);
	EXPECT_EQ(decode(head(1, 1, 4, ~0ULL), 1), VACCEL_EBACKEND);
	EXPECT_EQ(decode(head(kMaxTensors + 1, 1, 4, 16), kMaxTensors + 1),
		  VACCEL_EBACKEND);
	// A status longer than the limit, or than the body.
	Writer w;
	w.put<uint32_t>(0).put<uint32_t>(kMaxStatusMessage + 1);
	std::vector<uint8_t> b(w.buf().begin(), w.buf().end());
	b.resize(b.size() + kMaxStatusMessage + 8, 'x');
	Reader src(b.data(), b.size());
	size_t used = 0;
	uint32_t code;
	std::string text;
	EXPECT_EQ(decode_status(src, b.size(), used, code, text), VACCEL_EBACKEND);
	// A message past the limit is cut when encoded.
	std::string big(kMaxStatusMessage + 100, 'y');
	Writer st;
	encode_status(st, 1, big.c_str());
	Reader s2(st.buf().data(), st.size());
	used = 0;
	ASSERT_EQ(decode_status(s2, st.size(), used, code, text), 0);
	EXPECT_EQ(text.size(), kMaxStatusMessage);
}

TEST(Wire, DecodeOpSurvivesRandomInput)
{
	std::mt19937_64 rng(12345);
	auto good = encode_op(3, 1, {{1, 2, 3, 4, 5}, {6}}, {8, 24});
	OpRequest op;
	for (int i = 0; i < 20000; ++i) {
		std::vector<uint8_t> b = good;
		// Flip bytes, cut, or make it up entirely.
		switch (rng() % 3) {
		case 0:
			for (int k = 0; k < 4; ++k)
				b[rng() % b.size()] = (uint8_t)rng();
			break;
		case 1:
			b.resize(rng() % b.size());
			break;
		default:
			b.resize(rng() % 256);
			for (auto &x : b)
				x = (uint8_t)rng();
		}
		int ret = decode_op(b.data(), b.size(), 1 << 16, 4096, op);
		if (ret == 0) {
			// Whatever it accepted lies inside the buffer.
			for (size_t k = 0; k < op.read.size(); ++k)
				if (op.read[k].flags & kArgShared)
					ASSERT_LE(op.read[k].offset + op.read[k].size,
						  4096u);
				else
					ASSERT_LE(op.read_data[k] + op.read[k].size,
						  b.data() + b.size());
			ASSERT_LE(op.write_total, 1u << 16);
		}
	}
}

// A stream on one end of a socket pair; the test writes the other end.
struct StreamPair {
	Stream s;
	Fd peer;
	StreamPair(int spin_us, int spin_max_us = 0)
	{
		int sv[2];
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
			abort();
		s = Stream(Fd(sv[0]), 5000, spin_us, spin_max_us);
		peer = Fd(sv[1]);
	}
	// One byte the peer sends @p delay_us after the read starts (0: sent
	// before it), read.
	void byte(int delay_us)
	{
		char c = 'x', got = 0;
		std::thread t;
		if (delay_us)
			t = std::thread([&] {
				usleep(delay_us);
				ASSERT_EQ(write(peer.get(), &c, 1), 1);
			});
		else
			ASSERT_EQ(write(peer.get(), &c, 1), 1);
		EXPECT_EQ(s.read_exact(&got, 1), 0);
		if (t.joinable())
			t.join();
		EXPECT_EQ(got, 'x');
	}
};

// The spin policy on its own, fed events: no clock, no sleeps.
// One read of the policy's user: spin if it says so, then report a hit or
// a miss, and how long the peer took (a miss: it answered after the spin).
void read_once(SpinPolicy &sp, bool answered_within_spin, long long wait_ns)
{
	if (sp.spin_now())
		sp.spun(answered_within_spin);
	sp.waited(wait_ns);
}

// Spinning backs off while the peer answers after the spin, by a doubling
// number of reads, and comes back as soon as a spin is answered.
TEST(SpinPolicy, BacksOffWhenUnansweredAndReturnsOnAHit)
{
	SpinPolicy sp(5000);
	const long long late = 100000000; // 100 ms, well past the 5 ms spin
	for (int i = 0; i < SpinPolicy::kMissesToBackOff; ++i) {
		EXPECT_EQ(sp.skips(), 0);
		EXPECT_EQ(sp.budget_ns(), 5000000);
		read_once(sp, false, late);
	}
	EXPECT_EQ(sp.skips(), SpinPolicy::kMinBackoff);
	EXPECT_EQ(sp.budget_ns(), 0); // backing off: sleep at once
	// Reads while backing off sleep at once and use the skips up; four
	// more misses after it back off twice as long, and so on to the cap.
	int expect = SpinPolicy::kMinBackoff;
	for (int round = 0; round < 10; ++round) {
		for (int i = 0; i < expect; ++i) {
			EXPECT_FALSE(sp.spin_now());
			sp.waited(late);
		}
		EXPECT_EQ(sp.skips(), 0);
		for (int i = 0; i < SpinPolicy::kMissesToBackOff; ++i)
			read_once(sp, false, late);
		expect = std::min(2 * expect, SpinPolicy::kMaxBackoff);
		EXPECT_EQ(sp.skips(), expect);
	}
	EXPECT_EQ(sp.skips(), SpinPolicy::kMaxBackoff);
	// One answered spin resets the back-off to the minimum.
	while (sp.skips() > 0)
		EXPECT_FALSE(sp.spin_now());
	read_once(sp, true, 1000);
	for (int i = 0; i < SpinPolicy::kMissesToBackOff; ++i)
		read_once(sp, false, late);
	EXPECT_EQ(sp.skips(), SpinPolicy::kMinBackoff);
	// Misses interrupted by a hit do not add up.
	while (sp.skips() > 0)
		EXPECT_FALSE(sp.spin_now());
	for (int i = 0; i < 3 * SpinPolicy::kMissesToBackOff; ++i)
		read_once(sp, i % SpinPolicy::kMissesToBackOff == 1, late);
	EXPECT_EQ(sp.skips(), 0);
}

TEST(SpinPolicy, NoSpinningWhenTurnedOff)
{
	SpinPolicy sp(0);
	EXPECT_FALSE(sp.enabled());
	for (int i = 0; i < 2 * SpinPolicy::kMissesToBackOff; ++i) {
		EXPECT_FALSE(sp.spin_now());
		sp.waited(1000000);
		EXPECT_EQ(sp.skips(), 0);
		EXPECT_EQ(sp.budget_ns(), 0);
	}
}

// Replies that come steadily later than the spin stretch it, up to the
// maximum; without a maximum above the spin, it never stretches.
TEST(SpinPolicy, StretchesToSteadyRepliesUpToTheMaximum)
{
	for (int max_us : {0, 1000000}) {
		SpinPolicy sp(100, max_us);
		EXPECT_EQ(sp.budget_ns(), 100000);
		for (int i = 0; i < 24; ++i) {
			// A 2 ms reply: a hit once the spin covers it.
			const bool covered = sp.budget_ns() >= 2000000;
			read_once(sp, covered, 2000000);
		}
		while (sp.skips() > 0)
			read_once(sp, false, 2000000);
		if (max_us)
			EXPECT_GE(sp.budget_ns(), 1000000) << "no stretch";
		else
			EXPECT_EQ(sp.budget_ns(), 100000);
	}
	// A wait longer than the longest spin counts as that long (plus a
	// microsecond): one stall does not blow the estimate up.
	SpinPolicy sp(50, 500);
	for (int i = 0; i < 64; ++i)
		sp.waited(170000);
	const long long steady = sp.budget_ns();
	EXPECT_GE(steady, 340000 - 20000);
	EXPECT_LE(steady, 500000);
	sp.waited(10000000000LL); // a 10 s stall
	// Still stretched, within the longest: not dropped to the plain 50 us.
	EXPECT_GE(sp.budget_ns(), steady);
	EXPECT_LE(sp.budget_ns(), 500000);
}

// The Stream feeds its policy: a byte that comes after the spin is a miss,
// one already there is no hit, and a byte within a long spin is a hit.
TEST(Stream, ReadsTellTheSpinPolicy)
{
	StreamPair p(2000);
	const int late = 40000; // 40 ms after a 2 ms spin
	for (int i = 0; i < SpinPolicy::kMissesToBackOff; ++i) {
		EXPECT_EQ(p.s.spin_skips(), 0);
		p.byte(late);
	}
	EXPECT_EQ(p.s.spin_skips(), SpinPolicy::kMinBackoff);
	for (int i = 0; i < SpinPolicy::kMinBackoff; ++i)
		p.byte(0); // sleeps at once, uses a skip, says nothing
	EXPECT_EQ(p.s.spin_skips(), 0);
	p.byte(0);
	EXPECT_EQ(p.s.spin_skips(), 0);
	// The byte comes 0.5 ms into a spin made 2 s long for this read, so
	// that a loaded machine cannot turn it into a miss.
	p.s.set_spin(2000000, 0);
	p.byte(500);
	p.s.set_spin(2000, 0);
	for (int i = 0; i < SpinPolicy::kMissesToBackOff - 1; ++i)
		p.byte(late);
	EXPECT_EQ(p.s.spin_skips(), 0); // the hit reset the count of misses
}

TEST(Stream, PassesOneDescriptorWithTheBytes)
{
	int sv[2];
	ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	Stream a(Fd(sv[0]), 2000, 0), b(Fd(sv[1]), 2000, 0);
	int pipefd[2];
	ASSERT_EQ(pipe(pipefd), 0);
	Fd rd(pipefd[0]), wr(pipefd[1]);
	char msg[] = "header and body";
	iovec iov[] = {{msg, 6}, {msg + 6, sizeof msg - 6}};
	ASSERT_EQ(a.writev_all(iov, 2, wr.get()), 0);
	char got[sizeof msg] = {};
	Fd fd;
	ASSERT_EQ(b.read_exact_fd(got, sizeof got, fd), 0);
	EXPECT_STREQ(got, msg);
	ASSERT_TRUE(fd);
	// The descriptor received is the pipe's write end.
	ASSERT_EQ(write(fd.get(), "x", 1), 1);
	char c = 0;
	ASSERT_EQ(read(rd.get(), &c, 1), 1);
	EXPECT_EQ(c, 'x');
	// Bytes without a descriptor: none taken.
	iovec plain{msg, 4};
	ASSERT_EQ(a.writev_all(&plain, 1), 0);
	Fd none;
	ASSERT_EQ(b.read_exact_fd(got, 4, none), 0);
	EXPECT_FALSE(none);
	// A second descriptor in the same read is refused, and closed.
	ASSERT_EQ(a.writev_all(&plain, 1, wr.get()), 0);
	ASSERT_EQ(a.writev_all(&plain, 1, rd.get()), 0);
	Fd two;
	EXPECT_EQ(b.read_exact_fd(got, 8, two), VACCEL_EBACKEND);
	EXPECT_FALSE(two);
}

TEST(Stream, AWriteToAPeerThatNeverReadsTimesOut)
{
	for (int with_fd : {0, 1}) {
		int sv[2];
		ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
		Stream s(Fd(sv[0]), 200, 0);
		Fd peer(sv[1]);
		std::vector<char> big(32 << 20);
		iovec v{big.data(), big.size()};
		auto t0 = std::chrono::steady_clock::now();
		EXPECT_EQ(s.writev_all(&v, 1, with_fd ? peer.get() : -1),
			  VACCEL_ETIMEDOUT);
		EXPECT_LT(std::chrono::steady_clock::now() - t0,
			  std::chrono::seconds(3));
	}
}

TEST(Stream, SleepingReadsKeepTheirDeadline)
{
	for (int spin : {0, 50}) {
		int sv[2];
		ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
		Stream s(Fd(sv[0]), 150, spin);
		Fd peer(sv[1]);
		char b[4];
		auto t0 = std::chrono::steady_clock::now();
		EXPECT_EQ(s.read_exact(b, 4), VACCEL_ETIMEDOUT) << spin;
		auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
				  std::chrono::steady_clock::now() - t0)
				  .count();
		EXPECT_GE(ms, 140) << spin;
		EXPECT_LT(ms, 1500) << spin;
		// Part of a message, then nothing: the rest times out too.
		ASSERT_EQ(write(peer.get(), "ab", 2), 2);
		EXPECT_EQ(s.read_exact(b, 4), VACCEL_ETIMEDOUT) << spin;
		// A peer that closes: an error at once, not at the deadline.
		int sv2[2];
		ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv2), 0);
		Stream s2(Fd(sv2[0]), 5000, spin);
		::close(sv2[1]);
		t0 = std::chrono::steady_clock::now();
		EXPECT_EQ(s2.read_exact(b, 4), VACCEL_ESESS);
		EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
	}
}

TEST(Stream, ReadAheadKeepsEveryByteInOrder)
{
	int sv[2];
	ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	Stream s(Fd(sv[0]), 2000, 0);
	Fd peer(sv[1]);
	// A small header, a bulk body whose start the header's read takes
	// ahead, then two small messages in one write.
	std::vector<uint8_t> all(24 + 10000 + 8 + 8);
	for (size_t i = 0; i < all.size(); ++i)
		all[i] = (uint8_t)(i * 7 + i / 251);
	ASSERT_EQ(write(peer.get(), all.data(), all.size()), (ssize_t)all.size());
	std::vector<uint8_t> got(all.size());
	ASSERT_EQ(s.read_exact(got.data(), 24), 0);
	ASSERT_EQ(s.read_exact(got.data() + 24, 10000), 0);
	ASSERT_EQ(s.read_exact(got.data() + 10024, 8), 0);
	ASSERT_EQ(s.discard(3), 0);
	ASSERT_EQ(s.read_exact(got.data() + 10035, 5), 0);
	for (size_t i = 10032; i < 10035; ++i)
		got[i] = all[i];
	EXPECT_TRUE(got == all);
	// Bytes read ahead before a descriptor's message: refused.
	ASSERT_EQ(write(peer.get(), "0123456789", 10), 10);
	ASSERT_EQ(s.read_exact(got.data(), 4), 0);
	Fd fd;
	EXPECT_EQ(s.read_exact_fd(got.data(), 6, fd), VACCEL_EBACKEND);
}

// The spin for a given history of waits (plain spin 50 us, longest 500 us,
// all in ns): a tail beyond the longest spin caps the spin there instead
// of dropping it to the plain one, a peer typically slower than the
// longest spin gets the plain one (and backs off), and an uneven peer is
// awaited at least twice its average.
TEST(SpinPolicy, BudgetForAHistoryOfWaits)
{
	const long long base = 50000, max = 500000;
	auto budget = [&](long long avg, long long dev) {
		return SpinPolicy::budget(base, max, avg, dev);
	};
	EXPECT_EQ(budget(0, 0), base);		   // no history yet
	EXPECT_EQ(budget(400, 100), base);	   // noop round trips
	EXPECT_EQ(budget(20000, 2000), base);	   // 2 x 20 us is within it
	EXPECT_EQ(budget(170000, 10000), 340000);  // twice the average
	EXPECT_EQ(budget(170000, 60000), 410000);  // 4 deviations past it
	EXPECT_EQ(budget(200000, 120000), max);	   // a tail past the longest
	EXPECT_EQ(budget(480000, 5000), max);
	EXPECT_EQ(budget(500001, 0), base);	   // typically longer: sleep
	EXPECT_EQ(budget(1400000, 50000), base);   // sgemm 512
	// Without a longest spin above the plain one, never longer than it.
	EXPECT_EQ(SpinPolicy::budget(base, 0, 170000, 10000), base);
	EXPECT_EQ(SpinPolicy::budget(base, base, 20000, 0), base);
}

// Two streams on a socket pair sharing a mailbox of @p cap bytes, as the
// rpc plugin (guest) and the agent set them up.
struct MailboxPair {
	Stream guest, agent;
	MailboxCtl *ctl = nullptr; // the shared control lines, for tampering
	MailboxPair(uint64_t cap, int guest_spin_us, int agent_spin_us,
		    int timeout_ms = 5000)
	{
		int sv[2];
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
			abort();
		guest = Stream(Fd(sv[0]), timeout_ms, guest_spin_us, 0);
		agent = Stream(Fd(sv[1]), timeout_ms, agent_spin_us, 0);
		Fd m(memfd_create("test-mailbox", MFD_CLOEXEC));
		if (!m || ftruncate(m.get(), (off_t)mailbox_bytes(cap)))
			abort();
		auto a = std::make_unique<SharedMap>(), b = std::make_unique<SharedMap>();
		if (a->map(m.get(), mailbox_bytes(cap)) ||
		    b->map(m.get(), mailbox_bytes(cap)))
			abort();
		ctl = reinterpret_cast<MailboxCtl *>(a->at(0));
		if (guest.use_mailbox(std::move(a), cap, false) ||
		    agent.use_mailbox(std::move(b), cap, true))
			abort();
	}
	static size_t pending(const Stream &s)
	{
		int n = 0;
		ioctl(s.fd(), FIONREAD, &n);
		return (size_t)n;
	}
};

std::vector<uint8_t> pattern(size_t n, uint32_t seed)
{
	std::vector<uint8_t> v(n);
	std::mt19937 rng(seed);
	for (auto &b : v)
		b = (uint8_t)rng();
	return v;
}

// Messages up to the capacity go through shared memory, larger ones and
// those with a descriptor through the socket; the reader gets every byte
// in order however it splits its reads, and knows where each message ends.
TEST(Mailbox, SmallMessagesInMemoryLargeOnesOnTheSocket)
{
	for (int spin : {0, 2000000}) {
		MailboxPair p(4096, 0, spin);
		for (size_t n : {1ul, 24ul, 4095ul, 4096ul, 4097ul, 300000ul, 7ul}) {
			auto msg = pattern(n, (uint32_t)n);
			iovec iov[2] = {{msg.data(), n / 3}, {msg.data() + n / 3, n - n / 3}};
			std::thread w([&] { EXPECT_EQ(p.guest.writev_all(iov, 2), 0); });
			// A small message, written while the reader was busy
			// (not asleep), puts nothing on the socket.
			if (n <= 4096) {
				w.join();
				EXPECT_EQ(MailboxPair::pending(p.agent), 0u) << n;
			}
			std::vector<uint8_t> got(n);
			size_t first = n / 2 + 1 > n ? n : n / 2 + 1;
			EXPECT_EQ(p.agent.read_exact(got.data(), first, true), 0);
			EXPECT_EQ(p.agent.at_message_end(), first == n);
			EXPECT_EQ(p.agent.read_exact(got.data() + first, n - first), 0);
			EXPECT_TRUE(p.agent.at_message_end());
			if (w.joinable())
				w.join();
			EXPECT_TRUE(got == msg) << n << " bytes, spin " << spin;
			EXPECT_EQ(MailboxPair::pending(p.agent), 0u) << n;
		}
		// A descriptor always crosses the socket.
		int pfd[2];
		ASSERT_EQ(pipe(pfd), 0);
		Fd r(pfd[0]), wfd(pfd[1]);
		char hi[] = "with a descriptor";
		iovec iov{hi, sizeof hi};
		ASSERT_EQ(p.agent.writev_all(&iov, 1, wfd.get()), 0);
		char got[sizeof hi] = {};
		Fd fd;
		ASSERT_EQ(p.guest.read_exact_fd(got, sizeof got, fd), 0);
		EXPECT_STREQ(got, hi);
		EXPECT_TRUE(fd);
	}
}

// Many round trips, the two sides spinning or not in every combination and
// the sizes on both sides of the capacity: a wake-up lost or a byte read
// twice would hang a read (then time out) or garble a message.
TEST(Mailbox, RoundTripsLoseNoWakeUp)
{
	for (int gs : {0, 20})
		for (int as : {0, 20}) {
			MailboxPair p(8192, gs, as, 10000);
			std::mt19937 rng(gs * 31 + as);
			std::vector<size_t> sizes(2000);
			for (auto &n : sizes)
				n = rng() % 3 ? 1 + rng() % 8192 : 8193 + rng() % 30000;
			std::thread agent([&] {
				std::vector<uint8_t> buf(40000);
				for (size_t n : sizes) {
					if (p.agent.read_exact(buf.data(), n, true))
						return;
					// Echo it back, reversed.
					std::reverse(buf.begin(), buf.begin() + (long)n);
					iovec iov{buf.data(), n};
					if (p.agent.writev_all(&iov, 1))
						return;
				}
			});
			std::vector<uint8_t> got(40000);
			size_t ok = 0;
			for (size_t n : sizes) {
				auto msg = pattern(n, (uint32_t)ok);
				iovec iov{msg.data(), n};
				if (p.guest.writev_all(&iov, 1) ||
				    p.guest.read_exact(got.data(), n))
					break;
				std::reverse(msg.begin(), msg.end());
				if (memcmp(got.data(), msg.data(), n) != 0)
					break;
				++ok;
			}
			agent.join();
			EXPECT_EQ(ok, sizes.size()) << "guest spin " << gs << ", agent spin " << as;
		}
}

// A writer stopped between its seq increment and its look at asleep: the
// reader reads that message, answers, and sleeps for the next one before
// the writer goes on, takes that mark and sends its byte. The byte is owed
// (the writer took a mark), but it comes with no new message: the reader
// reads it and sleeps on, the next message is read as any other, and no
// byte is left over. In both directions, since both sides read alike.
TEST(Mailbox, AWakeUpByteFromALateWriterIsNotTakenForTheNextMessage)
{
	for (int dir : {0, 1}) {
		MailboxPair p(4096, 0, 0, 5000);
		Stream &writer = dir ? p.agent : p.guest;
		Stream &reader = dir ? p.guest : p.agent;
		MailboxCtl &ctl = p.ctl[dir];
		auto marked = [&] {
			for (int i = 0; i < 2000 && ctl.asleep.load() != 1; ++i)
				usleep(1000);
			return ctl.asleep.load() == 1;
		};
		char one[] = "first", two[] = "second";
		iovec iov{one, sizeof one};
		// Written while the reader was not asleep: no byte.
		ASSERT_EQ(writer.writev_all(&iov, 1), 0);
		std::atomic<int> got_second{1};
		char got[sizeof one + sizeof two] = {};
		std::thread r([&] {
			if (reader.read_exact(got, sizeof one, true) == 0)
				got_second = reader.read_exact(got + sizeof one, sizeof two, true);
		});
		// The reader waits for the second message, asleep: then the
		// writer of the first one looks at asleep.
		ASSERT_TRUE(marked()) << "direction " << dir;
		ASSERT_EQ(ctl.asleep.exchange(0), 1u);
		uint8_t wake = kWakeByte;
		ASSERT_EQ(write(writer.fd(), &wake, 1), 1);
		// The reader takes the byte and marks itself asleep again.
		EXPECT_TRUE(marked()) << "direction " << dir;
		EXPECT_EQ(MailboxPair::pending(reader), 0u);
		iov = {two, sizeof two};
		ASSERT_EQ(writer.writev_all(&iov, 1), 0);
		r.join();
		EXPECT_EQ(got_second.load(), 0) << "direction " << dir;
		EXPECT_STREQ(got, one);
		EXPECT_STREQ(got + sizeof one, two);
		EXPECT_TRUE(reader.at_message_end());
		EXPECT_EQ(MailboxPair::pending(reader), 0u);
	}
}

// Wake-up bytes without a message do not keep a reader past its deadline.
TEST(Mailbox, WakeUpBytesWithoutAMessageTimeOut)
{
	MailboxPair p(4096, 0, 0, 300);
	std::atomic<bool> done{false};
	std::thread t([&] {
		uint8_t wake = kWakeByte;
		while (!done && write(p.agent.fd(), &wake, 1) == 1)
			usleep(1000);
	});
	char c;
	auto t0 = std::chrono::steady_clock::now();
	EXPECT_EQ(p.guest.read_exact(&c, 1), VACCEL_ETIMEDOUT);
	EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
	done = true;
	t.join();
}

// A reader asleep on the mailbox sees its peer's death at once and its
// deadline on time, as on a plain socket.
TEST(Mailbox, DeathAndDeadlinesAreSeenAsleep)
{
	{
		MailboxPair p(4096, 0, 0, 200);
		char c;
		auto t0 = std::chrono::steady_clock::now();
		EXPECT_EQ(p.guest.read_exact(&c, 1), VACCEL_ETIMEDOUT);
		auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
				  std::chrono::steady_clock::now() - t0).count();
		EXPECT_GE(ms, 190);
		EXPECT_LT(ms, 2000);
	}
	{
		MailboxPair p(4096, 50, 50, 5000);
		std::thread t([&] {
			usleep(20000);
			p.agent.close();
		});
		char c;
		auto t0 = std::chrono::steady_clock::now();
		EXPECT_EQ(p.guest.read_exact(&c, 1), VACCEL_ESESS);
		t.join();
		EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
	}
}

// What a hostile peer can write into the shared control lines is checked:
// a sequence number that skips, an unknown place, a length past the
// capacity or none, a wake-up byte that is not one. Each is an error for
// the reader, never a read outside the mailbox or a hang.
TEST(Mailbox, ForgedControlFieldsAreErrors)
{
	auto forged = [](auto &&tamper) {
		MailboxPair p(4096, 50, 50, 500);
		char msg[16] = "fine";
		iovec iov{msg, sizeof msg};
		EXPECT_EQ(p.guest.writev_all(&iov, 1), 0);
		tamper(p.ctl[0]); // guest to agent
		std::vector<char> got(1 << 16);
		return p.agent.read_exact(got.data(), sizeof msg, true);
	};
	EXPECT_EQ(forged([](MailboxCtl &c) { c.seq += 1; }), VACCEL_ESESS);
	EXPECT_EQ(forged([](MailboxCtl &c) { c.where = 7; }), VACCEL_ESESS);
	EXPECT_EQ(forged([](MailboxCtl &c) { c.len = 4097; }), VACCEL_ESESS);
	EXPECT_EQ(forged([](MailboxCtl &c) { c.len = 0; }), VACCEL_ESESS);
	EXPECT_EQ(forged([](MailboxCtl &c) { c.len = ~0ull; }), VACCEL_ESESS);
	// Untouched, it reads fine.
	EXPECT_EQ(forged([](MailboxCtl &) {}), 0);
	// A message shorter than the reader expects: the rest would have to
	// be a new message, which is not there (timeout), not the old bytes.
	EXPECT_EQ(forged([](MailboxCtl &c) { c.len = 4; }), VACCEL_ETIMEDOUT);
	// A sleeping reader woken by a byte that is not the wake-up byte.
	MailboxPair p(4096, 0, 0, 500);
	std::thread t([&] {
		usleep(20000);
		p.ctl[0].seq = 1;
		p.ctl[0].where = kInMailbox;
		p.ctl[0].len = 8;
		char bad = 'x';
		EXPECT_EQ(write(p.guest.fd(), &bad, 1), 1);
	});
	char got[8];
	EXPECT_EQ(p.agent.read_exact(got, 8, true), VACCEL_ESESS);
	t.join();
}
