// SPDX-License-Identifier: Apache-2.0
// Profiling regions.
#include "support.hpp"

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

namespace {

uint64_t mono_ns()
{
	timespec ts{};
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void spin_ns(uint64_t ns)
{
	uint64_t end = mono_ns() + ns;
	while (mono_ns() < end) {
	}
}

std::string line_of(const vaccel_prof_region &r)
{
	return std::string("[prof] ") + r.name + ": total_time: " +
	       std::to_string(vaccel_prof_region_total(&r)) +
	       " nsec nr_entries: " + std::to_string(r.nr_entries);
}

// A runtime without plugins; each test chooses whether to profile.
class ProfRegion : public vtest::Runtime {
protected:
	void SetUp() override
	{
		ASSERT_EQ(vtest::boot({}), VACCEL_OK);
	}
	void TearDown() override
	{
		vaccel_prof_enable(false);
		vaccel_log_set_level(VACCEL_LOG_ERROR);
		vtest::Runtime::TearDown();
	}
};

} // namespace

TEST_F(ProfRegion, SwitchFollowsTheConfigAndTheCaller)
{
	EXPECT_FALSE(vaccel_prof_enabled());
	vaccel_prof_enable(true);
	EXPECT_TRUE(vaccel_prof_enabled());
	vaccel_prof_enable(false);
	EXPECT_FALSE(vaccel_prof_enabled());
	// A bootstrap with profiling on turns it on.
	ASSERT_EQ(vtest::boot({}, VACCEL_LOG_ERROR, true), VACCEL_OK);
	EXPECT_TRUE(vaccel_prof_enabled());
	ASSERT_EQ(vtest::boot({}, VACCEL_LOG_ERROR, false), VACCEL_OK);
	EXPECT_FALSE(vaccel_prof_enabled());
}

TEST_F(ProfRegion, EnabledRegionCollectsTimedSamples)
{
	vaccel_prof_enable(true);
	vaccel_prof_region r{};
	ASSERT_EQ(vaccel_prof_region_init(&r, "work"), VACCEL_OK);
	ASSERT_NE(r.name, nullptr);
	EXPECT_STREQ(r.name, "work");
	EXPECT_TRUE(r.name_owned);
	EXPECT_EQ(r.nr_entries, 0u);
	EXPECT_EQ(r.samples, nullptr);
	EXPECT_EQ(r.size, 0u);
	EXPECT_EQ(vaccel_prof_region_total(&r), 0u);

	uint64_t before = mono_ns();
	ASSERT_EQ(vaccel_prof_region_start(&r), VACCEL_OK);
	uint64_t entered = mono_ns();
	spin_ns(2000000);
	uint64_t leaving = mono_ns();
	ASSERT_EQ(vaccel_prof_region_stop(&r), VACCEL_OK);
	uint64_t after = mono_ns();

	ASSERT_EQ(r.nr_entries, 1u);
	ASSERT_NE(r.samples, nullptr);
	EXPECT_GE(r.size, 1u);
	EXPECT_GE(r.samples[0].start, before);
	EXPECT_LE(r.samples[0].start, entered);
	EXPECT_GE(r.samples[0].time, leaving - entered);
	EXPECT_LE(r.samples[0].time, after - before);
	EXPECT_EQ(vaccel_prof_region_total(&r), r.samples[0].time);

	// A stop without a start does not touch the finished sample.
	uint64_t t0 = r.samples[0].time;
	spin_ns(100000);
	ASSERT_EQ(vaccel_prof_region_stop(&r), VACCEL_OK);
	EXPECT_EQ(r.samples[0].time, t0);
	EXPECT_EQ(r.nr_entries, 1u);

	// Two more samples; the total is their sum.
	for (int i = 0; i < 2; ++i) {
		ASSERT_EQ(vaccel_prof_region_start(&r), VACCEL_OK);
		spin_ns(500000);
		ASSERT_EQ(vaccel_prof_region_stop(&r), VACCEL_OK);
	}
	ASSERT_EQ(r.nr_entries, 3u);
	EXPECT_GE(r.samples[1].time, 500000u);
	EXPECT_GE(r.samples[2].time, 500000u);
	EXPECT_GE(r.samples[1].start, r.samples[0].start + t0);
	EXPECT_GE(r.samples[2].start, r.samples[1].start + r.samples[1].time);
	EXPECT_EQ(vaccel_prof_region_total(&r),
		  r.samples[0].time + r.samples[1].time + r.samples[2].time);

	ASSERT_EQ(vaccel_prof_region_release(&r), VACCEL_OK);
	EXPECT_EQ(r.name, nullptr);
	EXPECT_EQ(r.samples, nullptr);
	EXPECT_EQ(r.nr_entries, 0u);
	EXPECT_EQ(r.size, 0u);
	EXPECT_FALSE(r.name_owned);
}

TEST_F(ProfRegion, GrowsPastItsFirstAllocation)
{
	vaccel_prof_enable(true);
	vaccel_prof_region r = VACCEL_PROF_REGION_INIT("many");
	for (int i = 0; i < 200; ++i) {
		ASSERT_EQ(vaccel_prof_region_start(&r), VACCEL_OK);
		ASSERT_EQ(vaccel_prof_region_stop(&r), VACCEL_OK);
	}
	EXPECT_EQ(r.nr_entries, 200u);
	EXPECT_GE(r.size, 200u);
	uint64_t sum = 0;
	for (size_t i = 0; i < r.nr_entries; ++i) {
		sum += r.samples[i].time;
		if (i) {
			EXPECT_GE(r.samples[i].start, r.samples[i - 1].start);
		}
	}
	EXPECT_EQ(vaccel_prof_region_total(&r), sum);
	// The literal name is not ours to free.
	ASSERT_EQ(vaccel_prof_region_release(&r), VACCEL_OK);
}

TEST_F(ProfRegion, DisabledRegionCollectsNothing)
{
	vaccel_prof_enable(false);
	vaccel_prof_region r = VACCEL_PROF_REGION_INIT("idle");
	for (int i = 0; i < 3; ++i) {
		ASSERT_EQ(vaccel_prof_region_start(&r), VACCEL_OK);
		spin_ns(10000);
		ASSERT_EQ(vaccel_prof_region_stop(&r), VACCEL_OK);
	}
	EXPECT_EQ(r.nr_entries, 0u);
	EXPECT_EQ(r.samples, nullptr);
	EXPECT_EQ(r.size, 0u);
	EXPECT_EQ(vaccel_prof_region_total(&r), 0u);
	EXPECT_STREQ(r.name, "idle");
	EXPECT_FALSE(r.name_owned);

	// Nothing to print either.
	char *buf = nullptr;
	ASSERT_EQ(vaccel_prof_regions_print_all_to_buf(&buf, 0, &r, 1), 0);
	ASSERT_NE(buf, nullptr);
	EXPECT_STREQ(buf, "");
	free(buf);
	EXPECT_EQ(vaccel_prof_region_release(&r), VACCEL_OK);
}

TEST_F(ProfRegion, ByName)
{
	vaccel_prof_enable(true);
	vaccel_prof_region regions[3] = {VACCEL_PROF_REGION_INIT("load"),
					 VACCEL_PROF_REGION_INIT("run"),
					 VACCEL_PROF_REGION_INIT(nullptr)};
	ASSERT_EQ(vaccel_prof_regions_init(regions, 3), VACCEL_OK);
	EXPECT_STREQ(regions[0].name, "load");
	EXPECT_EQ(regions[0].nr_entries, 0u);
	ASSERT_EQ(vaccel_prof_regions_start_by_name(regions, 3, "run"),
		  VACCEL_OK);
	spin_ns(100000);
	ASSERT_EQ(vaccel_prof_regions_stop_by_name(regions, 3, "run"),
		  VACCEL_OK);
	ASSERT_EQ(vaccel_prof_regions_start_by_name(regions, 3, "run"),
		  VACCEL_OK);
	ASSERT_EQ(vaccel_prof_regions_stop_by_name(regions, 3, "run"),
		  VACCEL_OK);
	EXPECT_EQ(regions[0].nr_entries, 0u);
	EXPECT_EQ(regions[1].nr_entries, 2u);
	EXPECT_GE(regions[1].samples[0].time, 100000u);
	EXPECT_EQ(regions[2].nr_entries, 0u);

	EXPECT_EQ(vaccel_prof_regions_start_by_name(regions, 3, "nope"),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_prof_regions_stop_by_name(regions, 3, "nope"),
		  VACCEL_EINVAL);
	// Only the first n regions are searched.
	EXPECT_EQ(vaccel_prof_regions_start_by_name(regions, 1, "run"),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_prof_regions_start_by_name(regions, 3, nullptr),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_prof_regions_start_by_name(nullptr, 3, "run"),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_prof_regions_stop_by_name(nullptr, 3, "run"),
		  VACCEL_EINVAL);
	EXPECT_EQ(regions[1].nr_entries, 2u);

	ASSERT_EQ(vaccel_prof_regions_release(regions, 3), VACCEL_OK);
	for (auto &r : regions) {
		EXPECT_EQ(r.samples, nullptr);
		EXPECT_EQ(r.nr_entries, 0u);
	}
}

TEST_F(ProfRegion, PrintAllToAllocatedBuffer)
{
	vaccel_prof_enable(true);
	vaccel_prof_region regions[3] = {VACCEL_PROF_REGION_INIT("a"),
					 VACCEL_PROF_REGION_INIT("unused"),
					 VACCEL_PROF_REGION_INIT("c")};
	for (int i = 0; i < 2; ++i) {
		ASSERT_EQ(vaccel_prof_region_start(&regions[0]), VACCEL_OK);
		spin_ns(20000);
		ASSERT_EQ(vaccel_prof_region_stop(&regions[0]), VACCEL_OK);
	}
	ASSERT_EQ(vaccel_prof_region_start(&regions[2]), VACCEL_OK);
	ASSERT_EQ(vaccel_prof_region_stop(&regions[2]), VACCEL_OK);

	std::string expected =
		line_of(regions[0]) + "\n" + line_of(regions[2]) + "\n";
	EXPECT_EQ(line_of(regions[0]).rfind("[prof] a: total_time: ", 0), 0u);
	EXPECT_NE(expected.find(" nr_entries: 2\n"), std::string::npos);

	char *buf = nullptr;
	int n = vaccel_prof_regions_print_all_to_buf(&buf, 0, regions, 3);
	ASSERT_NE(buf, nullptr);
	EXPECT_EQ(n, (int)expected.size());
	EXPECT_EQ(std::string(buf), expected);
	free(buf);

	// Only the first region.
	buf = nullptr;
	n = vaccel_prof_regions_print_all_to_buf(&buf, 0, regions, 1);
	ASSERT_NE(buf, nullptr);
	EXPECT_EQ(std::string(buf), line_of(regions[0]) + "\n");
	EXPECT_EQ(n, (int)strlen(buf));
	free(buf);

	EXPECT_EQ(vaccel_prof_regions_release(regions, 3), VACCEL_OK);
}

TEST_F(ProfRegion, LongNamesAreNotCutShort)
{
	vaccel_prof_enable(true);
	std::string name(400, 'n');
	vaccel_prof_region r{};
	ASSERT_EQ(vaccel_prof_region_init(&r, name.c_str()), VACCEL_OK);
	ASSERT_EQ(vaccel_prof_region_start(&r), VACCEL_OK);
	ASSERT_EQ(vaccel_prof_region_stop(&r), VACCEL_OK);
	std::string expected = line_of(r) + "\n";
	ASSERT_GT(expected.size(), 400u);
	char *buf = nullptr;
	int n = vaccel_prof_regions_print_all_to_buf(&buf, 0, &r, 1);
	ASSERT_NE(buf, nullptr);
	EXPECT_EQ(n, (int)expected.size());
	EXPECT_EQ(std::string(buf), expected);
	free(buf);
	ASSERT_EQ(vaccel_log_set_level(VACCEL_LOG_ERROR), VACCEL_OK);
	::testing::internal::CaptureStdout();
	EXPECT_EQ(vaccel_prof_region_print(&r), VACCEL_OK);
	fflush(stdout);
	EXPECT_EQ(::testing::internal::GetCapturedStdout(), expected);
	EXPECT_EQ(vaccel_prof_region_release(&r), VACCEL_OK);
}

TEST_F(ProfRegion, PrintAllToCallerBuffer)
{
	vaccel_prof_enable(true);
	vaccel_prof_region r = VACCEL_PROF_REGION_INIT("step");
	ASSERT_EQ(vaccel_prof_region_start(&r), VACCEL_OK);
	ASSERT_EQ(vaccel_prof_region_stop(&r), VACCEL_OK);
	std::string expected = line_of(r) + "\n";

	char big[256];
	memset(big, 'Q', sizeof big);
	char *p = big;
	int n = vaccel_prof_regions_print_all_to_buf(&p, sizeof big, &r, 1);
	EXPECT_EQ(p, big);
	EXPECT_EQ(n, (int)expected.size());
	EXPECT_EQ(std::string(big), expected);

	// Too small: truncated, always terminated, nothing written past it.
	char small[12];
	memset(small, 'Q', sizeof small);
	p = small;
	n = vaccel_prof_regions_print_all_to_buf(&p, 8, &r, 1);
	EXPECT_EQ(n, 7);
	EXPECT_EQ(std::string(small), expected.substr(0, 7));
	EXPECT_EQ(small[8], 'Q');
	// Room for the terminator only.
	p = small;
	n = vaccel_prof_regions_print_all_to_buf(&p, 1, &r, 1);
	EXPECT_EQ(n, 0);
	EXPECT_EQ(small[0], '\0');

	EXPECT_EQ(vaccel_prof_regions_print_all_to_buf(&p, 0, &r, 1),
		  -VACCEL_EINVAL);
	EXPECT_EQ(vaccel_prof_regions_print_all_to_buf(nullptr, 8, &r, 1),
		  -VACCEL_EINVAL);
	EXPECT_EQ(vaccel_prof_regions_print_all_to_buf(&p, 8, nullptr, 1),
		  -VACCEL_EINVAL);
	EXPECT_EQ(vaccel_prof_regions_print_all_to_buf(&p, 8, &r, -1),
		  -VACCEL_EINVAL);
	EXPECT_EQ(vaccel_prof_region_release(&r), VACCEL_OK);
}

TEST_F(ProfRegion, PrintGoesToStdoutOrTheInfoLog)
{
	vaccel_prof_enable(true);
	vaccel_prof_region r = VACCEL_PROF_REGION_INIT("shown");
	vaccel_prof_region empty = VACCEL_PROF_REGION_INIT("hidden");
	ASSERT_EQ(vaccel_prof_region_start(&r), VACCEL_OK);
	ASSERT_EQ(vaccel_prof_region_stop(&r), VACCEL_OK);

	ASSERT_EQ(vaccel_log_set_level(VACCEL_LOG_ERROR), VACCEL_OK);
	::testing::internal::CaptureStdout();
	EXPECT_EQ(vaccel_prof_region_print(&r), VACCEL_OK);
	EXPECT_EQ(vaccel_prof_region_print(&empty), VACCEL_OK);
	fflush(stdout);
	std::string out = ::testing::internal::GetCapturedStdout();
	EXPECT_EQ(out, line_of(r) + "\n");

	ASSERT_EQ(vaccel_log_set_level(VACCEL_LOG_INFO), VACCEL_OK);
	::testing::internal::CaptureStdout();
	::testing::internal::CaptureStderr();
	vaccel_prof_region both[2] = {r, empty};
	EXPECT_EQ(vaccel_prof_regions_print_all(both, 2), VACCEL_OK);
	fflush(stdout);
	std::string err = ::testing::internal::GetCapturedStderr();
	out = ::testing::internal::GetCapturedStdout();
	EXPECT_EQ(out, "");
	EXPECT_NE(err.find("<INFO> " + line_of(r) + "\n"), std::string::npos)
		<< err;
	EXPECT_EQ(err.find("hidden"), std::string::npos) << err;

	EXPECT_EQ(vaccel_prof_region_print(nullptr), VACCEL_EINVAL);
	vaccel_prof_region nameless = VACCEL_PROF_REGION_INIT(nullptr);
	EXPECT_EQ(vaccel_prof_region_print(&nameless), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_prof_regions_print_all(nullptr, 1), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_prof_regions_print_all(both, -1), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_prof_region_release(&r), VACCEL_OK);
}

TEST_F(ProfRegion, BadInput)
{
	vaccel_prof_enable(true);
	EXPECT_EQ(vaccel_prof_region_start(nullptr), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_prof_region_stop(nullptr), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_prof_region_total(nullptr), 0u);
	vaccel_prof_region r{};
	EXPECT_EQ(vaccel_prof_region_init(nullptr, "x"), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_prof_region_init(&r, nullptr), VACCEL_EINVAL);
	EXPECT_EQ(r.name, nullptr);
	EXPECT_EQ(vaccel_prof_region_release(nullptr), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_prof_regions_init(nullptr, 1), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_prof_regions_init(&r, -1), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_prof_regions_release(nullptr, 1), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_prof_regions_release(&r, -1), VACCEL_EINVAL);
	// Stopping a region never started is harmless.
	vaccel_prof_region idle = VACCEL_PROF_REGION_INIT("idle");
	EXPECT_EQ(vaccel_prof_region_stop(&idle), VACCEL_OK);
	EXPECT_EQ(idle.nr_entries, 0u);
}

// The same regions under the newer vaccel_profiler_* names, whose regions
// carry a lock: four threads timing one region at once lose no sample.
TEST_F(ProfRegion, ProfilerRegionsAreLockedProfRegions)
{
	vaccel_prof_enable(true);
	EXPECT_TRUE(vaccel_profiler_enabled());
	EXPECT_EQ(vaccel_profiler_flush(), VACCEL_OK);
	vaccel_profiler_region r = VACCEL_PROFILER_REGION_INIT("shared");
	std::vector<std::thread> threads;
	for (int t = 0; t < 4; ++t)
		threads.emplace_back([&r] {
			for (int i = 0; i < 500; ++i) {
				EXPECT_EQ(vaccel_profiler_region_start(&r), VACCEL_OK);
				EXPECT_EQ(vaccel_profiler_region_stop_with_context(
						  &r, VACCEL_OP_NOOP, "noop"),
					  VACCEL_OK);
			}
		});
	for (auto &t : threads)
		t.join();
	EXPECT_EQ(r.nr_entries, 2000u);
	EXPECT_GE(r.size, 2000u);

	vaccel_profiler_region named[2];
	ASSERT_EQ(vaccel_profiler_region_init(&named[0], "load"), VACCEL_OK);
	ASSERT_EQ(vaccel_profiler_region_init(&named[1], "run"), VACCEL_OK);
	EXPECT_TRUE(named[0].name_owned);
	EXPECT_EQ(vaccel_profiler_regions_start_by_name(named, 2, "run"), VACCEL_OK);
	spin_ns(200000);
	EXPECT_EQ(vaccel_profiler_regions_stop_by_name(named, 2, "run"), VACCEL_OK);
	EXPECT_EQ(vaccel_profiler_regions_start_by_name(named, 2, "nope"),
		  VACCEL_EINVAL);
	EXPECT_EQ(named[0].nr_entries, 0u);
	ASSERT_EQ(named[1].nr_entries, 1u);
	EXPECT_GE(named[1].samples[0].time, 200000u);
	// Printed as the prof regions print: only regions with samples.
	char *buf = nullptr;
	int n = vaccel_profiler_regions_print_all_to_buf(&buf, 0, named, 2);
	ASSERT_GT(n, 0);
	std::string want = "[prof] run: total_time: " +
			   std::to_string(named[1].samples[0].time) +
			   " nsec nr_entries: 1\n";
	EXPECT_EQ(std::string(buf), want);
	free(buf);
	EXPECT_EQ(vaccel_profiler_regions_release(named, 2), VACCEL_OK);
	EXPECT_EQ(named[1].samples, nullptr);
	EXPECT_EQ(vaccel_profiler_region_release(&r), VACCEL_OK);
	EXPECT_EQ(vaccel_profiler_region_start(nullptr), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_profiler_region_init(nullptr, "x"), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_profiler_regions_init(nullptr, 1), VACCEL_EINVAL);
}
