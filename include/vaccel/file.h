/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file vaccel/file.h
 * Upstream vAccel 0.7's files, which its current API replaced by blobs
 * (vaccel/blob.h), kept as deprecated so that programs written for 0.7
 * build and run. A file is a path on disk (read into memory, mapped, on
 * demand) or bytes in the caller's memory, borrowed, optionally written to
 * a file of its own. Each function behaves as its blob counterpart; new
 * code: struct vaccel_blob.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VACCEL_FILE_DEPRECATED \
	__attribute__((deprecated("use struct vaccel_blob (vaccel/blob.h)")))

struct vaccel_file {
	char *name; /* file name, no directory */
	char *path; /* the file on disk; NULL for bytes only in memory */
	bool path_owned; /* the file was written here and is removed with it */
	uint8_t *data; /* contents: the caller's bytes, or the file mapped */
	size_t size; /* size of data */
};

/** Write a file's in-memory bytes to @p dir / @p filename (another name if
 *  taken, or a random suffix if @p randomize) and map that file:
 *  VACCEL_EEXIST for a file that has a path already, VACCEL_ENOENT if
 *  @p dir is not a directory. */
VACCEL_FILE_DEPRECATED int vaccel_file_persist(struct vaccel_file *file,
					       const char *dir,
					       const char *filename,
					       bool randomize);
/** A file for the existing regular file @p path (not read yet). */
VACCEL_FILE_DEPRECATED int vaccel_file_init(struct vaccel_file *file,
					    const char *path);
/** A file of @p size bytes at @p buf, borrowed (they must outlive it), named
 *  @p filename; written to a file in @p dir if @p dir is given. */
VACCEL_FILE_DEPRECATED int
vaccel_file_init_from_buf(struct vaccel_file *file, const uint8_t *buf,
			  size_t size, const char *filename, const char *dir,
			  bool randomize);
/** Unmap what was mapped, remove a file written by the library, free the
 *  names: VACCEL_EINVAL for a file never initialised. */
VACCEL_FILE_DEPRECATED int vaccel_file_release(struct vaccel_file *file);
VACCEL_FILE_DEPRECATED int vaccel_file_new(struct vaccel_file **file,
					   const char *path);
VACCEL_FILE_DEPRECATED int
vaccel_file_from_buf(struct vaccel_file **file, const uint8_t *buf,
		     size_t size, const char *filename, const char *dir,
		     bool randomize);
VACCEL_FILE_DEPRECATED int vaccel_file_delete(struct vaccel_file *file);
/** Whether @p file has a path, or bytes. */
VACCEL_FILE_DEPRECATED bool vaccel_file_initialized(struct vaccel_file *file);
/** Map the file's contents, unless it has them in memory already. */
VACCEL_FILE_DEPRECATED int vaccel_file_read(struct vaccel_file *file);
/** The file's bytes, read first if need be (NULL on error). */
VACCEL_FILE_DEPRECATED uint8_t *vaccel_file_data(struct vaccel_file *file,
						 size_t *size);
VACCEL_FILE_DEPRECATED const char *vaccel_file_path(struct vaccel_file *file);

#ifdef __cplusplus
}
#endif
