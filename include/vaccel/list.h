/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file vaccel/list.h
 * Intrusive list entry, kept for source compatibility; the runtime itself
 * keeps its lists privately.
 */
#pragma once

#define LIST_ENTRY_INIT(name) { &(name), &(name) }

struct vaccel_list_entry {
	struct vaccel_list_entry *next; /* next entry */
	struct vaccel_list_entry *prev; /* previous entry */
};
typedef struct vaccel_list_entry vaccel_list_entry_t;
typedef struct vaccel_list_entry vaccel_list_t;
