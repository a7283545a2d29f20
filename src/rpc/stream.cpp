// SPDX-License-Identifier: Apache-2.0
// A framed connection over a socket, with deadlines, spinning (SpinPolicy)
// and the shared-memory mailbox (net.hpp).
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

long long monotonic_ns()
{
	timespec ts{};
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

namespace {

// Whether a recv() that returned no bytes (@p r <= 0) ends the connection:
// the peer closed it or it failed, rather than nothing yet (EAGAIN) or an
// interrupted call (EINTR).
bool connection_over(ssize_t r)
{
	return r == 0 || (errno != EINTR && errno != EAGAIN);
}

} // namespace

Stream::Stream(Fd fd, int timeout_ms, int spin_us, int spin_max_us)
	: fd_(std::move(fd)), timeout_ms_(timeout_ms),
	  spin_(spin_us, spin_max_us)
{
	// Blocking descriptor: every spinning or writing call passes
	// MSG_DONTWAIT, and a read that sleeps for its first byte sleeps in
	// recv() itself, bounded by SO_RCVTIMEO: one system call per wake-up,
	// as a plain blocking reader makes, instead of a failed recv, a
	// poll() and the recv (without spinning, several us of a round trip:
	// docs/performance.md, "Measurements behind the agent's and the
	// stream's defaults").
	int fl = fcntl(fd_.get(), F_GETFL);
	if (fl >= 0 && (fl & O_NONBLOCK))
		fcntl(fd_.get(), F_SETFL, fl & ~O_NONBLOCK);
	timeval tv{timeout_ms_ / 1000, (timeout_ms_ % 1000) * 1000};
	// Without it a sleeping recv() would have no bound: then poll().
	recv_sleeps_ = setsockopt(fd_.get(), SOL_SOCKET, SO_RCVTIMEO, &tv,
				  sizeof tv) == 0;
	// Room for a few MiB in flight (as far as net.core.[rw]mem_max
	// allow; best effort, vsock has its own sizes): a bulk argument then
	// crosses in a few socket buffers' worth instead of hundreds of
	// 200 KiB ones, each a wait for the other side.
	int big = 4 << 20;
	setsockopt(fd_.get(), SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
	setsockopt(fd_.get(), SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
}

int Stream::wait(short events, long long deadline_ns)
{
	for (;;) {
		int ms = -1;
		if (deadline_ns) {
			long long left = deadline_ns - monotonic_ns();
			if (left <= 0)
				return VACCEL_ETIMEDOUT;
			ms = (int)((left + 999999) / 1000000);
		}
		pollfd pfd{fd_.get(), events, 0};
		int r = poll(&pfd, 1, ms);
		if (r > 0)
			return (pfd.revents & (POLLERR | POLLNVAL)) &&
					       !(pfd.revents & events)
				       ? VACCEL_ESESS
				       : 0;
		if (r == 0 && deadline_ns)
			continue; // rechecked against the deadline
		if (r < 0 && errno != EINTR)
			return VACCEL_ESESS;
	}
}

int Stream::sock_writev(struct iovec *iov, int n, int fd)
{
	long long deadline = monotonic_ns() + (long long)timeout_ms_ * 1000000LL;
	long long room_spin_until = 0;
	// A descriptor goes with the first byte written (SCM_RIGHTS).
	alignas(cmsghdr) char ctl[CMSG_SPACE(sizeof(int))] = {};
	if (fd >= 0) {
		msghdr m{};
		m.msg_control = ctl;
		m.msg_controllen = sizeof ctl;
		cmsghdr *c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	while (n > 0) {
		msghdr msg{};
		msg.msg_iov = iov;
		msg.msg_iovlen = (size_t)(n > IOV_MAX ? IOV_MAX : n);
		if (fd >= 0) {
			msg.msg_control = ctl;
			msg.msg_controllen = sizeof ctl;
		}
		ssize_t w = sendmsg(fd_.get(), &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				// The socket buffer is full: the reader is draining
				// it; spin the plain spin for room before sleeping.
				long long now = monotonic_ns();
				if (!room_spin_until)
					room_spin_until = now + spin_.base_ns();
				if (spin_.enabled() && now < room_spin_until)
					continue;
				if (int ret = wait(POLLOUT, deadline))
					return ret;
				room_spin_until = 0;
				continue;
			}
			return VACCEL_ESESS;
		}
		room_spin_until = 0;
		fd = -1; // sent
		size_t done = (size_t)w;
		while (n > 0 && done >= iov->iov_len) {
			done -= iov->iov_len;
			++iov;
			--n;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + done;
			iov->iov_len -= done;
		}
	}
	return 0;
}

int Stream::sock_read(void *buf, size_t n, bool idle_ok)
{
	auto *p = static_cast<char *>(buf);
	if (rpos_ < rlen_) { // read ahead last time
		size_t k = std::min(n, rlen_ - rpos_);
		memcpy(p, rbuf_.get() + rpos_, k);
		rpos_ += k;
		p += k;
		n -= k;
		if (n == 0)
			return 0;
	}
	// With a mailbox the socket carries only announced messages and
	// wake-up bytes: nothing is read past what the caller asked for.
	const bool read_ahead = n < kReadAhead && !box_.on();
	if (read_ahead && !rbuf_)
		rbuf_.reset(new uint8_t[kReadAhead]);
	long long start = monotonic_ns();
	long long budget = spin_.budget_ns();
	bool spinning = spin_.spin_now();
	long long spin_until = start + budget;
	long long deadline = start + (long long)timeout_ms_ * 1000000LL;
	bool first = true;   // no byte read yet
	bool empty = false;  // and there was none to read at first
	long long mid_spin_until = 0;
	while (n > 0) {
		// The first byte, once there is no spinning to do (none
		// configured, or this read's spin is over), is slept for in
		// recv() itself: one system call per wake-up, as a plain
		// blocking reader makes, instead of a failed recv(), a poll()
		// and the recv(). SO_RCVTIMEO (the call's timeout) bounds it.
		// With spinning configured, a non-blocking probe comes first so
		// that a read that found nothing is known (spun(), waited()).
		const bool sleep = first && !spinning && (empty || !spin_.enabled()) &&
				   recv_sleeps_;
		const bool ahead = read_ahead;
		ssize_t r = recv(fd_.get(), ahead ? (char *)rbuf_.get() : p,
				 ahead ? kReadAhead : n, sleep ? 0 : MSG_DONTWAIT);
		if (r > 0 && ahead) {
			rlen_ = (size_t)r;
			rpos_ = std::min(n, rlen_);
			memcpy(p, rbuf_.get(), rpos_);
			r = (ssize_t)rpos_;
		}
		if (r > 0) {
			// Only a read that found nothing says how long the peer
			// takes; bytes already there (the rest of a message) do
			// not count as a spin answered or as a wait.
			if (first && empty) {
				if (spinning)
					spin_.spun(true);
				spin_.waited(monotonic_ns() - start);
			}
			spinning = false;
			mid_spin_until = 0;
			p += r;
			n -= (size_t)r;
			if (first && idle_ok)
				deadline = monotonic_ns() +
					   (long long)timeout_ms_ * 1000000LL;
			first = false;
			continue;
		}
		if (connection_over(r))
			return VACCEL_ESESS;
		if (errno == EINTR)
			continue;
		if (sleep) {
			// SO_RCVTIMEO ran out, at about the deadline.
			if (!idle_ok && monotonic_ns() >= deadline)
				return VACCEL_ETIMEDOUT;
			continue;
		}
		if (first)
			empty = true;
		// No pause instruction in the loop: in a VM, pause loops trap
		// to the hypervisor (pause-loop exiting) and cost more than the
		// wake-up the spin is there to avoid.
		if (spinning) {
			if (monotonic_ns() < spin_until)
				continue;
			spinning = false;
			spin_.spun(false);
		}
		if (first && recv_sleeps_)
			continue; // the next round sleeps in recv()
		// In the middle of a message the rest comes as fast as the
		// writer refills the socket buffer: spin the plain spin for it
		// rather than sleep once per buffer's worth.
		if (!first && spin_.enabled()) {
			long long now = monotonic_ns();
			if (!mid_spin_until)
				mid_spin_until = now + spin_.base_ns();
			if (now < mid_spin_until)
				continue;
		}
		if (int ret = wait(POLLIN, first && idle_ok ? 0 : deadline))
			return ret;
		mid_spin_until = 0;
	}
	return 0;
}

namespace {
// The spin-wait hint of the architecture, where it has one.
inline void cpu_relax()
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	asm volatile("yield" ::: "memory");
#endif
}
} // namespace

int Stream::use_mailbox(std::unique_ptr<SharedMap> map, uint64_t cap,
			bool agent)
{
	if (rpos_ < rlen_)
		return VACCEL_EINVAL;
	return box_.attach(std::move(map), cap, agent);
}

int Stream::writev_all(struct iovec *iov, int n, int fd)
{
	if (!box_.on())
		return sock_writev(iov, n, fd);
	uint64_t total = 0;
	for (int i = 0; i < n; ++i)
		total += iov[i].iov_len;
	bool in_box = false;
	if (box_.post(iov, n, total, fd >= 0, in_box)) {
		uint8_t b = kWakeByte;
		iovec w{&b, 1};
		if (int ret = sock_writev(&w, 1, -1))
			return ret;
	}
	return in_box ? 0 : sock_writev(iov, n, fd);
}

int Stream::read_wake_byte(long long deadline_ns)
{
	for (;;) {
		uint8_t b;
		ssize_t r = recv(fd_.get(), &b, 1, recv_sleeps_ ? 0 : MSG_DONTWAIT);
		if (r == 1)
			return b == kWakeByte ? 0 : VACCEL_ESESS;
		if (connection_over(r))
			return VACCEL_ESESS;
		if (errno == EINTR)
			continue;
		if (deadline_ns && monotonic_ns() >= deadline_ns)
			return VACCEL_ETIMEDOUT;
		if (!recv_sleeps_)
			if (int ret = wait(POLLIN, deadline_ns))
				return ret;
	}
}

int Stream::next_message(bool idle_ok)
{
	long long start = monotonic_ns();
	long long deadline =
		idle_ok ? 0 : start + (long long)timeout_ms_ * 1000000LL;
	long long budget = spin_.budget_ns();
	bool arrived = box_.arrived();
	if (!arrived && spin_.spin_now()) {
		// Unlike the recv() loop (see sock_read), this one pauses: a
		// bare load loop slowed the peer's work on the other vCPU of a
		// 2-vCPU VM (classification through the agent: median 1.35x
		// the local call, 1.13x with the pause; docs/performance.md).
		long long until = start + budget;
		while (!(arrived = box_.arrived())) {
			if (monotonic_ns() >= until)
				break;
			cpu_relax();
		}
		spin_.spun(arrived);
		if (arrived)
			spin_.waited(monotonic_ns() - start);
	}
	// A wake-up byte says that the writer took the asleep mark, not that
	// the message awaited is there: a writer stopped between its seq
	// increment and its look at asleep (preempted, a descheduled vCPU)
	// can find the mark set after that message was read and answered,
	// while the next one is awaited, and take it. Its byte is read all
	// the same, so that none is left in the socket, and the wait goes on
	// under a new mark.
	const bool slept = !arrived;
	while (!arrived) {
		if (box_.mark_asleep_and_recheck()) {
			// Came meanwhile. If the writer took the mark, its
			// wake-up byte is on the way: it is read, not left for
			// the next sleep.
			if (!box_.unmark())
				if (int ret = read_wake_byte(deadline))
					return ret;
		} else if (int ret = read_wake_byte(deadline)) {
			return ret;
		}
		arrived = box_.arrived();
		// A peer that sends wake-up bytes and no message gets no
		// more time than one that sends nothing.
		if (!arrived && deadline && monotonic_ns() >= deadline)
			return VACCEL_ETIMEDOUT;
	}
	if (slept)
		spin_.waited(monotonic_ns() - start);
	return box_.open_next();
}

int Stream::read_exact(void *buf, size_t n, bool idle_ok)
{
	if (!box_.on())
		return sock_read(buf, n, idle_ok);
	auto *p = static_cast<uint8_t *>(buf);
	while (n > 0) {
		if (box_.in_box_left() > 0) {
			size_t k = box_.take(p, n);
			p += k;
			n -= k;
			continue;
		}
		if (uint64_t &left = box_.socket_left(); left > 0) {
			size_t k = (size_t)std::min<uint64_t>(n, left);
			if (int ret = sock_read(p, k, false))
				return ret;
			left -= k;
			p += k;
			n -= k;
			continue;
		}
		if (int ret = next_message(idle_ok))
			return ret;
		idle_ok = false;
	}
	return 0;
}

SharedMap::~SharedMap()
{
	if (base_)
		munmap(base_, size_);
}

int SharedMap::map(int fd, uint64_t size)
{
	if (base_)
		return EEXIST;
	void *p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return errno;
	base_ = static_cast<uint8_t *>(p);
	size_ = size;
	return 0;
}

int Stream::read_exact_fd(void *buf, size_t n, Fd &fd)
{
	if (rpos_ < rlen_ || !at_message_end())
		return VACCEL_EBACKEND; // bytes came before the message asked for
	if (box_.on()) {
		// The message says where it is; a descriptor comes only with
		// one on the socket.
		if (int ret = next_message(false))
			return ret;
		if (box_.in_box_left() > 0)
			return read_exact(buf, n);
		if (box_.socket_left() < n)
			return VACCEL_EBACKEND;
		box_.socket_left() -= n;
	}
	long long deadline = monotonic_ns() + (long long)timeout_ms_ * 1000000LL;
	auto *p = static_cast<char *>(buf);
	int bad = 0;
	while (n > 0) {
		// Room for more descriptors than expected, so extras are seen
		// (and closed) rather than silently truncated.
		alignas(cmsghdr) char ctl[CMSG_SPACE(4 * sizeof(int))];
		iovec v{p, n};
		msghdr msg{};
		msg.msg_iov = &v;
		msg.msg_iovlen = 1;
		msg.msg_control = ctl;
		msg.msg_controllen = sizeof ctl;
		ssize_t r = recvmsg(fd_.get(), &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (r <= 0) {
			if (connection_over(r))
				return VACCEL_ESESS;
			if (errno == EAGAIN)
				if (int ret = wait(POLLIN, deadline))
					return ret;
			continue;
		}
		if (msg.msg_flags & MSG_CTRUNC)
			bad = 1;
		for (cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
			if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
				continue;
			size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (size_t i = 0; i < k; ++i) {
				int got;
				memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof got);
				if (fd)
					bad = 1, ::close(got);
				else
					fd = Fd(got);
			}
		}
		p += r;
		n -= (size_t)r;
	}
	if (bad) {
		fd.reset();
		return VACCEL_EBACKEND;
	}
	return 0;
}

int Stream::discard(size_t n)
{
	char sink[4096];
	while (n) {
		size_t k = n < sizeof sink ? n : sizeof sink;
		if (int ret = read_exact(sink, k))
			return ret;
		n -= k;
	}
	return 0;
}

} // namespace vaccel::rpc
