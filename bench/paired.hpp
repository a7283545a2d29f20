// SPDX-License-Identifier: Apache-2.0
// One call through vAccel against the same work done directly, measured in
// turns inside one benchmark: each iteration times one direct call and one
// vAccel call, the order alternating, on the same inputs. Both see the same
// caches, the same framework threads and the same background load, which
// on a shared machine moves separate benchmarks' results by far more than
// the difference sought.
//
// The counters are the medians of the per-call times and of the per-pair
// ratio; the iteration time (manual: register with UseManualTime()) is the
// pair. PairTable prints, after the usual console output, one Markdown row
// per benchmark (the median of repetitions with --benchmark_repetitions).
#pragma once

#include <vaccel.h>

#include <algorithm>
#include <benchmark/benchmark.h>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace vbench {

inline double median(std::vector<double> v)
{
	if (v.empty())
		return 0;
	auto mid = v.begin() + v.size() / 2;
	std::nth_element(v.begin(), mid, v.end());
	return *mid;
}

// direct() and through_vaccel() return a vAccel error code (VACCEL_OK when
// the work was done); the first failure stops the benchmark with an error.
// Each may make @p calls calls in a row: the times reported are per call.
template <class Direct, class Vaccel>
void paired(benchmark::State &st, Direct &&direct, Vaccel &&through_vaccel,
	    int calls = 1)
{
	using clock = std::chrono::steady_clock;
	std::vector<double> td, tv, ratio;
	bool vaccel_first = false;
	// One untimed call of each first: what is measured is the steady
	// state, not first touches of buffers, connections or lazy set-up
	// (a fresh connection's first 64 MiB call through the shared arena
	// faults in 128 MiB of it: ~0.1 s here).
	if (through_vaccel() != VACCEL_OK || direct() != VACCEL_OK) {
		st.SkipWithError("the warm-up call failed");
		for (auto _ : st) {
		}
		return;
	}
	for (auto _ : st) {
		double t[2];
		int ret[2] = {VACCEL_OK, VACCEL_OK};
		for (int side = 0; side < 2; ++side) {
			const bool v = (side == 0) == vaccel_first;
			auto t0 = clock::now();
			ret[v] = v ? through_vaccel() : direct();
			benchmark::ClobberMemory();
			t[v] = std::chrono::duration<double>(clock::now() - t0)
				       .count();
		}
		if (ret[0] != VACCEL_OK || ret[1] != VACCEL_OK) {
			st.SkipWithError(ret[1] != VACCEL_OK
						 ? "the call through vAccel failed"
						 : "the direct call failed");
			break;
		}
		vaccel_first = !vaccel_first;
		st.SetIterationTime(t[0] + t[1]);
		td.push_back(t[0] * 1e6 / calls);
		tv.push_back(t[1] * 1e6 / calls);
		ratio.push_back(t[1] / t[0]);
	}
	st.counters["direct_us"] = median(td);
	st.counters["vaccel_us"] = median(tv);
	st.counters["ratio"] = median(ratio);
}

// Console output as usual, and the counters of paired() benchmarks kept for
// a Markdown table: the median of repetitions if there are any, else the
// single run. Rows are labelled by label(run name), in the order run.
class PairTable : public benchmark::ConsoleReporter {
public:
	using Label = std::function<std::string(const std::string &)>;
	explicit PairTable(Label label) : label_(std::move(label)) {}

	void ReportRuns(const std::vector<Run> &runs) override
	{
		ConsoleReporter::ReportRuns(runs);
		for (const Run &r : runs) {
			if (r.error_occurred)
				failed_ = true;
			if (r.error_occurred || !r.counters.count("ratio"))
				continue;
			const bool median = r.run_type == Run::RT_Aggregate &&
					    r.aggregate_name == "median";
			if (r.run_type == Run::RT_Aggregate && !median)
				continue;
			const std::string name = r.run_name.str();
			if (!rows_.count(name))
				order_.push_back(name);
			Row &row = rows_[name];
			// A median overrides the repetitions it summarises.
			if (!median && row.median)
				continue;
			row.median = median;
			row.direct = r.counters.at("direct_us");
			row.vaccel = r.counters.at("vaccel_us");
			row.ratio = r.counters.at("ratio");
		}
	}

	// Whether a benchmark stopped with an error (a wrong result included).
	bool failed() const { return failed_; }

	// header: the Markdown header line of the four columns.
	void print(const char *header) const
	{
		std::printf("\n%s\n|---|---:|---:|---:|\n", header);
		for (const std::string &name : order_) {
			const Row &row = rows_.at(name);
			std::printf("| %s | %.1f us | %.1f us | %.3f |\n",
				    label_(name).c_str(), row.direct, row.vaccel,
				    row.ratio);
		}
	}

private:
	struct Row {
		double direct = 0, vaccel = 0, ratio = 0;
		bool median = false;
	};
	Label label_;
	bool failed_ = false;
	std::vector<std::string> order_;
	std::map<std::string, Row> rows_;
};

} // namespace vbench
