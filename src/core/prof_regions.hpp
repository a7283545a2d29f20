// SPDX-License-Identifier: Apache-2.0
// What the region-array calls of vaccel_prof_* and vaccel_profiler_* share:
// the two region types differ in layout (a profiler region carries a lock),
// not in how an array of them is searched or walked.
#pragma once

#include "vaccel/error.h"

#include <cstring>

namespace vaccel::core {

template <class Region>
Region *region_by_name(Region *regions, int n, const char *name)
{
	if (!regions || !name)
		return nullptr;
	for (int i = 0; i < n; ++i)
		if (regions[i].name && strcmp(regions[i].name, name) == 0)
			return &regions[i];
	return nullptr;
}

// op(&region) on the region named @p name; VACCEL_EINVAL if there is none.
template <class Region, class Op>
int on_region_named(Region *regions, int n, const char *name, Op &&op)
{
	Region *r = region_by_name(regions, n, name);
	return r ? op(r) : VACCEL_EINVAL;
}

// each(&region) on every region of the array; VACCEL_EINVAL for a bad array.
template <class Region, class Each>
int each_region(Region *regions, int n, Each &&each)
{
	if (!regions || n < 0)
		return VACCEL_EINVAL;
	for (int i = 0; i < n; ++i)
		each(&regions[i]);
	return VACCEL_OK;
}

// Samples dropped, names kept (the state of a region array before use).
template <class Region> void reset_samples(Region *r)
{
	r->nr_entries = 0;
	r->samples = nullptr;
	r->size = 0;
}

} // namespace vaccel::core
