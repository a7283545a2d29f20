// SPDX-License-Identifier: Apache-2.0
// Upstream 0.7's vaccel_file API (vaccel/file.h), each function carried out
// by its blob counterpart: a file is lent to a vaccel_blob, the blob
// function runs, and the file takes back what the blob holds. The two
// structs differ (a blob says where its bytes live in `type` and whether
// they are its own in `data_owned`); a file's bytes are the caller's when it
// has no path and a mapping of its file when it has one, which is all the
// conversion needs.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

#include "runtime.hpp"

#include <cstdlib>
#include <cstring>

namespace {

vaccel_blob as_blob(const vaccel_file *f)
{
	vaccel_blob b{};
	b.type = !f->path ? VACCEL_BLOB_BUFFER
			  : (f->data ? VACCEL_BLOB_MAPPED : VACCEL_BLOB_FILE);
	b.name = f->name;
	b.path = f->path;
	b.path_owned = f->path_owned;
	b.data = f->data;
	b.data_owned = false;
	b.size = f->size;
	return b;
}

void take_back(vaccel_file *f, const vaccel_blob &b)
{
	f->name = b.name;
	f->path = b.path;
	f->path_owned = b.path_owned;
	f->data = b.data;
	f->size = b.size;
}

// Write the caller's bytes to a file of the file's own in @p dir and map it
// in their place, as 0.7 did (blob persist does exactly that, a name taken
// included).
int persist(vaccel_file *f, const char *dir, const char *filename,
	    bool randomize)
{
	vaccel_blob b = as_blob(f);
	b.name = nullptr; // so that the blob takes the file's name
	if (int ret = vaccel_blob_persist(&b, dir, filename, randomize))
		return ret;
	free(f->name);
	take_back(f, b);
	return VACCEL_OK;
}

} // namespace

extern "C" {

int vaccel_file_persist(struct vaccel_file *file, const char *dir,
			const char *filename, bool randomize)
{
	// Blob persist refuses what 0.7 refused: no bytes or name
	// (VACCEL_EINVAL), no directory (VACCEL_ENOENT), a file already
	// (VACCEL_EEXIST).
	if (!file)
		return VACCEL_EINVAL;
	return persist(file, dir, filename, randomize);
}

int vaccel_file_init(struct vaccel_file *file, const char *path)
{
	if (!file || !path)
		return VACCEL_EINVAL;
	vaccel_blob b{};
	if (int ret = vaccel_blob_init(&b, path))
		return ret;
	take_back(file, b);
	return VACCEL_OK;
}

int vaccel_file_init_from_buf(struct vaccel_file *file, const uint8_t *buf,
			      size_t size, const char *filename,
			      const char *dir, bool randomize)
{
	if (!file || !buf || !size || !filename)
		return VACCEL_EINVAL;
	*file = vaccel_file{};
	file->data = const_cast<uint8_t *>(buf);
	file->size = size;
	if (dir)
		return persist(file, dir, filename, randomize);
	file->name = vaccel::core::dup_cstr(filename);
	return file->name ? VACCEL_OK : VACCEL_ENOMEM;
}

int vaccel_file_release(struct vaccel_file *file)
{
	if (!file || !vaccel_file_initialized(file))
		return VACCEL_EINVAL;
	vaccel_blob b = as_blob(file);
	int ret = vaccel_blob_release(&b);
	if (ret)
		return ret;
	*file = vaccel_file{};
	return VACCEL_OK;
}

int vaccel_file_new(struct vaccel_file **file, const char *path)
{
	return vaccel::core::new_init(
		file, [&](vaccel_file *f) { return vaccel_file_init(f, path); });
}

int vaccel_file_from_buf(struct vaccel_file **file, const uint8_t *buf,
			 size_t size, const char *filename, const char *dir,
			 bool randomize)
{
	return vaccel::core::new_init(file, [&](vaccel_file *f) {
		return vaccel_file_init_from_buf(f, buf, size, filename, dir,
						 randomize);
	});
}

int vaccel_file_delete(struct vaccel_file *file)
{
	int ret = vaccel_file_release(file);
	if (ret)
		return ret;
	free(file);
	return VACCEL_OK;
}

bool vaccel_file_initialized(struct vaccel_file *file)
{
	return file && (file->path || (file->data && file->size));
}

int vaccel_file_read(struct vaccel_file *file)
{
	if (!file)
		return VACCEL_EINVAL;
	if (file->data)
		return VACCEL_OK;
	if (!file->path)
		return VACCEL_EINVAL;
	vaccel_blob b = as_blob(file);
	int ret = vaccel_blob_read(&b);
	if (ret)
		return ret;
	take_back(file, b);
	return VACCEL_OK;
}

uint8_t *vaccel_file_data(struct vaccel_file *file, size_t *size)
{
	if (!file)
		return nullptr;
	if ((!file->data || !file->size) && vaccel_file_read(file))
		return nullptr;
	if (size)
		*size = file->size;
	return file->data;
}

const char *vaccel_file_path(struct vaccel_file *file)
{
	return file ? file->path : nullptr;
}

} // extern "C"
