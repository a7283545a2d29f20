// SPDX-License-Identifier: Apache-2.0
// vaccel-agent's blob cache: resources' files by content hash, shared by
// every connection, bounded in bytes and charged to the memory budget.
#pragma once

#include "limits.hpp"

#include <array>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "vaccel/error.h"

namespace vaccel::agent {

using Digest = std::array<uint8_t, 32>;

// Blobs by content hash, shared by every connection. Entries in use by a
// resource are pinned; unpinned ones are evicted, oldest first, past the
// size limit or to make room in the memory budget.
class BlobCache {
public:
	// Charges what it holds to @p budget; holds at most @p limit bytes
	// (read at each store: the agent sets it from its command line).
	BlobCache(Budget &budget, const uint64_t &limit)
		: budget_(budget), limit_(limit)
	{
	}
	using Bytes = std::shared_ptr<const std::vector<uint8_t>>;
	// The content under @p d if @p peer uploaded it: what others sent is
	// neither found nor usable by a guest, so that none can learn what
	// another holds by asking for its hash.
	Bytes get(const Digest &d, const std::string &peer)
	{
		std::lock_guard lk(lock_);
		auto it = map_.find(key(d));
		if (it == map_.end() || !it->second.owners.count(peer))
			return nullptr;
		return it->second.bytes;
	}
	// Keeps a copy of @p n bytes at @p p under @p d. Returns 0,
	// VACCEL_ENOMEM (the memory budget cannot hold them) or VACCEL_ENOSPC
	// (the cache is full of content in use).
	// @p stored: whether the bytes were new to the cache.
	int put(const Digest &d, const uint8_t *p, size_t n,
		const std::string &peer, bool &stored)
	{
		std::lock_guard lk(lock_);
		auto k = key(d);
		stored = false;
		if (auto it = map_.find(k); it != map_.end()) {
			it->second.owners.insert(peer); // it sent the bytes
			return VACCEL_OK;
		}
		if (n > limit_ || (total_ + n > limit_ && !make_room(limit_ - n)))
			return VACCEL_ENOSPC;
		while (!budget_.charge(n))
			if (!evict_one())
				return VACCEL_ENOMEM;
		try {
			Entry e{std::make_shared<const std::vector<uint8_t>>(p, p + n), {peer}};
			map_.emplace(k, std::move(e));
			order_.push_back(k);
		} catch (...) {
			map_.erase(k);
			budget_.release(n);
			throw;
		}
		total_ += n;
		stored = true;
		return VACCEL_OK;
	}
	uint64_t bytes()
	{
		std::lock_guard lk(lock_);
		return total_;
	}
	size_t entries()
	{
		std::lock_guard lk(lock_);
		return map_.size();
	}

private:
	static std::string key(const Digest &d)
	{
		return std::string(d.begin(), d.end());
	}
	// Evicts until at most @p target bytes are cached; false if the
	// pinned ones alone are more.
	bool make_room(uint64_t target)
	{
		while (total_ > target)
			if (!evict_one())
				return false;
		return true;
	}
	bool evict_one()
	{
		for (auto it = order_.begin(); it != order_.end(); ++it) {
			auto m = map_.find(*it);
			if (m != map_.end() && m->second.bytes.use_count() == 1) {
				total_ -= m->second.bytes->size();
				budget_.release(m->second.bytes->size());
				map_.erase(m);
				order_.erase(it);
				return true;
			}
		}
		return false;
	}
	struct Entry {
		Bytes bytes;
		std::set<std::string> owners; // peers that uploaded it
	};
	Budget &budget_;
	const uint64_t &limit_;
	std::mutex lock_;
	std::unordered_map<std::string, Entry> map_;
	std::list<std::string> order_;
	uint64_t total_ = 0;
};

} // namespace vaccel::agent
