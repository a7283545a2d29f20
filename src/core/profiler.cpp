// SPDX-License-Identifier: Apache-2.0
// vaccel_profiler_*: the vaccel_prof_* regions behind each region's lock.
// Each call works on a vaccel_prof_region view of the profiler region's
// fields and writes them back, so both APIs share one implementation.
#include <vaccel.h>

#include "prof_regions.hpp"

#include <cstddef>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

namespace {

static_assert(sizeof(vaccel_profiler_sample) == sizeof(vaccel_prof_sample) &&
		      offsetof(vaccel_profiler_sample, start) ==
			      offsetof(vaccel_prof_sample, start) &&
		      offsetof(vaccel_profiler_sample, time) ==
			      offsetof(vaccel_prof_sample, time),
	      "profiler samples are prof samples");

vaccel_prof_region view(const vaccel_profiler_region *r)
{
	return vaccel_prof_region{r->name, r->name_owned, r->nr_entries,
				  reinterpret_cast<vaccel_prof_sample *>(r->samples),
				  r->size};
}

void put_back(vaccel_profiler_region *r, const vaccel_prof_region &v)
{
	r->name = v.name;
	r->name_owned = v.name_owned;
	r->nr_entries = v.nr_entries;
	r->samples = reinterpret_cast<vaccel_profiler_sample *>(v.samples);
	r->size = v.size;
}

// f(vaccel_prof_region *) on @p r's fields, under its lock.
template <class F> int locked(vaccel_profiler_region *r, F &&f)
{
	if (!r)
		return VACCEL_EINVAL;
	pthread_mutex_lock(&r->lock);
	vaccel_prof_region v = view(r);
	int ret = f(&v);
	put_back(r, v);
	pthread_mutex_unlock(&r->lock);
	return ret;
}

} // namespace

extern "C" {

bool vaccel_profiler_enabled(void)
{
	return vaccel_prof_enabled();
}

int vaccel_profiler_flush(void)
{
	return VACCEL_OK;
}

int vaccel_profiler_region_start(struct vaccel_profiler_region *region)
{
	return locked(region, vaccel_prof_region_start);
}

int vaccel_profiler_region_stop(struct vaccel_profiler_region *region)
{
	return locked(region, vaccel_prof_region_stop);
}

int vaccel_profiler_region_stop_with_context(
	struct vaccel_profiler_region *region, vaccel_op_type_t, const char *)
{
	return vaccel_profiler_region_stop(region);
}

int vaccel_profiler_region_print(struct vaccel_profiler_region *region)
{
	return locked(region, vaccel_prof_region_print);
}

int vaccel_profiler_region_init(struct vaccel_profiler_region *region,
				const char *name)
{
	if (!region || !name)
		return VACCEL_EINVAL;
	vaccel_prof_region v{};
	int ret = vaccel_prof_region_init(&v, name);
	if (ret)
		return ret;
	put_back(region, v);
	pthread_mutex_init(&region->lock, nullptr);
	return VACCEL_OK;
}

int vaccel_profiler_region_release(struct vaccel_profiler_region *region)
{
	int ret = locked(region, vaccel_prof_region_release);
	if (ret == VACCEL_OK)
		pthread_mutex_destroy(&region->lock);
	return ret;
}

int vaccel_profiler_regions_start_by_name(struct vaccel_profiler_region *regions,
					  int nregions, const char *name)
{
	return vaccel::core::on_region_named(regions, nregions, name,
					     vaccel_profiler_region_start);
}

int vaccel_profiler_regions_stop_by_name(struct vaccel_profiler_region *regions,
					 int nregions, const char *name)
{
	return vaccel::core::on_region_named(regions, nregions, name,
					     vaccel_profiler_region_stop);
}

int vaccel_profiler_regions_init(struct vaccel_profiler_region *regions,
				 int nregions)
{
	return vaccel::core::each_region(regions, nregions, [](vaccel_profiler_region *r) {
		vaccel::core::reset_samples(r);
		pthread_mutex_init(&r->lock, nullptr);
	});
}

int vaccel_profiler_regions_release(struct vaccel_profiler_region *regions,
				    int nregions)
{
	return vaccel::core::each_region(regions, nregions,
					 vaccel_profiler_region_release);
}

int vaccel_profiler_regions_print_all(struct vaccel_profiler_region *regions,
				      int nregions)
{
	return vaccel::core::each_region(regions, nregions,
					 vaccel_profiler_region_print);
}

int vaccel_profiler_regions_print_all_to_buf(char **tbuf, size_t tbuf_len,
					     struct vaccel_profiler_region *regions,
					     int size)
{
	if (!tbuf || !regions || size < 0)
		return -VACCEL_EINVAL;
	// The caller keeps the array still (as upstream documents): views of
	// every region, printed by the prof implementation.
	std::vector<vaccel_prof_region> views;
	try {
		for (int i = 0; i < size; ++i)
			views.push_back(view(&regions[i]));
	} catch (...) {
		return -VACCEL_ENOMEM;
	}
	return vaccel_prof_regions_print_all_to_buf(tbuf, tbuf_len, views.data(),
						    size);
}

} // extern "C"
