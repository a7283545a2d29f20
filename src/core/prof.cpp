// SPDX-License-Identifier: Apache-2.0
#include "prof_regions.hpp"
#include "runtime.hpp"

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

using vaccel::core::now_ns;
using vaccel::core::prof_enabled;

namespace {

#define PROF_LINE_FMT \
	"[prof] %s: total_time: %" PRIu64 " nsec nr_entries: %zu"

int region_print(const vaccel_prof_region *r, std::string *out)
{
	if (!r || !r->name)
		return VACCEL_EINVAL;
	if (!r->nr_entries)
		return VACCEL_OK;
	uint64_t total = vaccel_prof_region_total(r);
	char small[256];
	char *line = small;
	int n = snprintf(small, sizeof(small), PROF_LINE_FMT, r->name, total,
			 r->nr_entries);
	if (n < 0)
		return VACCEL_EIO;
	// A long name: format again into a buffer that holds the whole line.
	std::unique_ptr<char, decltype(&free)> heap(nullptr, &free);
	if ((size_t)n >= sizeof(small)) {
		heap.reset(static_cast<char *>(malloc((size_t)n + 1)));
		if (!heap) {
			vaccel_error("prof: no memory to print region %s",
				     r->name);
			return VACCEL_ENOMEM;
		}
		line = heap.get();
		snprintf(line, (size_t)n + 1, PROF_LINE_FMT, r->name, total,
			 r->nr_entries);
	}
	if (out) {
		out->append(line).append("\n");
	} else if (vaccel_log_enabled(VACCEL_LOG_INFO)) {
		vaccel_info("%s", line);
	} else {
		printf("%s\n", line);
	}
	return VACCEL_OK;
}

} // namespace

extern "C" {

bool vaccel_prof_enabled(void)
{
	vaccel::core::Runtime::get().ensure();
	return prof_enabled;
}

void vaccel_prof_enable(bool enabled)
{
	vaccel::core::Runtime::get().ensure();
	prof_enabled = enabled;
}

int vaccel_prof_region_start(struct vaccel_prof_region *region)
{
	if (!region)
		return VACCEL_EINVAL;
	if (!vaccel_prof_enabled())
		return VACCEL_OK;
	if (region->nr_entries == region->size) {
		size_t cap = region->size ? region->size * 2 : 64;
		auto *p = static_cast<vaccel_prof_sample *>(realloc(
			region->samples, cap * sizeof(vaccel_prof_sample)));
		if (!p)
			return VACCEL_ENOMEM;
		region->samples = p;
		region->size = cap;
	}
	region->samples[region->nr_entries++] =
		vaccel_prof_sample{now_ns(), 0};
	return VACCEL_OK;
}

int vaccel_prof_region_stop(const struct vaccel_prof_region *region)
{
	if (!region)
		return VACCEL_EINVAL;
	if (!prof_enabled || !region->nr_entries)
		return VACCEL_OK;
	vaccel_prof_sample &s = region->samples[region->nr_entries - 1];
	if (s.time == 0)
		s.time = now_ns() - s.start;
	return VACCEL_OK;
}

uint64_t vaccel_prof_region_total(const struct vaccel_prof_region *region)
{
	uint64_t t = 0;
	for (size_t i = 0; region && i < region->nr_entries; ++i)
		t += region->samples[i].time;
	return t;
}

int vaccel_prof_region_print(const struct vaccel_prof_region *region)
{
	return region_print(region, nullptr);
}

int vaccel_prof_region_init(struct vaccel_prof_region *region,
			    const char *name)
{
	if (!region || !name)
		return VACCEL_EINVAL;
	char *n = strdup(name);
	if (!n)
		return VACCEL_ENOMEM;
	*region = vaccel_prof_region{n, true, 0, nullptr, 0};
	return VACCEL_OK;
}

int vaccel_prof_region_release(struct vaccel_prof_region *region)
{
	if (!region)
		return VACCEL_EINVAL;
	free(region->samples);
	if (region->name_owned)
		free(const_cast<char *>(region->name));
	*region = vaccel_prof_region{};
	return VACCEL_OK;
}

int vaccel_prof_regions_start_by_name(struct vaccel_prof_region *regions,
				      int nregions, const char *name)
{
	return vaccel::core::on_region_named(regions, nregions, name,
					     vaccel_prof_region_start);
}

int vaccel_prof_regions_stop_by_name(struct vaccel_prof_region *regions,
				     int nregions, const char *name)
{
	return vaccel::core::on_region_named(regions, nregions, name,
					     vaccel_prof_region_stop);
}

int vaccel_prof_regions_init(struct vaccel_prof_region *regions, int nregions)
{
	return vaccel::core::each_region(regions, nregions,
					 vaccel::core::reset_samples<vaccel_prof_region>);
}

int vaccel_prof_regions_release(struct vaccel_prof_region *regions,
				int nregions)
{
	return vaccel::core::each_region(regions, nregions,
					 vaccel_prof_region_release);
}

int vaccel_prof_regions_print_all(struct vaccel_prof_region *regions,
				  int nregions)
{
	return vaccel::core::each_region(regions, nregions,
					 vaccel_prof_region_print);
}

int vaccel_prof_regions_print_all_to_buf(char **tbuf, size_t tbuf_len,
					 struct vaccel_prof_region *regions,
					 int size)
{
	if (!tbuf || !regions || size < 0)
		return -VACCEL_EINVAL;
	std::string out;
	try {
		for (int i = 0; i < size; ++i)
			if (region_print(&regions[i], &out) == VACCEL_ENOMEM)
				return -VACCEL_ENOMEM;
	} catch (...) {
		return -VACCEL_ENOMEM;
	}
	if (!*tbuf) {
		*tbuf = strdup(out.c_str());
		return *tbuf ? (int)out.size() : -VACCEL_ENOMEM;
	}
	if (!tbuf_len)
		return -VACCEL_EINVAL;
	size_t n = out.size() < tbuf_len - 1 ? out.size() : tbuf_len - 1;
	memcpy(*tbuf, out.data(), n);
	(*tbuf)[n] = '\0';
	return (int)n;
}

} // extern "C"
