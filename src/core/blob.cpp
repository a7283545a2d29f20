// SPDX-License-Identifier: Apache-2.0
#include "guard.hpp"
#include "runtime.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

using vaccel::core::dup_cstr;

namespace {

const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

void clear(vaccel_blob *b)
{
	memset(b, 0, sizeof(*b));
}

// A regular file's contents, mapped privately: @p writable (the writes not
// reaching the file) for a file the blob wrote itself, as upstream maps it;
// read-only for a file read, so that a large model mapped does not count
// against the commit limit (vm.overcommit_memory=2).
int map_file(const char *path, uint8_t **data, size_t *size, bool writable)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;
		vaccel_error("blob: cannot open %s: %s", path, strerror(err));
		return err;
	}
	struct stat st {};
	if (fstat(fd, &st) != 0) {
		int err = errno;
		close(fd);
		return err;
	}
	if (st.st_size <= 0) {
		close(fd);
		vaccel_error("blob: %s is empty", path);
		return VACCEL_EINVAL;
	}
	void *p = mmap(nullptr, (size_t)st.st_size,
		       writable ? PROT_READ | PROT_WRITE : PROT_READ, MAP_PRIVATE,
		       fd, 0);
	int err = p == MAP_FAILED ? errno : 0;
	close(fd);
	if (err) {
		vaccel_error("blob: cannot map %s: %s", path, strerror(err));
		return err;
	}
	*data = static_cast<uint8_t *>(p);
	*size = (size_t)st.st_size;
	return VACCEL_OK;
}

bool is_dir(const char *dir)
{
	struct stat st {};
	return dir && stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
}

} // namespace

int vaccel::core::blob_init_file(vaccel_blob *blob, const char *path) noexcept
{
	if (!blob || !path || !*path)
		return VACCEL_EINVAL;
	struct stat st {};
	if (stat(path, &st) != 0) {
		int err = errno;
		vaccel_error("blob: cannot stat %s: %s", path, strerror(err));
		return err;
	}
	if (!S_ISREG(st.st_mode)) {
		vaccel_error("blob: %s is not a regular file", path);
		return VACCEL_EINVAL;
	}
	clear(blob);
	blob->type = VACCEL_BLOB_FILE;
	blob->path = dup_cstr(path);
	blob->name = dup_cstr(base_name(path));
	if (!blob->path || !blob->name) {
		vaccel_blob_release(blob);
		return VACCEL_ENOMEM;
	}
	return VACCEL_OK;
}

// A path that is not a regular file, missing included, is VACCEL_EINVAL,
// as upstream's.
extern "C" int vaccel_blob_init(struct vaccel_blob *blob, const char *path)
{
	int ret = vaccel::core::blob_init_file(blob, path);
	return ret && ret != VACCEL_ENOMEM ? VACCEL_EINVAL : ret;
}

// As upstream's: the bytes in memory are written to a new file of the
// blob's own (another name if @p filename is taken and not @p randomize),
// which then replaces them, mapped: the blob becomes MAPPED, its data its
// own, and the file is removed with it.
extern "C" int vaccel_blob_persist(struct vaccel_blob *blob, const char *dir,
				   const char *filename, bool randomize)
{
	if (!blob || !blob->data || !blob->size ||
	    (unsigned)blob->type >= VACCEL_BLOB_MAX || !filename ||
	    !*filename || strchr(filename, '/'))
		return VACCEL_EINVAL;
	if (!is_dir(dir))
		return VACCEL_ENOENT;
	if (blob->path)
		return VACCEL_EEXIST;
	std::string path = std::string(dir) + "/" + filename;
	int fd = -1;
	if (!randomize) {
		fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
			  0600);
		if (fd < 0 && errno == EEXIST) {
			vaccel_warn("blob: %s exists; writing to a name with a "
				    "random suffix",
				    path.c_str());
			randomize = true;
		}
	}
	if (randomize) {
		path += ".XXXXXX";
		fd = mkostemp(path.data(), O_CLOEXEC);
	}
	if (fd < 0) {
		int err = errno;
		vaccel_error("blob: cannot create %s: %s", path.c_str(),
			     strerror(err));
		return err;
	}
	int err = write_all(fd, blob->data, blob->size);
	close(fd);
	uint8_t *mapped = nullptr;
	size_t size = 0;
	if (!err)
		err = map_file(path.c_str(), &mapped, &size, true);
	// The blob keeps its name if it is @p filename, else takes the file's.
	const bool keep_name = blob->name && strcmp(blob->name, filename) == 0;
	char *p = nullptr, *name = nullptr;
	if (!err) {
		p = dup_cstr(path.c_str());
		name = keep_name ? nullptr : dup_cstr(base_name(path.c_str()));
		if (!p || (!keep_name && !name))
			err = VACCEL_ENOMEM;
	}
	if (err) {
		if (mapped)
			munmap(mapped, size);
		free(p);
		free(name);
		unlink(path.c_str());
		vaccel_error("blob: cannot write %s: %s", path.c_str(),
			     strerror(err));
		return err;
	}
	if (blob->type == VACCEL_BLOB_BUFFER && blob->data_owned)
		free(blob->data);
	if (name) {
		free(blob->name);
		blob->name = name;
	}
	blob->path = p;
	blob->path_owned = true;
	blob->data = mapped;
	blob->size = size;
	blob->data_owned = true;
	blob->type = VACCEL_BLOB_MAPPED;
	return VACCEL_OK;
}

