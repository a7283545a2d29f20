/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file vaccel/prof.h
 * Profiling regions: named timers that collect samples while profiling is
 * enabled (VACCEL_PROFILING_ENABLED=1) and cost one branch when it is not.
 * A region is used by one thread at a time.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct vaccel_prof_sample {
	uint64_t start; /* when the region was entered (ns, monotonic) */
	uint64_t time; /* time spent inside (ns) */
};

struct vaccel_prof_region {
	const char *name; /* name of the region */
	bool name_owned; /* name is a copy freed with the region */
	size_t nr_entries; /* samples collected */
	struct vaccel_prof_sample *samples; /* the samples */
	size_t size; /* allocated samples */
};

#define VACCEL_PROF_REGION_INIT(name) { (name), false, 0, NULL, 0 }

bool vaccel_prof_enabled(void);
/** Enable or disable profiling at run time. */
void vaccel_prof_enable(bool enabled);
int vaccel_prof_region_start(struct vaccel_prof_region *region);
int vaccel_prof_region_stop(const struct vaccel_prof_region *region);
/** Log "[prof] <name>: total_time: ... nsec nr_entries: ..." at info level
 *  (or to stdout if logging is quieter); nothing if there are no samples. */
int vaccel_prof_region_print(const struct vaccel_prof_region *region);
/** Initialise @p region with a copy of @p name. */
int vaccel_prof_region_init(struct vaccel_prof_region *region,
			    const char *name);
int vaccel_prof_region_release(struct vaccel_prof_region *region);
int vaccel_prof_regions_start_by_name(struct vaccel_prof_region *regions,
				      int nregions, const char *name);
int vaccel_prof_regions_stop_by_name(struct vaccel_prof_region *regions,
				     int nregions, const char *name);
/** Reset @p nregions regions that already carry names. */
int vaccel_prof_regions_init(struct vaccel_prof_region *regions, int nregions);
int vaccel_prof_regions_release(struct vaccel_prof_region *regions,
				int nregions);
int vaccel_prof_regions_print_all(struct vaccel_prof_region *regions,
				  int nregions);
/** Print the regions' totals into @p tbuf (allocated if *tbuf is NULL,
 *  which the caller then frees). Returns the length written or < 0. */
int vaccel_prof_regions_print_all_to_buf(char **tbuf, size_t tbuf_len,
					 struct vaccel_prof_region *regions,
					 int size);
/** Total time (ns) of the samples of @p region. */
uint64_t vaccel_prof_region_total(const struct vaccel_prof_region *region);

#ifdef __cplusplus
}
#endif
