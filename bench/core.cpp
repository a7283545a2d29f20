// SPDX-License-Identifier: Apache-2.0
// Costs of the core runtime, each next to a baseline measured in the same
// run (docs/performance.md explains the pairs):
//   noop call            vs a call through a function pointer
//   exec of an empty fn  vs calling that function through dlsym's pointer
//   session init+release vs mkdir+rmdir (what a session costs upstream)
//   resource cycle 1 KiB vs open+fstat+close of the same file
//   process start-up     vs an empty C program
#include <vaccel.h>

#include <benchmark/benchmark.h>
#include <cstdio>
#include <cstdlib>
#include <dlfcn.h>
#include <fcntl.h>
#include <spawn.h>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

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

void BM_vaccel_resource_cycle_1KiB(benchmark::State &st)
{
	boot(lib("vaccel-noop"));
	std::string p = one_kib_file();
	vaccel_session s{};
	vaccel_session_init(&s, 0);
	for (auto _ : st) {
		vaccel_resource r;
		vaccel_resource_init(&r, p.c_str(), VACCEL_RESOURCE_MODEL);
		vaccel_resource_register(&r, &s);
		vaccel_resource_unregister(&r, &s);
		vaccel_resource_release(&r);
	}
	vaccel_session_release(&s);
	unlink(p.c_str());
}
BENCHMARK(BM_vaccel_resource_cycle_1KiB);

// Wall time of running a program to completion.
void spawn_and_wait(benchmark::State &st, const std::string &prog,
		    char *const *argv, char **envp)
{
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	for (auto _ : st) {
		pid_t pid;
		if (posix_spawn(&pid, prog.c_str(), &fa, nullptr, argv, envp)) {
			st.SkipWithError("spawn failed");
			break;
		}
		int status = 0;
		waitpid(pid, &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			st.SkipWithError("program failed");
			break;
		}
	}
	posix_spawn_file_actions_destroy(&fa);
}

void BM_baseline_startup_empty_program(benchmark::State &st)
{
	std::string prog = std::string(VACCEL_BENCH_BIN_DIR) + "/vaccel-bench-empty";
	char *argv[] = {prog.data(), nullptr};
	char *envp[] = {nullptr};
	spawn_and_wait(st, prog, argv, envp);
}
BENCHMARK(BM_baseline_startup_empty_program)->UseRealTime();

void BM_vaccel_startup_plugin_and_session(benchmark::State &st)
{
	std::string prog = std::string(VACCEL_BENCH_BIN_DIR) + "/noop";
	std::string env = "VACCEL_PLUGINS=" + lib("vaccel-noop");
	char one[] = "1";
	char *argv[] = {prog.data(), one, nullptr};
	char *envp[] = {env.data(), nullptr};
	spawn_and_wait(st, prog, argv, envp);
}
BENCHMARK(BM_vaccel_startup_plugin_and_session)->UseRealTime();

} // namespace

BENCHMARK_MAIN();
