/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file vaccel/blob.h
 * A blob is one file of a resource: a file on disk, or bytes in memory.
 */
#pragma once

#include "utils/enum.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VACCEL_BLOB_TYPE_LIST(X, P) \
	X(P, FILE, 0)               \
	X(P, BUFFER, 1)             \
	X(P, MAPPED, 2)

VACCEL_ENUM_DEFINE(vaccel_blob_type, VACCEL_BLOB, VACCEL_BLOB_TYPE_LIST)

struct vaccel_blob {
	vaccel_blob_type_t type; /* where the bytes live */
	char *name; /* file name (no directory) */
	char *path; /* path of the file; NULL for BUFFER blobs */
	bool path_owned; /* the file was written by us and is removed with us */
	uint8_t *data; /* contents; NULL for a file not read yet */
	bool data_owned; /* data is freed with the blob (a MAPPED blob's mapping always is) */
	size_t size; /* size of data */
};

/** Write the blob's bytes to @p dir / @p filename (a random suffix if
 *  @p randomize); the blob then refers to that file, which it owns. */
int vaccel_blob_persist(struct vaccel_blob *blob, const char *dir,
			const char *filename, bool randomize);
/** A FILE blob for the existing regular file @p path (not read). */
int vaccel_blob_init(struct vaccel_blob *blob, const char *path);
/** A blob from @p buf: copied if @p own, else borrowed (must outlive the
 *  blob). If @p dir is given the bytes are also written to a file there. */
int vaccel_blob_init_from_buf(struct vaccel_blob *blob, const uint8_t *buf,
			      size_t size, bool own, const char *filename,
			      const char *dir, bool randomize);
int vaccel_blob_release(struct vaccel_blob *blob);
int vaccel_blob_new(struct vaccel_blob **blob, const char *path);
int vaccel_blob_from_buf(struct vaccel_blob **blob, const uint8_t *buf,
			 size_t size, bool own, const char *filename,
			 const char *dir, bool randomize);
int vaccel_blob_delete(struct vaccel_blob *blob);
/** Map a FILE blob's contents, read-only (type becomes MAPPED). */
int vaccel_blob_read(struct vaccel_blob *blob);
/** The blob's bytes (mapping a file on first use); NULL on error. */
uint8_t *vaccel_blob_data(struct vaccel_blob *blob, size_t *size);
const char *vaccel_blob_path(struct vaccel_blob *blob);
bool vaccel_blob_valid(const struct vaccel_blob *blob);

#ifdef __cplusplus
}
#endif
