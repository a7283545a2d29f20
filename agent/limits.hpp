// SPDX-License-Identifier: Apache-2.0
// What the agent gives all guests together: one memory budget that every
// buffer, arena, mailbox and cached byte is charged to before it is
// allocated, and connection slots shared out per peer.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace vaccel::agent {

// Bytes charged across every connection. A charge that does not fit is
// refused, and the caller answers that guest with VACCEL_ENOMEM: other
// guests' memory is never taken to make room.
class Budget {
public:
	explicit Budget(uint64_t limit = UINT64_MAX) : limit_(limit) {}
	void set_limit(uint64_t limit) { limit_ = limit; }
	uint64_t limit() const { return limit_; }
	uint64_t used() const { return used_.load(std::memory_order_relaxed); }
	bool charge(uint64_t n)
	{
		uint64_t cur = used_.load(std::memory_order_relaxed);
		do {
			if (n > limit_ || cur > limit_ - n)
				return false;
		} while (!used_.compare_exchange_weak(cur, cur + n,
						      std::memory_order_relaxed));
		return true;
	}
	void release(uint64_t n) { used_.fetch_sub(n, std::memory_order_relaxed); }

private:
	uint64_t limit_;
	std::atomic<uint64_t> used_{0};
};

// A charge held by one owner (a connection's buffer, an arena), given
// back when it shrinks or dies.
class Charge {
public:
	explicit Charge(Budget &b) : b_(&b) {}
	Charge(const Charge &) = delete;
	Charge &operator=(const Charge &) = delete;
	~Charge() { set(0); }
	void swap(Charge &o) noexcept
	{
		std::swap(b_, o.b_);
		std::swap(n_, o.n_);
	}
	// Hold exactly @p n bytes; false (holding what it held) if the
	// budget cannot give the difference.
	bool set(uint64_t n)
	{
		if (n > n_) {
			if (!b_->charge(n - n_))
				return false;
		} else {
			b_->release(n_ - n);
		}
		n_ = n;
		return true;
	}

private:
	Budget *b_;
	uint64_t n_ = 0;
};

// Open connections by peer (a unix peer's uid, a TCP address, a vsock
// CID): no peer may hold more than its cap, so a peer that opens
// connections until the global limit is reached finds its own cap first
// and the others keep their room.
class PeerSlots {
public:
	PeerSlots(uint32_t per_peer, uint32_t total) : per_peer_(per_peer), total_(total) {}
	void set_caps(uint32_t per_peer, uint32_t total)
	{
		per_peer_ = per_peer;
		total_ = total;
	}
	// What take() says when no slot is left.
	static constexpr const char *kAgentFull = "the agent's connection limit";
	static constexpr const char *kPeerFull = "the per-peer connection limit";
	// Takes a slot for @p peer; false, with @p why (one of the above), if
	// none is left.
	bool take(const std::string &peer, const char *&why)
	{
		std::lock_guard lk(lock_);
		if (open_ >= total_) {
			why = kAgentFull;
			return false;
		}
		uint32_t &n = by_peer_[peer];
		if (n >= per_peer_) {
			why = kPeerFull;
			return false;
		}
		++n;
		++open_;
		return true;
	}
	void give_back(const std::string &peer)
	{
		std::lock_guard lk(lock_);
		auto it = by_peer_.find(peer);
		if (it == by_peer_.end())
			return;
		if (--it->second == 0)
			by_peer_.erase(it);
		--open_;
	}

private:
	std::mutex lock_;
	uint32_t per_peer_, total_, open_ = 0;
	std::map<std::string, uint32_t> by_peer_;
};

// Bytes each peer holds of something shared (the cache's content its
// resources pin), within a quota per peer.
class PeerQuota {
public:
	explicit PeerQuota(uint64_t quota) : quota_(quota) {}
	void set_quota(uint64_t q) { quota_ = q; }
	uint64_t quota() const { return quota_; }
	bool charge(const std::string &peer, uint64_t n)
	{
		std::lock_guard lk(lock_);
		uint64_t &held = held_[peer];
		if (n > quota_ || held > quota_ - n) {
			if (!held)
				held_.erase(peer);
			return false;
		}
		held += n;
		return true;
	}
	void release(const std::string &peer, uint64_t n)
	{
		std::lock_guard lk(lock_);
		auto it = held_.find(peer);
		if (it == held_.end())
			return;
		it->second -= std::min(n, it->second);
		if (!it->second)
			held_.erase(it);
	}

private:
	std::mutex lock_;
	uint64_t quota_;
	std::map<std::string, uint64_t> held_;
};

} // namespace vaccel::agent
