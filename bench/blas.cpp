// SPDX-License-Identifier: Apache-2.0
// sgemm through vAccel and the blas plugin against cblas_sgemm called
// directly, in the same run, on the same OpenBLAS (the plugin's calls land
// in the library this program is linked with) with the same threads.
// Square n x n products, n = 64 ... 1024, the two calls taking turns (see
// BM_sgemm_direct_vs_vaccel).
//
// After the usual output a table gives, per n, both times and the ratio
// vAccel / direct (medians of the repetitions with --benchmark_repetitions).
// docs/performance.md records it.
#include <vaccel.h>

#include <algorithm>
#include <benchmark/benchmark.h>
#include <cblas.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace {

const int kSizes[] = {64, 128, 256, 512, 1024};

struct Matrices {
	std::vector<float> a, b, c;
	explicit Matrices(int n)
		: a((size_t)n * n), b((size_t)n * n), c((size_t)n * n)
	{
		std::mt19937 rng(n);
		std::uniform_real_distribution<float> u(-1.0F, 1.0F);
		for (auto *v : {&a, &b, &c})
			for (auto &x : *v)
				x = u(rng);
	}
};

double median(std::vector<double> v)
{
	if (v.empty())
		return 0;
	auto mid = v.begin() + v.size() / 2;
	std::nth_element(v.begin(), mid, v.end());
	return *mid;
}

// One iteration is one direct call and one call through vAccel, in turns
// first, on the same matrices: both see the same caches, the same OpenBLAS
// threads and the same background load, which on a shared machine moves
// separate benchmarks' results by far more than the difference sought.
// The counters are the medians of the per-call times and of the per-pair
// ratio; the iteration time (manual) is the pair.
void BM_sgemm_direct_vs_vaccel(benchmark::State &st)
{
	const int n = (int)st.range(0);
	Matrices m(n);
	vaccel_session s{};
	if (vaccel_session_init(&s, VACCEL_PLUGIN_CPU) != VACCEL_OK) {
		st.SkipWithError("session");
		return;
	}
	using clock = std::chrono::steady_clock;
	auto direct = [&] {
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n,
			    1.0F, m.a.data(), n, m.b.data(), n, 0.0F,
			    m.c.data(), n);
		return VACCEL_OK;
	};
	auto through_vaccel = [&] {
		return vaccel_sgemm(&s, n, n, n, 1.0F, m.a.data(), n,
				    m.b.data(), n, 0.0F, m.c.data(), n);
	};
	std::vector<double> td, tv, ratio;
	bool vaccel_first = false;
	for (auto _ : st) {
		double t[2];
		int ret = VACCEL_OK;
		for (int side = 0; side < 2; ++side) {
			const bool v = (side == 0) == vaccel_first;
			auto t0 = clock::now();
			ret |= v ? through_vaccel() : direct();
			benchmark::ClobberMemory();
			t[v] = std::chrono::duration<double>(clock::now() - t0)
				       .count();
		}
		if (ret != VACCEL_OK) {
			st.SkipWithError("vaccel_sgemm failed");
			break;
		}
		vaccel_first = !vaccel_first;
		st.SetIterationTime(t[0] + t[1]);
		td.push_back(t[0] * 1e6);
		tv.push_back(t[1] * 1e6);
		ratio.push_back(t[1] / t[0]);
	}
	vaccel_session_release(&s);
	st.counters["direct_us"] = median(td);
	st.counters["vaccel_us"] = median(tv);
	st.counters["ratio"] = median(ratio);
}

// Console output as usual, and the counters kept for the ratio table: the
// median of repetitions if there are any, else the single run.
class Recorder : public benchmark::ConsoleReporter {
public:
	void ReportRuns(const std::vector<Run> &runs) override
	{
		ConsoleReporter::ReportRuns(runs);
		for (const Run &r : runs) {
			if (r.error_occurred)
				continue;
			const bool median = r.run_type == Run::RT_Aggregate &&
					    r.aggregate_name == "median";
			if (r.run_type == Run::RT_Aggregate && !median)
				continue;
			Row &row = rows[std::atoi(r.run_name.args.c_str())];
			// A median overrides the repetitions it summarises.
			if (!median && row.median)
				continue;
			row.median = median;
			row.direct = r.counters.at("direct_us");
			row.vaccel = r.counters.at("vaccel_us");
			row.ratio = r.counters.at("ratio");
		}
	}
	void table() const
	{
		std::printf("\n| n | cblas_sgemm direct | vaccel_sgemm (blas) "
			    "| ratio vAccel/direct |\n|---:|---:|---:|---:|\n");
		for (auto &[n, row] : rows)
			std::printf("| %d | %.1f us | %.1f us | %.3f |\n", n,
				    row.direct, row.vaccel, row.ratio);
	}

private:
	struct Row {
		double direct = 0, vaccel = 0, ratio = 0;
		bool median = false;
	};
	std::map<int, Row> rows;
};

} // namespace

int main(int argc, char **argv)
{
	benchmark::Initialize(&argc, argv);
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		return 1;
	std::string plugin =
		std::string(VACCEL_BENCH_LIB_DIR) + "/libvaccel-blas.so";
	struct vaccel_config cfg{};
	vaccel_config_init(&cfg, plugin.c_str(), VACCEL_LOG_ERROR, nullptr,
			   false, false);
	if (vaccel_bootstrap_with_config(&cfg) != VACCEL_OK ||
	    !vaccel_plugin_for_op(VACCEL_OP_BLAS_SGEMM, VACCEL_PLUGIN_CPU)) {
		std::fprintf(stderr, "cannot load %s\n", plugin.c_str());
		return 1;
	}
	vaccel_config_release(&cfg);
	benchmark::AddCustomContext("openblas_threads",
				    std::to_string(openblas_get_num_threads()));
	for (int n : kSizes)
		benchmark::RegisterBenchmark("BM_sgemm_direct_vs_vaccel",
					     BM_sgemm_direct_vs_vaccel)
			->Arg(n)
			->Unit(benchmark::kMicrosecond)
			->UseManualTime();
	Recorder rec;
	benchmark::RunSpecifiedBenchmarks(&rec);
	rec.table();
	benchmark::Shutdown();
	return 0;
}
