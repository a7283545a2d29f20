// SPDX-License-Identifier: Apache-2.0
// Addresses (unix:///path, tcp://host:port, vsock://cid:port) and their
// sockets (address.cpp); a framed connection with deadlines and the
// shared-memory mailbox (stream.cpp); when its reads spin before sleeping
// (SpinPolicy, spin.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <atomic>
#include <memory>
#include <string>
#include <sys/uio.h>
#include <unistd.h>

namespace vaccel::rpc {

class Fd {
public:
	Fd() = default;
	explicit Fd(int fd) : fd_(fd) {}
	Fd(Fd &&o) noexcept : fd_(o.release()) {}
	Fd &operator=(Fd &&o) noexcept
	{
		reset(o.release());
		return *this;
	}
	Fd(const Fd &) = delete;
	Fd &operator=(const Fd &) = delete;
	~Fd() { reset(); }
	int get() const { return fd_; }
	explicit operator bool() const { return fd_ >= 0; }
	int release()
	{
		int f = fd_;
		fd_ = -1;
		return f;
	}
	void reset(int fd = -1)
	{
		if (fd_ >= 0)
			::close(fd_);
		fd_ = fd;
	}

private:
	int fd_ = -1;
};

struct Address {
	enum Kind { kUnix, kTcp, kVsock } kind = kUnix;
	std::string path; // unix
	std::string host; // tcp
	uint32_t cid = 0; // vsock
	uint32_t port = 0; // tcp (16 bits), vsock (32 bits; 0: any)
	std::string uri() const;
};

// Parse a URI; on failure returns VACCEL_EINVAL and says why in @p why.
int parse_address(const std::string &uri, Address &out, std::string &why);

// Connect within @p timeout_ms. Returns 0 or a VACCEL_E* code.
int connect_to(const Address &a, int timeout_ms, Fd &out);

// Listen. TCP binds only loopback addresses unless @p allow_remote. The
// address actually bound (port 0 resolved) is returned in @p bound.
int listen_on(const Address &a, bool allow_remote, Fd &out, Address &bound);

// Whether a bound socket is reached from this host only: 127/8, ::1, a
// unix socket (not vsock, not a wildcard address).
bool bound_to_loopback(int fd);

// One direction of a mailbox, at the start of the shared mapping (the
// writer's line, then the reader's). Both processes map it; every field is
// read once per message and checked, since the other side may be hostile.
struct MailboxCtl {
	std::atomic<uint32_t> seq;   // messages written so far (writer)
	std::atomic<uint32_t> where; // kInMailbox or kOnSocket (writer)
	std::atomic<uint64_t> len;   // the message's bytes (writer)
	char pad1[48];
	std::atomic<uint32_t> asleep; // 1: the reader waits for a wake-up byte
	char pad2[60];
};
static_assert(sizeof(MailboxCtl) == 128);
static_assert(std::atomic<uint32_t>::is_always_lock_free &&
	      std::atomic<uint64_t>::is_always_lock_free);
constexpr uint32_t kInMailbox = 1, kOnSocket = 2;
constexpr uint8_t kWakeByte = 0x57;
// Mailbox capacities (bytes of one message) an agent accepts.
constexpr uint64_t kMinMailbox = 4096, kMaxMailbox = 1ull << 20;
// The mapping: two MailboxCtl (guest to agent, agent to guest) in the first
// page, then each direction's cap bytes of data.
constexpr uint64_t mailbox_bytes(uint64_t cap) { return 4096 + 2 * cap; }

// A shared read-write mapping of a descriptor's first size() bytes (the
// arena and the mailbox, on both sides), unmapped with the object.
class SharedMap {
public:
	SharedMap() = default;
	SharedMap(const SharedMap &) = delete;
	SharedMap &operator=(const SharedMap &) = delete;
	~SharedMap();
	// Maps @p size bytes of @p fd (once). Returns 0 or an errno value.
	int map(int fd, uint64_t size);
	uint8_t *at(uint64_t off) const { return base_ + off; }
	uint64_t size() const { return size_; } // 0: nothing mapped

private:
	uint8_t *base_ = nullptr;
	uint64_t size_ = 0;
};

// One side of a mailbox (docs/protocol.md, MAILBOX): the shared lines and
// data of both directions and this side's sequence numbers. It keeps the
// protocol's state and its memory orderings; the Stream moves the bytes,
// waits, and does the socket's part (wake-up bytes, messages announced on
// the socket).
class Mailbox {
public:
	// Use @p map, laid out as mailbox_bytes(@p cap) describes, as the
	// side @p agent says. VACCEL_EINVAL if it is too small.
	int attach(std::unique_ptr<SharedMap> map, uint64_t cap, bool agent);
	bool on() const { return rx_ != nullptr; }
	void reset() { *this = Mailbox(); }

