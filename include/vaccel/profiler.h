/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file vaccel/profiler.h
 * The profiling regions under the names newer vAccel releases use
 * (vaccel_profiler_*), for programs written against them. A profiler region
 * carries a lock, so that start, stop and print of one region may be called
 * from several threads at once; the *_by_name and print_all helpers leave
 * synchronising the array to the caller. Samples and output are those of
 * vaccel_prof_* (vaccel/prof.h).
 */
#pragma once

#include "op.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct vaccel_profiler_sample {
	uint64_t start; /* when the region was entered (ns, monotonic) */
	uint64_t time; /* time spent inside (ns) */
};

struct vaccel_profiler_region {
	const char *name; /* name of the region */
	bool name_owned; /* name is a copy freed with the region */
	size_t nr_entries; /* samples collected */
	struct vaccel_profiler_sample *samples; /* the samples */
	size_t size; /* allocated samples */
	pthread_mutex_t lock; /* serialises start, stop and print */
};

#define VACCEL_PROFILER_REGION_INIT(name) \
	{ (name), false, 0, NULL, 0, PTHREAD_MUTEX_INITIALIZER }

bool vaccel_profiler_enabled(void);
/** Nothing is buffered outside the regions: returns VACCEL_OK. */
int vaccel_profiler_flush(void);
int vaccel_profiler_region_start(struct vaccel_profiler_region *region);
int vaccel_profiler_region_stop(struct vaccel_profiler_region *region);
/** As vaccel_profiler_region_stop(); the context is not recorded. */
int vaccel_profiler_region_stop_with_context(
	struct vaccel_profiler_region *region, vaccel_op_type_t op_type,
	const char *plugin_name);
int vaccel_profiler_region_print(struct vaccel_profiler_region *region);
int vaccel_profiler_region_init(struct vaccel_profiler_region *region,
				const char *name);
int vaccel_profiler_region_release(struct vaccel_profiler_region *region);
int vaccel_profiler_regions_start_by_name(
	struct vaccel_profiler_region *regions, int nregions, const char *name);
int vaccel_profiler_regions_stop_by_name(struct vaccel_profiler_region *regions,
					 int nregions, const char *name);
int vaccel_profiler_regions_init(struct vaccel_profiler_region *regions,
				 int nregions);
int vaccel_profiler_regions_release(struct vaccel_profiler_region *regions,
				    int nregions);
int vaccel_profiler_regions_print_all(struct vaccel_profiler_region *regions,
				      int nregions);
int vaccel_profiler_regions_print_all_to_buf(
	char **tbuf, size_t tbuf_len, struct vaccel_profiler_region *regions,
	int size);

#ifdef __cplusplus
}
#endif