extern "C" int vaccel_blob_init_from_buf(struct vaccel_blob *blob,
					 const uint8_t *buf, size_t size,
					 bool own, const char *filename,
					 const char *dir, bool randomize)
{
	if (!blob || !buf || !size || !filename || !*filename)
		return VACCEL_EINVAL;
	clear(blob);
	blob->type = VACCEL_BLOB_BUFFER;
	blob->name = dup_cstr(filename);
	if (!blob->name)
		return VACCEL_ENOMEM;
	// Bytes written to a file are the file's: no copy is made first.
	if (own && !dir) {
		blob->data = static_cast<uint8_t *>(malloc(size));
		if (!blob->data) {
			vaccel_blob_release(blob);
			return VACCEL_ENOMEM;
		}
		memcpy(blob->data, buf, size);
		blob->data_owned = true;
	} else {
		blob->data = const_cast<uint8_t *>(buf);
	}
	blob->size = size;
	if (dir) {
		int ret = vaccel_blob_persist(blob, dir, filename, randomize);
		if (ret) {
			vaccel_blob_release(blob);
			return ret;
		}
	}
	return VACCEL_OK;
}

// A released blob has the type VACCEL_BLOB_MAX, and releasing it again (or
// one never initialised that way) is VACCEL_EINVAL, as upstream's.
extern "C" int vaccel_blob_release(struct vaccel_blob *blob)
{
	if (!blob || (unsigned)blob->type >= VACCEL_BLOB_MAX)
		return VACCEL_EINVAL;
	// A mapped file is the blob's by its type (data_owned stays false,
	// as upstream); other data by data_owned.
	if (blob->data && blob->type == VACCEL_BLOB_MAPPED)
		munmap(blob->data, blob->size);
	else if (blob->data && blob->data_owned)
		free(blob->data);
	if (blob->path_owned && blob->path)
		unlink(blob->path);
	free(blob->path);
	free(blob->name);
	clear(blob);
	blob->type = VACCEL_BLOB_MAX;
	return VACCEL_OK;
}

extern "C" int vaccel_blob_new(struct vaccel_blob **blob, const char *path)
{
	return vaccel::core::new_init(
		blob, [&](vaccel_blob *b) { return vaccel_blob_init(b, path); });
}

extern "C" int vaccel_blob_from_buf(struct vaccel_blob **blob,
				    const uint8_t *buf, size_t size, bool own,
				    const char *filename, const char *dir,
				    bool randomize)
{
	return vaccel::core::new_init(blob, [&](vaccel_blob *b) {
		return vaccel_blob_init_from_buf(b, buf, size, own, filename,
						 dir, randomize);
	});
}

extern "C" int vaccel_blob_delete(struct vaccel_blob *blob)
{
	int ret = vaccel_blob_release(blob);
	if (ret)
		return ret;
	free(blob);
	return VACCEL_OK;
}

extern "C" int vaccel_blob_read(struct vaccel_blob *blob)
{
	if (!blob)
		return VACCEL_EINVAL;
	if (blob->data)
		return VACCEL_OK; // already in memory, read or given
	if (!blob->path)
		return VACCEL_EINVAL;
	uint8_t *data = nullptr;
	size_t size = 0;
	if (int err = map_file(blob->path, &data, &size, false))
		return err;
	blob->data = data;
	blob->size = size;
	blob->type = VACCEL_BLOB_MAPPED;
	return VACCEL_OK;
}

extern "C" uint8_t *vaccel_blob_data(struct vaccel_blob *blob, size_t *size)
{
	if (!blob)
		return nullptr;
	if (!blob->data && vaccel_blob_read(blob) != VACCEL_OK)
		return nullptr;
	if (size)
		*size = blob->size;
	return blob->data;
}

extern "C" const char *vaccel_blob_path(struct vaccel_blob *blob)
{
	return blob ? blob->path : nullptr;
}

extern "C" bool vaccel_blob_valid(const struct vaccel_blob *blob)
{
	if (!blob || (unsigned)blob->type >= VACCEL_BLOB_MAX || !blob->name)
		return false;
	if (blob->type == VACCEL_BLOB_BUFFER)
		return blob->data && blob->size;
	return blob->path != nullptr;
}