	// Sending: a message of @p total bytes (@p iov), copied into the box
	// unless it comes with a descriptor or is larger (then the Stream
	// sends it on the socket), and announced. Returns whether the
	// reader marked itself asleep and must be sent a wake-up byte;
	// @p in_box says where the bytes go.
	bool post(const struct iovec *iov, int n, uint64_t total, bool with_fd,
		  bool &in_box);

	// Receiving. Whether the next message is announced.
	bool arrived() const
	{
		return rx_->seq.load(std::memory_order_acquire) != rx_seq_;
	}
	// Mark this side asleep, then see whether the message came meanwhile
	// (both sequentially consistent, as the writer's announcement and
	// its look at the mark: one of the two sides sees the other's store).
	bool mark_asleep_and_recheck()
	{
		rx_->asleep.store(1, std::memory_order_seq_cst);
		return rx_->seq.load(std::memory_order_seq_cst) != rx_seq_;
	}
	// Take the asleep mark back: false if the writer took it first (its
	// wake-up byte is then on the way).
	bool unmark()
	{
		return rx_->asleep.exchange(0, std::memory_order_seq_cst) != 0;
	}
	// Open the announced message, the writer's fields each read once and
	// checked: 0 or VACCEL_ESESS.
	int open_next();
	// Up to @p n bytes of the open message left in the box, copied out
	// (each byte once: what a hostile writer changes later is not seen).
	size_t take(void *out, size_t n);
	uint64_t in_box_left() const { return mlen_ - mpos_; }
	// Bytes of the open message still to come on the socket.
	uint64_t &socket_left() { return sock_left_; }
	bool at_message_end() const
	{
		return !rx_ || (mpos_ == mlen_ && sock_left_ == 0);
	}

private:
	std::unique_ptr<SharedMap> map_;
	MailboxCtl *tx_ = nullptr, *rx_ = nullptr;
	uint8_t *txd_ = nullptr;
	const uint8_t *rxd_ = nullptr;
	uint64_t cap_ = 0;
	uint32_t tx_seq_ = 0, rx_seq_ = 0;
	// The message being read: mlen_ bytes in the box, or sock_left_
	// bytes still to come on the socket.
	uint64_t mpos_ = 0, mlen_ = 0, sock_left_ = 0;
};

// When a reader spins for its peer's reply before it sleeps, and how long:
// learned from how long the peer took to answer (waited()) and whether
// spins were answered (spun()). A spin that goes unanswered
// kMissesToBackOff times in a row makes the next reads sleep at once
// (skips), for a number of reads that doubles with each such run up to
// kMaxBackoff; one answered spin resets it. The spin is the plain one
// (spin_us), stretched for a peer that steadily answers later, up to the
// longest (max_us). Events in, decisions out, no clock: its tests feed it
// waits instead of sleeping (tests/rpc/test_wire.cpp).
class SpinPolicy {
public:
	SpinPolicy(int spin_us = 0, int max_us = 0)
		: spin_us_(spin_us), spin_max_us_(max_us)
	{
	}
	void set(int us, int max_us)
	{
		spin_us_ = us;
		spin_max_us_ = max_us;
	}
	bool enabled() const { return spin_us_ != 0; }
	// The plain spin.
	long long base_ns() const { return (long long)spin_us_ * 1000; }
	// How long the next read spins (0: it does not).
	long long budget_ns() const;
	// Whether the next read spins; a read that sleeps at once uses up
	// one skip.
	bool spin_now();
	// The read's spin ended with the reply (hit) or without.
	void spun(bool hit);
	// The peer answered @p ns after the read began.
	void waited(long long ns);
	// Reads left that sleep without spinning.
	int skips() const { return skip_; }
	// The spin for a history of waits: average @p avg_ns, mean deviation
	// @p dev_ns; plain spin @p base_ns, longest @p max_ns.
	static long long budget(long long base_ns, long long max_ns,
				long long avg_ns, long long dev_ns);
	static constexpr int kMissesToBackOff = 4;
	static constexpr int kMinBackoff = 16, kMaxBackoff = 1024;

private:
	int spin_us_ = 0;
	int spin_max_us_ = 0;
	long long wait_avg_ns_ = 0; // moving average of waits for a first byte
	long long wait_dev_ns_ = 0; // and their mean deviation
	int misses_ = 0;  // spins in a row that ended in a sleep
	int skip_ = 0;    // reads left that sleep without spinning
	int backoff_ = kMinBackoff;
};

// A stream with a deadline per operation. Reads first spin on non-blocking
// receives for up to spin_us (a remote call's cost is mostly the wake-up of
// a sleeping reader), then sleep until the deadline: in recv() itself for a
// message's first byte (SO_RCVTIMEO bounds it), in poll() inside one.
//
// Spinning adapts: it pays only when the peer answers within the spin, so
// after kMissesToBackOff spins in a row that ended in sleep anyway (a long
// operation, a peer busy elsewhere, more spinners than cores) the stream
// sleeps straight away for the next backoff reads, a number that doubles
// (16 up to 1024) while spinning keeps missing and resets on a hit. A long
// operation thus costs one wake-up, not a wasted spin plus a wake-up, and
// an idle peer costs no CPU.
//
// The spin also stretches to fit: the stream keeps a moving average and
// mean deviation of how long its reads waited for their first byte, and
// spins long enough for nearly all of them (average + 4 deviations, and at
// least twice the average), up to spin_max_us, as long as the average
// itself is within spin_max_us. A peer that answers in about 200 us (a
// model run) is then awaited spinning rather than asleep, even when a busy
// host makes some of its replies later than spin_max_us; one that
// typically takes longer (sgemm 512, ~1.4 ms) is not.
//
// With a mailbox (unix sockets, docs/protocol.md MAILBOX), a message of up
// to the mailbox's capacity (header and body, no descriptor) is written into
// shared memory instead of the socket, and a reader spins on the mailbox's
// sequence number, not on recv(): a round trip between two spinning sides
// then makes no system call at all (on this kind of VM each send or recv of
// a small message costs 1-4 us, most of a spinning round trip). Larger
// messages and those with a descriptor still cross the socket, announced in
// the mailbox. A reader that stops spinning marks itself asleep and sleeps
// in recv() for one wake-up byte, which the writer sends only if it takes
// that mark (an atomic exchange on each side decides which of them saw it,
// so every byte sent is a byte read). A byte says only that the mark was
// taken, not by whose message: a reader that finds no new message after
// one marks itself again and sleeps on. The peer's death and the timeouts
// are seen in that recv() as without a mailbox.
class Stream {
public:
	Stream() = default;
	Stream(Fd fd, int timeout_ms, int spin_us, int spin_max_us = 0);
	bool open() const { return bool(fd_); }
	void close()
	{
		fd_.reset();
		rpos_ = rlen_ = 0;
		box_.reset();
	}
	int fd() const { return fd_.get(); }
	void set_spin(int us, int max_us) { spin_.set(us, max_us); }
	// Write all of @p iov; with @p fd (unix sockets), that descriptor goes
	// with the first byte. Returns 0, VACCEL_ETIMEDOUT or VACCEL_ESESS.
	int writev_all(struct iovec *iov, int n, int fd = -1);
	// Read exactly @p n bytes. @p idle_ok: wait without deadline for the
	// first byte (a server waiting for the next request).
	int read_exact(void *buf, size_t n, bool idle_ok = false);
	// Read and drop @p n bytes.
	int discard(size_t n);
	// Unix sockets: read exactly @p n bytes taking the one descriptor that
	// came with them (none: @p fd stays empty; more than one is an error).
	// No spinning or read-ahead: it sets up an arena once per connection.
	int read_exact_fd(void *buf, size_t n, Fd &fd);

