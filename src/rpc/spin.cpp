// SPDX-License-Identifier: Apache-2.0
// The spin policy of a stream's reads (net.hpp, SpinPolicy): pure state.
#include "net.hpp"

#include <algorithm>

namespace vaccel::rpc {

long long SpinPolicy::budget_ns() const
{
	if (!spin_us_ || skip_ > 0)
		return 0;
	return budget((long long)spin_us_ * 1000,
		      (long long)spin_max_us_ * 1000, wait_avg_ns_,
		      wait_dev_ns_);
}

long long SpinPolicy::budget(long long base_ns, long long max_ns,
			    long long avg_ns, long long dev_ns)
{
	// Nearly all waits: four mean deviations past the average, and at
	// least twice the average, since waits on a shared host are not
	// spread evenly: a model run of a steady time most calls can take half
	// again as long every few calls, and steady stretches shrink the
	// deviation until the next long wait is missed (docs/performance.md,
	// "Measurements behind the agent's and the stream's defaults").
	long long fit = std::max(avg_ns + 4 * dev_ns, 2 * avg_ns);
	if (fit <= base_ns || avg_ns > max_ns)
		return base_ns;
	// A peer that typically answers within the longest spin is awaited
	// for up to that spin even when its tail is longer. Falling back to
	// the plain spin instead missed every typical reply once one stall
	// had widened the estimate, backed off, and cost a wake-up on a
	// quarter of the calls (classification through the agent, busy host).
	return std::min(fit, max_ns);
}

// Moving averages with weight 1/8, as TCP keeps its round-trip time. A
// wait longer than the longest spin counts as just longer than it: one
// stall of milliseconds (a page fault storm, a descheduled vCPU) says
// nothing about whether the next reply fits, and must not push the
// estimate out of range for dozens of calls.
void SpinPolicy::waited(long long ns)
{
	long long cap = (long long)spin_max_us_ * 1000 + 1000;
	if (ns > cap)
		ns = cap;
	long long err = ns - wait_avg_ns_;
	wait_avg_ns_ += err / 8;
	wait_dev_ns_ += ((err < 0 ? -err : err) - wait_dev_ns_) / 8;
}

bool SpinPolicy::spin_now()
{
	if (!spin_us_)
		return false;
	if (skip_ > 0) {
		--skip_;
		return false;
	}
	return true;
}

void SpinPolicy::spun(bool hit)
{
	if (hit) {
		misses_ = 0;
		backoff_ = kMinBackoff;
		return;
	}
	if (++misses_ < kMissesToBackOff)
		return;
	misses_ = 0;
	skip_ = backoff_;
	backoff_ = backoff_ * 2 > kMaxBackoff ? kMaxBackoff : backoff_ * 2;
}

} // namespace vaccel::rpc
