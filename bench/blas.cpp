// SPDX-License-Identifier: Apache-2.0
// sgemm through vAccel and the blas plugin against cblas_sgemm called
// directly, in the same run, on the same OpenBLAS (the plugin's calls land
// in the library this program is linked with) with the same threads.
// Square n x n products, n = 64 ... 1024, the two calls taking turns (see
// BM_sgemm_direct_vs_vaccel).
//
// After the usual output a table gives, per n, both times and the ratio
// vAccel / direct (bench/paired.hpp).
// docs/performance.md records it.
#include <vaccel.h>

#include "paired.hpp"

#include <benchmark/benchmark.h>
#include <cblas.h>
#include <cstdio>
#include <cstdlib>
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

// One iteration is one direct call and one call through vAccel, in turns
// (bench/paired.hpp).
void BM_sgemm_direct_vs_vaccel(benchmark::State &st)
{
	const int n = (int)st.range(0);
	Matrices m(n);
	vaccel_session s{};
	if (vaccel_session_init(&s, VACCEL_PLUGIN_CPU) != VACCEL_OK) {
		st.SkipWithError("session");
		return;
	}
	vbench::paired(
		st,
		[&] {
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n,
				    n, n, 1.0F, m.a.data(), n, m.b.data(), n,
				    0.0F, m.c.data(), n);
			return VACCEL_OK;
		},
		[&] {
			return vaccel_sgemm(&s, n, n, n, 1.0F, m.a.data(), n,
					    m.b.data(), n, 0.0F, m.c.data(), n);
		});
	vaccel_session_release(&s);
}

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
	// "BM_sgemm_direct_vs_vaccel/256/manual_time": the row is n.
	vbench::PairTable table([](const std::string &name) {
		auto a = name.find('/') + 1;
		return name.substr(a, name.find('/', a) - a);
	});
	benchmark::RunSpecifiedBenchmarks(&table);
	table.print("| n | cblas_sgemm direct | vaccel_sgemm (blas) "
		    "| ratio vAccel/direct |");
	benchmark::Shutdown();
	if (table.failed())
		return 1;
	return 0;
}