	// From now on, messages go through the mailbox in @p map (laid out
	// as mailbox_bytes(cap) describes; @p agent: which side this is).
	// Returns VACCEL_EINVAL if bytes read ahead are still unread.
	int use_mailbox(std::unique_ptr<SharedMap> map, uint64_t cap, bool agent);
	bool has_mailbox() const { return box_.on(); }
	// With a mailbox: whether the message being read was read to its end
	// (a reader that stops short or reads past it has misread the frame).
	bool at_message_end() const
	{
		return box_.at_message_end();
	}

	// Reads left that will sleep without spinning (backing off).
	int spin_skips() const { return spin_.skips(); }
	// How long the next read would spin, in nanoseconds (0: it sleeps).
	long long spin_budget_ns() const { return spin_.budget_ns(); }

private:
	int sock_read(void *buf, size_t n, bool idle_ok);
	int sock_writev(struct iovec *iov, int n, int fd);
	int next_message(bool idle_ok);
	int read_wake_byte(long long deadline_ns);
	int wait(short events, long long deadline_ns);
	Fd fd_;
	int timeout_ms_ = 30000;
	SpinPolicy spin_;
	bool recv_sleeps_ = false; // SO_RCVTIMEO set: reads may sleep in recv()
	// Read-ahead for small reads: a header and a small body arrive in one
	// recv(). Reads of kReadAhead bytes or more go straight to the
	// caller's buffer (bulk data is not copied through here).
	static constexpr size_t kReadAhead = 4096;
	std::unique_ptr<uint8_t[]> rbuf_;
	size_t rpos_ = 0, rlen_ = 0;
	Mailbox box_; // if the connection has one
};

long long monotonic_ns();

} // namespace vaccel::rpc
