// SPDX-License-Identifier: Apache-2.0
// What the agent counts for its operators: calls, errors and latency per
// operation and plugin, bytes per transport, connections, sessions, the
// cache and the memory budget; rendered as Prometheus text and served,
// with liveness and readiness, over HTTP (--metrics).
//
// Counting is off unless --metrics is given. Then a call is counted by its
// connection's thread in counters of that connection's own (Local), with
// plain stores: no locked instruction and no cache line shared with other
// connections on the call path. A scrape sums the live connections' counters
// and what closed ones left (docs/performance.md has the remote noop with
// metrics on and off). The timestamps are those the agent takes anyway.
#pragma once

#include <vaccel/op.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace vaccel::agent {

class Metrics {
public:
	enum Transport { kUnix, kTcp, kVsock, kTransports };
	// Why a connection or a request was refused.
	enum Refusal { kPeerFull, kAgentFull, kNoThread, kMemory, kRefusals };
	// Requests by message type (wire.hpp's Msg, which is dense from 1).
	static constexpr int kMessages = 16;
	// Upper bounds of the latency buckets, in nanoseconds: 5 us to 10 s.
	static constexpr std::array<uint64_t, 20> kBucketsNs{
		5000, 10000, 25000, 50000, 100000, 250000, 500000,
		1000000, 2500000, 5000000, 10000000, 25000000, 50000000,
		100000000, 250000000, 500000000, 1000000000, 2500000000,
		5000000000, 10000000000};
	// Plugins the calls are counted for; one more slot counts calls no
	// plugin took (ENOTSUP).
	static constexpr int kMaxPlugins = 15;

	// A counter one thread writes (relaxed load and store: no locked
	// instruction) and others read.
	class Counter {
	public:
		void add(uint64_t n)
		{
			v_.store(v_.load(std::memory_order_relaxed) + n,
				 std::memory_order_relaxed);
		}
		uint64_t get() const { return v_.load(std::memory_order_relaxed); }

	private:
		std::atomic<uint64_t> v_{0};
	};
	template <class C> struct CellOf {
		std::array<C, kBucketsNs.size() + 1> buckets{};
		C sum_ns, errors;
	};
	// One connection's counters, written by its thread alone. Calls are
	// counted in a few cells of (operation, plugin) claimed as they are
	// first met; a connection that uses more counts the rest in the
	// shared cells.
	struct Local {
		static constexpr int kSlots = 4;
		Counter requests[kMessages];
		Counter in, out;
		struct Slot {
			std::atomic<int> key{-1}; // op * 64 + plugin, once claimed
			CellOf<Counter> cell;
		} slots[kSlots];
	};

	bool on() const { return on_; }
	void enable() { on_ = true; }
	// The loaded plugins, in the runtime's order (their index is the
	// plugin argument of call()), and what was asked to load with the
	// outcome of each (vaccel_plugin_attempt()).
	struct Attempt {
		std::string spec;
		int code;
		std::string why;
	};
	void set_plugins(std::vector<std::string> loaded, std::vector<Attempt> attempts);
	// The index of plugin @p name, or the "none" slot.
	int plugin_index(const char *name) const;

	// A call of @p op served by plugin @p plugin, on connection @p l.
	void call(Local &l, unsigned op, int plugin, bool ok, uint64_t ns)
	{
		if (op >= VACCEL_OP_MAX || plugin < 0 || plugin > kMaxPlugins)
			return;
		size_t b = 0;
		while (b < kBucketsNs.size() && ns > kBucketsNs[b])
			++b;
		int key = (int)op * 64 + plugin;
		for (auto &slot : l.slots) {
			int k = slot.key.load(std::memory_order_relaxed);
			if (k == -1) // claimed now; its cell is still zero
				slot.key.store(k = key, std::memory_order_release);
			if (k != key)
				continue;
			slot.cell.buckets[b].add(1);
			slot.cell.sum_ns.add(ns);
			if (!ok)
				slot.cell.errors.add(1);
			return;
		}
		CellOf<std::atomic<uint64_t>> &c = cells_[op][plugin];
		c.buckets[b].fetch_add(1, std::memory_order_relaxed);
		c.sum_ns.fetch_add(ns, std::memory_order_relaxed);
		if (!ok)
			c.errors.fetch_add(1, std::memory_order_relaxed);
	}
	// A connection opens (its counters join the sums) and closes (what
	// they counted is kept in the shared totals).
	void opened(Transport t, Local &l);
	void closed(Transport t, Local &l);
	void refused(Refusal r) { refused_[r].fetch_add(1, std::memory_order_relaxed); }
	void sessions(int delta) { sessions_.fetch_add(delta, std::memory_order_relaxed); }
	void cache_lookup(bool hit)
	{
		(hit ? cache_hits_ : cache_misses_).fetch_add(1, std::memory_order_relaxed);
	}
	// Readiness: listeners up (set once), stopping (set at SIGTERM).
	void set_listening() { listening_ = true; }
	void set_stopping() { stopping_ = true; }
	// Ready to serve: listening, not stopping, every plugin asked for
	// loaded and at least one. @p why says what is missing when not.
	bool ready(std::string *why) const;

	// What the agent's other parts hold, read when rendering.
	struct Gauges {
		uint64_t budget_limit, budget_used;
		uint64_t cache_limit, cache_bytes, cache_entries;
	};
	std::function<Gauges()> gauges;
	// Prometheus text exposition format, version 0.0.4.
	std::string render() const;

private:
	bool on_ = false;
	std::atomic<bool> listening_{false}, stopping_{false};
	std::vector<std::string> plugins_;
	std::vector<Attempt> attempts_;
	// Live connections, by transport; and what closed ones counted.
	mutable std::mutex live_lock_;
	std::set<std::pair<Local *, Transport>> live_;
	CellOf<std::atomic<uint64_t>> cells_[VACCEL_OP_MAX][kMaxPlugins + 1];
	std::atomic<uint64_t> requests_[kMessages]{};
	std::atomic<uint64_t> in_[kTransports]{}, out_[kTransports]{};
	std::atomic<uint64_t> accepted_[kTransports]{};
	std::atomic<uint64_t> refused_[kRefusals]{};
	std::atomic<int64_t> sessions_{0};
	std::atomic<uint64_t> cache_hits_{0}, cache_misses_{0};
	const double started_ = now_seconds();
	static double now_seconds();
};

// The HTTP endpoint: GET /metrics, /health/live, /health/ready on an
// already listening socket @p fd (which it then owns). Returns nullptr and
// says why in @p why if it cannot start (or the agent was built without
// libmicrohttpd).
class MetricsServer;
MetricsServer *metrics_serve(const Metrics &m, int fd, std::string &why);
void metrics_stop(MetricsServer *s);
bool metrics_available();

} // namespace vaccel::agent
