// SPDX-License-Identifier: Apache-2.0
// Costs of the core runtime, each next to a baseline measured in the same
// run (docs/performance.md explains the pairs):
//   noop call            vs a call through a function pointer
//   exec of an empty fn  vs calling that function through dlsym's pointer
//   session init+release vs mkdir+rmdir (what a session costs upstream)
//   resource cycle 1 KiB vs open+fstat+close of the same file
//   process start-up     vs an empty C program
#include <vaccel.h>

#include <algorithm>
#include <benchmark/benchmark.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <dlfcn.h>
#include <fcntl.h>
#include <spawn.h>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char **environ;

namespace {

std::string lib(const char *name)
{
	return std::string(VACCEL_BENCH_LIB_DIR) + "/lib" + name + ".so";
}

void boot(const std::string &plugins)
{
	struct vaccel_config cfg{};
	vaccel_config_init(&cfg, plugins.c_str(), VACCEL_LOG_ERROR, nullptr,
			   false, false);
	if (vaccel_bootstrap_with_config(&cfg) != VACCEL_OK)
		std::abort();
	vaccel_config_release(&cfg);
}

__attribute__((noinline)) int empty_fn(vaccel_session *s)
{
	benchmark::DoNotOptimize(s);
	return 0;
}

void BM_baseline_indirect_call(benchmark::State &st)
{
	int (*volatile fp)(vaccel_session *) = empty_fn;
	vaccel_session s{};
	for (auto _ : st)
		benchmark::DoNotOptimize(fp(&s));
}
BENCHMARK(BM_baseline_indirect_call);

void BM_vaccel_noop(benchmark::State &st)
{
	boot(lib("vaccel-noop"));
	vaccel_session s{};
	vaccel_session_init(&s, 0);
	for (auto _ : st)
		benchmark::DoNotOptimize(vaccel_noop(&s));
	vaccel_session_release(&s);
}
BENCHMARK(BM_vaccel_noop);

using exec_fn = int (*)(vaccel_arg *, size_t, vaccel_arg *, size_t);

void BM_baseline_dlsym_call(benchmark::State &st)
{
	void *h = dlopen(lib("vaccel-test-lib").c_str(), RTLD_NOW);
	auto fn = reinterpret_cast<exec_fn>(dlsym(h, "empty"));
	exec_fn volatile f = fn;
	int32_t x = 1;
	vaccel_arg r{&x, sizeof x, VACCEL_ARG_INT32, 0, false};
	for (auto _ : st)
		benchmark::DoNotOptimize(f(&r, 1, nullptr, 0));
	dlclose(h);
}
BENCHMARK(BM_baseline_dlsym_call);

void BM_vaccel_exec(benchmark::State &st)
{
	boot(lib("vaccel-exec"));
	vaccel_session s{};
	vaccel_session_init(&s, 0);
	std::string path = lib("vaccel-test-lib");
	int32_t x = 1;
	vaccel_arg r{&x, sizeof x, VACCEL_ARG_INT32, 0, false};
	if (vaccel_exec(&s, path.c_str(), "empty", &r, 1, nullptr, 0))
		st.SkipWithError("exec failed");
	for (auto _ : st)
		benchmark::DoNotOptimize(
			vaccel_exec(&s, path.c_str(), "empty", &r, 1, nullptr, 0));
	vaccel_session_release(&s);
}
BENCHMARK(BM_vaccel_exec);

// exec cycling through N functions of one library (bench/many.c): each
// thread remembers its last few (library, function) pairs; past them a call
// looks the pair up in the plugin's shared table (docs/performance.md).
// The name of bench/many.c's function @p i: "fn_1" and i in 5 base-4 digits.
std::string many_name(int i)
{
	std::string name = "fn_1";
	for (int k = 4; k >= 0; --k) {
		int d = i;
		for (int j = 0; j < k; ++j)
			d /= 4;
		name += char('0' + d % 4);
	}
	return name;
}

void BM_vaccel_exec_functions(benchmark::State &st)
{
	boot(lib("vaccel-exec"));
	vaccel_session s{};
	vaccel_session_init(&s, 0);
	std::string path = lib("vaccel-bench-many");
	std::vector<std::string> names;
	for (int i = 0; i < st.range(0); ++i)
		names.push_back(many_name(i));
	int32_t x = 1;
	vaccel_arg r{&x, sizeof x, VACCEL_ARG_INT32, 0, false};
	for (auto &n : names)
		if (vaccel_exec(&s, path.c_str(), n.c_str(), &r, 1, nullptr, 0))
			st.SkipWithError(("exec of " + n + " failed").c_str());
	size_t i = 0;
	for (auto _ : st) {
		benchmark::DoNotOptimize(vaccel_exec(
			&s, path.c_str(), names[i].c_str(), &r, 1, nullptr, 0));
		if (++i == names.size())
			i = 0;
	}
	vaccel_session_release(&s);
}
BENCHMARK(BM_vaccel_exec_functions)->Arg(1)->Arg(4)->Arg(5)->Arg(8)->Arg(1000);

void BM_baseline_mkdir_rmdir(benchmark::State &st)
{
	std::string d = "/tmp/vaccel-bench-dir." + std::to_string(getpid());
	for (auto _ : st) {
		mkdir(d.c_str(), 0700);
		rmdir(d.c_str());
	}
}
BENCHMARK(BM_baseline_mkdir_rmdir);

void BM_vaccel_session_init_release(benchmark::State &st)
{
	boot(lib("vaccel-noop"));
	for (auto _ : st) {
		vaccel_session s;
		vaccel_session_init(&s, 0);
		vaccel_session_release(&s);
	}
}
BENCHMARK(BM_vaccel_session_init_release);

std::string one_kib_file()
{
	std::string p = "/tmp/vaccel-bench-1k." + std::to_string(getpid());
	FILE *f = fopen(p.c_str(), "wb");
	std::string data(1024, 'x');
	fwrite(data.data(), 1, data.size(), f);
	fclose(f);
	return p;
}

void BM_baseline_open_fstat_close(benchmark::State &st)
{
	std::string p = one_kib_file();
	for (auto _ : st) {
		int fd = open(p.c_str(), O_RDONLY | O_CLOEXEC);
		struct stat sb;
		fstat(fd, &sb);
		close(fd);
	}
	unlink(p.c_str());
}
BENCHMARK(BM_baseline_open_fstat_close);

// One resource made, registered, unregistered and released, with arg(0)
// others already registered with the session: the cost must not grow with
// them.
void BM_vaccel_resource_cycle_1KiB(benchmark::State &st)
{
	boot(lib("vaccel-noop"));
	std::string p = one_kib_file();
	vaccel_session s{};
	vaccel_session_init(&s, 0);
	std::vector<vaccel_resource> held((size_t)st.range(0));
	for (auto &r : held) {
		vaccel_resource_init_from_buf(&r, p.data(), 8, VACCEL_RESOURCE_DATA,
					      "held", true);
		vaccel_resource_register(&r, &s);
	}
	for (auto _ : st) {
		vaccel_resource r;
		vaccel_resource_init(&r, p.c_str(), VACCEL_RESOURCE_MODEL);
		vaccel_resource_register(&r, &s);
		vaccel_resource_unregister(&r, &s);
		vaccel_resource_release(&r);
	}
	vaccel_session_release(&s); // unregisters the held ones
	for (auto &r : held)
		vaccel_resource_release(&r);
	unlink(p.c_str());
}
BENCHMARK(BM_vaccel_resource_cycle_1KiB)->ArgName("held")->Arg(0)->Arg(10000)->Arg(30000);

// Releasing a session with arg(0) resources registered, per resource.
void BM_vaccel_session_release_per_resource(benchmark::State &st)
{
	boot(lib("vaccel-noop"));
	const size_t n = (size_t)st.range(0);
	std::vector<vaccel_resource> res(n);
	char byte = 1;
	for (auto &r : res)
		vaccel_resource_init_from_buf(&r, &byte, 1, VACCEL_RESOURCE_DATA, "r", true);
	for (auto _ : st) {
		st.PauseTiming();
		vaccel_session s{};
		vaccel_session_init(&s, 0);
		for (auto &r : res)
			vaccel_resource_register(&r, &s);
		st.ResumeTiming();
		vaccel_session_release(&s);
	}
	for (auto &r : res)
		vaccel_resource_release(&r);
	st.SetItemsProcessed((int64_t)(st.iterations() * n));
}
BENCHMARK(BM_vaccel_session_release_per_resource)->ArgName("resources")->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

// Wall time of running a program to completion, in microseconds; < 0 if it
// could not run or failed.
double spawn_once(posix_spawn_file_actions_t *fa, const std::string &prog,
		  char *const *argv, char **envp)
{
	auto t0 = std::chrono::steady_clock::now();
	pid_t pid;
	if (posix_spawn(&pid, prog.c_str(), fa, nullptr, argv, envp))
		return -1;
	int status = 0;
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return -1;
	return std::chrono::duration<double, std::micro>(
		       std::chrono::steady_clock::now() - t0)
		.count();
}

double median_of(std::vector<double> v)
{
	if (v.empty())
		return 0;
	std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
	return v[v.size() / 2];
}

// Start-up of a program with a plugin and a session (bench/startup.c)
// against an empty C program (bench/empty.c), the two spawned in turns:
// process creation on a VM varies by more than the difference sought, so
// the figure is the median of the per-pair differences (extra_us), not a
// difference of two separate benchmarks. The noop example (which also
// prints a line) is measured the same way as extra_example_us, and the
// floor any program with one more linked and one dlopen()ed shared object
// pays (bench/floor.c, trivial objects) as extra_floor_us.
void BM_startup_plugin_and_session_vs_empty(benchmark::State &st)
{
	std::string bin = VACCEL_BENCH_BIN_DIR;
	std::string empty = bin + "/vaccel-bench-empty";
	std::string startup = bin + "/vaccel-bench-startup";
	std::string example = bin + "/noop";
	std::string floor = bin + "/vaccel-bench-floor";
	std::string env = "VACCEL_PLUGINS=" + lib("vaccel-noop");
	std::string floor_env = "VACCEL_BENCH_TINY_PLUGIN=" +
				std::string(VACCEL_BENCH_LIB_DIR) +
				"/libvaccel-bench-tiny-plugin.so";
	char one[] = "1";
	char *argv_empty[] = {empty.data(), nullptr};
	char *argv_startup[] = {startup.data(), nullptr};
	char *argv_example[] = {example.data(), one, nullptr};
	char *argv_floor[] = {floor.data(), nullptr};
	char *no_env[] = {nullptr};
	char *envp[] = {env.data(), nullptr};
	char *floor_envp[] = {floor_env.data(), nullptr};
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	std::vector<double> te, tv, extra, extra_example, extra_floor;
	for (auto _ : st) {
		double e = spawn_once(&fa, empty, argv_empty, no_env);
		double v = spawn_once(&fa, startup, argv_startup, envp);
		double x = spawn_once(&fa, example, argv_example, envp);
		double f = spawn_once(&fa, floor, argv_floor, floor_envp);
		if (e < 0 || v < 0 || x < 0 || f < 0) {
			st.SkipWithError("a program failed");
			break;
		}
		te.push_back(e);
		tv.push_back(v);
		extra.push_back(v - e);
		extra_example.push_back(x - e);
		extra_floor.push_back(f - e);
	}
	posix_spawn_file_actions_destroy(&fa);
	st.counters["empty_us"] = median_of(te);
	st.counters["vaccel_us"] = median_of(tv);
	st.counters["extra_us"] = median_of(extra);
	st.counters["extra_example_us"] = median_of(extra_example);
	st.counters["extra_floor_us"] = median_of(extra_floor);
}
BENCHMARK(BM_startup_plugin_and_session_vs_empty)->UseRealTime()->Unit(benchmark::kMicrosecond);

} // namespace

BENCHMARK_MAIN();
