// SPDX-License-Identifier: Apache-2.0
#include "support.hpp"

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace fs = std::filesystem;
using vtest::boot;

class Resource : public vtest::Runtime {
protected:
	void SetUp() override
	{
		ASSERT_EQ(boot({"noop"}), VACCEL_OK);
		char tmpl[] = "/tmp/vaccel-res-test.XXXXXX";
		ASSERT_NE(mkdtemp(tmpl), nullptr);
		dir = tmpl;
		write("model.bin", "0123456789");
		write("labels.txt", "a\nb\n");
		ASSERT_EQ(vaccel_session_init(&sess, 0), VACCEL_OK);
	}
	void TearDown() override
	{
		if (sess.id > 0) {
			EXPECT_EQ(vaccel_session_release(&sess), VACCEL_OK);
		}
		fs::remove_all(dir);
		vtest::Runtime::TearDown();
	}
	std::string write(const std::string &name, const std::string &data)
	{
		std::string p = dir + "/" + name;
		std::ofstream(p, std::ios::binary) << data;
		return p;
	}
	std::string path(const std::string &name) { return dir + "/" + name; }

	std::string dir;
	vaccel_session sess{};
};

TEST_F(Resource, FromFileRegisterUnregister)
{
	vaccel_resource res{};
	ASSERT_EQ(vaccel_resource_init(&res, path("model.bin").c_str(),
				       VACCEL_RESOURCE_MODEL),
		  VACCEL_OK);
	EXPECT_GT(res.id, 0);
	EXPECT_EQ(res.type, VACCEL_RESOURCE_MODEL);
	EXPECT_EQ(res.path_type, VACCEL_PATH_LOCAL_FILE);
	ASSERT_EQ(res.nr_blobs, 1u);
	EXPECT_STREQ(res.blobs[0]->name, "model.bin");
	size_t size = 0;
	uint8_t *data = vaccel_blob_data(res.blobs[0], &size);
	ASSERT_NE(data, nullptr);
	EXPECT_EQ(std::string((char *)data, size), "0123456789");

	EXPECT_EQ(vaccel_resource_refcount(&res), 0);
	EXPECT_FALSE(vaccel_session_has_resource(&sess, &res));
	ASSERT_EQ(vaccel_resource_register(&res, &sess), VACCEL_OK);
	EXPECT_EQ(vaccel_resource_refcount(&res), 1);
	EXPECT_TRUE(vaccel_session_has_resource(&sess, &res));
	EXPECT_EQ(vaccel_resource_register(&res, &sess), VACCEL_EEXIST);

	vaccel_resource *found = nullptr;
	EXPECT_EQ(vaccel_session_resource_by_id(&sess, &found, res.id), VACCEL_OK);
	EXPECT_EQ(found, &res);
	EXPECT_EQ(vaccel_session_resource_by_type(&sess, &found,
						  VACCEL_RESOURCE_MODEL),
		  VACCEL_OK);
	EXPECT_EQ(vaccel_session_resource_by_type(&sess, &found,
						  VACCEL_RESOURCE_LIB),
		  VACCEL_ENOENT);
	vaccel_resource **all = nullptr;
	size_t n = 0;
	EXPECT_EQ(vaccel_session_resources_by_type(&sess, &all, &n,
						   VACCEL_RESOURCE_MODEL),
		  VACCEL_OK);
	ASSERT_EQ(n, 1u);
	EXPECT_EQ(all[0], &res);
	free(all);
	EXPECT_EQ(vaccel_resource_get_by_id(&found, res.id), VACCEL_OK);
	EXPECT_EQ(found, &res);

	EXPECT_EQ(vaccel_resource_unregister(&res, &sess), VACCEL_OK);
	EXPECT_EQ(vaccel_resource_unregister(&res, &sess), VACCEL_ENOENT);
	EXPECT_EQ(vaccel_resource_refcount(&res), 0);
	vaccel_id_t id = res.id;
	EXPECT_EQ(vaccel_resource_release(&res), VACCEL_OK);
	EXPECT_EQ(vaccel_resource_get_by_id(&found, id), VACCEL_ENOENT);
	EXPECT_EQ(vaccel_resource_release(&res), VACCEL_EINVAL);
}

TEST_F(Resource, FromDirectoryHasOneBlobPerFileSorted)
{
	vaccel_resource res{};
	ASSERT_EQ(vaccel_resource_init(&res, dir.c_str(), VACCEL_RESOURCE_DATA),
		  VACCEL_OK);
	EXPECT_EQ(res.path_type, VACCEL_PATH_LOCAL_DIR);
	ASSERT_EQ(res.nr_blobs, 2u);
	EXPECT_STREQ(res.blobs[0]->name, "labels.txt");
	EXPECT_STREQ(res.blobs[1]->name, "model.bin");
	char out[4096];
	EXPECT_EQ(vaccel_resource_directory(&res, out, sizeof out, nullptr),
		  VACCEL_OK);
	EXPECT_EQ(std::string(out), dir);
	char small[4];
	EXPECT_EQ(vaccel_resource_directory(&res, small, sizeof small, nullptr),
		  VACCEL_ENAMETOOLONG);
	char *alloc = nullptr;
	EXPECT_EQ(vaccel_resource_directory(&res, nullptr, 0, &alloc), VACCEL_OK);
	EXPECT_EQ(std::string(alloc), dir);
	free(alloc);
	EXPECT_EQ(vaccel_resource_release(&res), VACCEL_OK);
}

TEST_F(Resource, MultiAndBlobsAndNew)
{
	std::string a = path("model.bin"), b = path("labels.txt");
	const char *paths[] = {a.c_str(), b.c_str()};
	vaccel_resource *multi = nullptr;
	ASSERT_EQ(vaccel_resource_multi_new(&multi, paths, 2, VACCEL_RESOURCE_MODEL),
		  VACCEL_OK);
	ASSERT_EQ(multi->nr_blobs, 2u);
	ASSERT_EQ(multi->nr_paths, 2u);
	EXPECT_EQ(std::string(multi->paths[1]), b);

	const vaccel_blob *blobs[] = {multi->blobs[0], multi->blobs[1]};
	vaccel_resource *copy = nullptr;
	ASSERT_EQ(vaccel_resource_from_blobs(&copy, blobs, 2, VACCEL_RESOURCE_DATA),
		  VACCEL_OK);
	EXPECT_EQ(copy->nr_blobs, 2u);
	EXPECT_NE(copy->id, multi->id);
	EXPECT_EQ(vaccel_resource_delete(multi), VACCEL_OK);
	// The copy does not depend on the original.
	size_t size = 0;
	uint8_t *d = vaccel_blob_data(copy->blobs[1], &size);
	ASSERT_NE(d, nullptr);
	EXPECT_EQ(std::string((char *)d, size), "a\nb\n");
	// From FILE blobs: the blobs refer to the files; no paths, and an
	// empty directory of its own, as upstream's.
	EXPECT_EQ(copy->paths, nullptr);
	EXPECT_EQ(copy->nr_paths, 0u);
	ASSERT_NE(copy->rundir, nullptr);
	EXPECT_TRUE(fs::is_empty(copy->rundir));
	EXPECT_FALSE(copy->blobs[0]->path_owned);
	EXPECT_EQ(vaccel_resource_delete(copy), VACCEL_OK);

	// A failed multi-path init leaves no paths behind.
	vaccel_resource bad{};
	bad.paths = reinterpret_cast<char **>(&bad); // garbage
	bad.nr_paths = 7;
	const char *with_null[] = {a.c_str(), nullptr};
	EXPECT_EQ(vaccel_resource_init_multi(&bad, with_null, 2,
					     VACCEL_RESOURCE_MODEL),
		  VACCEL_EINVAL);
	EXPECT_EQ(bad.paths, nullptr);
	EXPECT_EQ(bad.nr_paths, 0u);
}

// MAPPED blobs (files read into memory) are copied into files of the
// resource's own, which go with it; the sources are untouched.
TEST_F(Resource, FromMappedBlobsCopiesThem)
{
	std::string a = path("model.bin"), b = path("labels.txt");
	vaccel_blob ba{}, bb{};
	ASSERT_EQ(vaccel_blob_init(&ba, a.c_str()), VACCEL_OK);
	ASSERT_EQ(vaccel_blob_init(&bb, b.c_str()), VACCEL_OK);
	ASSERT_EQ(vaccel_blob_read(&ba), VACCEL_OK);
	ASSERT_EQ(vaccel_blob_read(&bb), VACCEL_OK);
	const vaccel_blob *blobs[] = {&ba, &bb};
	vaccel_resource res{};
	ASSERT_EQ(vaccel_resource_init_from_blobs(&res, blobs, 2,
						  VACCEL_RESOURCE_DATA),
		  VACCEL_OK);
	EXPECT_EQ(res.paths, nullptr);
	EXPECT_EQ(res.nr_paths, 0u);
	ASSERT_NE(res.rundir, nullptr);
	std::string dir = res.rundir;
	for (size_t i = 0; i < 2; ++i) {
		const vaccel_blob *x = res.blobs[i];
		EXPECT_EQ(x->type, VACCEL_BLOB_MAPPED);
		EXPECT_TRUE(x->path_owned);
		EXPECT_TRUE(x->data_owned);
		EXPECT_STREQ(x->name, blobs[i]->name);
		EXPECT_EQ(fs::path(x->path).parent_path(), fs::path(dir));
		ASSERT_EQ(x->size, blobs[i]->size);
		EXPECT_EQ(memcmp(x->data, blobs[i]->data, x->size), 0);
		EXPECT_NE(x->data, blobs[i]->data);
	}
	EXPECT_EQ(vaccel_resource_release(&res), VACCEL_OK);
	EXPECT_FALSE(fs::exists(dir));
	EXPECT_TRUE(fs::exists(a));
	EXPECT_EQ(vaccel_blob_release(&ba), VACCEL_OK);
	EXPECT_EQ(vaccel_blob_release(&bb), VACCEL_OK);
}

TEST_F(Resource, FromBufferInMemoryAndOnDisk)
{
	const char bytes[] = "weights";
	vaccel_resource mem{};
	ASSERT_EQ(vaccel_resource_init_from_buf(&mem, bytes, sizeof bytes,
						VACCEL_RESOURCE_MODEL, "w.bin",
						true),
		  VACCEL_OK);
	ASSERT_EQ(mem.nr_blobs, 1u);
	EXPECT_EQ(mem.blobs[0]->type, VACCEL_BLOB_BUFFER);
	EXPECT_EQ(mem.blobs[0]->path, nullptr);
	EXPECT_EQ(mem.blobs[0]->data, (const uint8_t *)bytes); // borrowed
	EXPECT_FALSE(mem.blobs[0]->data_owned);
	EXPECT_EQ(mem.paths, nullptr);
	EXPECT_EQ(mem.nr_paths, 0u);
	EXPECT_EQ(mem.rundir, nullptr);

	vaccel_resource disk{};
	ASSERT_EQ(vaccel_resource_init_from_buf(&disk, bytes, sizeof bytes,
						VACCEL_RESOURCE_MODEL, "w.bin",
						false),
		  VACCEL_OK);
	ASSERT_NE(disk.blobs[0]->path, nullptr);
	std::string p = disk.blobs[0]->path;
	EXPECT_TRUE(fs::exists(p));
	EXPECT_EQ(fs::file_size(p), sizeof bytes);
	// As upstream's: the file in the resource's directory, mapped; no
	// paths (those are what a resource is made from).
	EXPECT_EQ(disk.blobs[0]->type, VACCEL_BLOB_MAPPED);
	EXPECT_TRUE(disk.blobs[0]->data_owned);
	EXPECT_TRUE(disk.blobs[0]->path_owned);
	EXPECT_STREQ(disk.blobs[0]->name, "w.bin");
	EXPECT_EQ(memcmp(disk.blobs[0]->data, bytes, sizeof bytes), 0);
	EXPECT_EQ(disk.paths, nullptr);
	EXPECT_EQ(disk.nr_paths, 0u);
	ASSERT_NE(disk.rundir, nullptr);
	EXPECT_EQ(fs::path(p).parent_path(), fs::path(disk.rundir));
	EXPECT_EQ(vaccel_resource_release(&disk), VACCEL_OK);
	EXPECT_FALSE(fs::exists(p)); // what we wrote, we remove
	EXPECT_EQ(vaccel_resource_release(&mem), VACCEL_OK);
}

TEST_F(Resource, BadInput)
{
	vaccel_resource res{};
	EXPECT_EQ(vaccel_resource_init(&res, path("missing").c_str(),
				       VACCEL_RESOURCE_MODEL),
		  VACCEL_ENOENT);
	EXPECT_EQ(res.id, 0);
	EXPECT_EQ(vaccel_resource_init(nullptr, "x", VACCEL_RESOURCE_MODEL),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_resource_init(&res, nullptr, VACCEL_RESOURCE_MODEL),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_resource_init(&res, path("model.bin").c_str(),
				       (vaccel_resource_type_t)99),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_resource_init(&res, "https://example.com/m.pt",
				       VACCEL_RESOURCE_MODEL),
		  VACCEL_ENOTSUP);
	EXPECT_EQ(vaccel_resource_init(&res, "/dev/null", VACCEL_RESOURCE_MODEL),
		  VACCEL_EINVAL);
	const char *paths[] = {nullptr};
	EXPECT_EQ(vaccel_resource_init_multi(&res, paths, 1, VACCEL_RESOURCE_DATA),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_resource_init_from_buf(&res, nullptr, 4,
						VACCEL_RESOURCE_DATA, "x", true),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_resource_init_from_buf(&res, "abc", 3,
						VACCEL_RESOURCE_DATA, "../x",
						false),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_resource_register(nullptr, &sess), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_resource_release(nullptr), VACCEL_EINVAL);
	vaccel_resource never{};
	EXPECT_EQ(vaccel_resource_register(&never, &sess), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_resource_release(&never), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_resource_refcount(&never), -1);
	vaccel_resource *found = nullptr;
	EXPECT_EQ(vaccel_resource_get_by_id(&found, 99999), VACCEL_ENOENT);
	EXPECT_EQ(vaccel_resource_get_by_id(&found, 0), VACCEL_ENOENT);
	EXPECT_EQ(vaccel_resource_get_by_id(&found, -1), VACCEL_ENOENT);
	EXPECT_EQ(vaccel_resource_get_by_id(nullptr, 1), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_resource_directory(&never, nullptr, 0, nullptr),
		  VACCEL_EINVAL);

	ASSERT_EQ(vaccel_resource_init(&res, path("model.bin").c_str(),
				       VACCEL_RESOURCE_MODEL),
		  VACCEL_OK);
	vaccel_session dead{};
	EXPECT_EQ(vaccel_resource_register(&res, &dead), VACCEL_EINVAL);
	char *dirp = nullptr;
	EXPECT_EQ(vaccel_resource_directory(&res, nullptr, 0, &dirp),
		  VACCEL_ENOTDIR);
	EXPECT_EQ(vaccel_resource_release(&res), VACCEL_OK);
}

// A session keeps its resources in registration order through removals
// in the middle, finds each by id, and refuses duplicates.
TEST_F(Resource, SessionKeepsRegistrationOrder)
{
	const char byte = 1;
	vaccel_resource r[4]{};
	for (auto &x : r) {
		ASSERT_EQ(vaccel_resource_init_from_buf(&x, &byte, 1, VACCEL_RESOURCE_DATA,
							"r", true),
			  VACCEL_OK);
		ASSERT_EQ(vaccel_resource_register(&x, &sess), VACCEL_OK);
	}
	EXPECT_EQ(vaccel_resource_register(&r[2], &sess), VACCEL_EEXIST);
	ASSERT_EQ(vaccel_resource_unregister(&r[1], &sess), VACCEL_OK);
	EXPECT_EQ(vaccel_resource_unregister(&r[1], &sess), VACCEL_ENOENT);
	ASSERT_EQ(vaccel_resource_register(&r[1], &sess), VACCEL_OK); // now last
	vaccel_resource **found = nullptr;
	size_t n = 0;
	ASSERT_EQ(vaccel_session_resources_by_type(&sess, &found, &n, VACCEL_RESOURCE_DATA),
		  VACCEL_OK);
	ASSERT_EQ(n, 4u);
	EXPECT_EQ(found[0], &r[0]);
	EXPECT_EQ(found[1], &r[2]);
	EXPECT_EQ(found[2], &r[3]);
	EXPECT_EQ(found[3], &r[1]);
	free(found);
	vaccel_resource *one = nullptr;
	EXPECT_EQ(vaccel_session_resource_by_type(&sess, &one, VACCEL_RESOURCE_DATA), VACCEL_OK);
	EXPECT_EQ(one, &r[0]);
	for (auto &x : r) {
		EXPECT_TRUE(vaccel_session_has_resource(&sess, &x));
		EXPECT_EQ(vaccel_session_resource_by_id(&sess, &one, x.id), VACCEL_OK);
		EXPECT_EQ(one, &x);
	}
	ASSERT_EQ(vaccel_resource_unregister(&r[3], &sess), VACCEL_OK);
	EXPECT_FALSE(vaccel_session_has_resource(&sess, &r[3]));
	EXPECT_EQ(vaccel_session_resource_by_id(&sess, &one, r[3].id), VACCEL_ENOENT);
	for (auto &x : r)
		EXPECT_EQ(vaccel_resource_release(&x), VACCEL_OK);
}

// Sync, as upstream: a resource of the session, held in memory.
TEST_F(Resource, SyncNeedsARegisteredResourceInMemory)
{
	vaccel_resource mem{}, file{};
	const char bytes[] = "abc";
	ASSERT_EQ(vaccel_resource_init_from_buf(&mem, bytes, sizeof bytes,
						VACCEL_RESOURCE_DATA, "b.bin", true),
		  VACCEL_OK);
	ASSERT_EQ(vaccel_resource_init(&file, path("model.bin").c_str(),
				       VACCEL_RESOURCE_MODEL),
		  VACCEL_OK);
	EXPECT_EQ(vaccel_resource_sync(&mem, &sess), VACCEL_EPERM);
	ASSERT_EQ(vaccel_resource_register(&mem, &sess), VACCEL_OK);
	ASSERT_EQ(vaccel_resource_register(&file, &sess), VACCEL_OK);
	EXPECT_EQ(vaccel_resource_sync(&mem, &sess), VACCEL_OK);
	EXPECT_EQ(vaccel_resource_sync(&file, &sess), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_resource_sync(nullptr, &sess), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_resource_sync(&mem, nullptr), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_resource_release(&mem), VACCEL_OK);
	EXPECT_EQ(vaccel_resource_release(&file), VACCEL_OK);
}

TEST_F(Resource, ReleasingSessionUnregistersItsResources)
{
	vaccel_resource r1{}, r2{};
	ASSERT_EQ(vaccel_resource_init(&r1, path("model.bin").c_str(),
				       VACCEL_RESOURCE_MODEL),
		  VACCEL_OK);
	ASSERT_EQ(vaccel_resource_init(&r2, path("labels.txt").c_str(),
				       VACCEL_RESOURCE_DATA),
		  VACCEL_OK);
	vaccel_session other{};
	ASSERT_EQ(vaccel_session_init(&other, 0), VACCEL_OK);
	ASSERT_EQ(vaccel_resource_register(&r1, &sess), VACCEL_OK);
	ASSERT_EQ(vaccel_resource_register(&r1, &other), VACCEL_OK);
	ASSERT_EQ(vaccel_resource_register(&r2, &sess), VACCEL_OK);
	EXPECT_EQ(vaccel_resource_refcount(&r1), 2);

	EXPECT_EQ(vaccel_session_release(&sess), VACCEL_OK);
	EXPECT_EQ(vaccel_resource_refcount(&r1), 1);
	EXPECT_EQ(vaccel_resource_refcount(&r2), 0);

	// Releasing a resource that is still registered unregisters it.
	EXPECT_EQ(vaccel_resource_release(&r1), VACCEL_OK);
	EXPECT_FALSE(vaccel_session_has_resource(&other, &r1));
	EXPECT_EQ(vaccel_resource_release(&r2), VACCEL_OK);
	EXPECT_EQ(vaccel_session_release(&other), VACCEL_OK);
}

TEST_F(Resource, CleanupReleasesWhatTheProgramLeft)
{
	vaccel_resource *r = nullptr;
	ASSERT_EQ(vaccel_resource_new(&r, path("model.bin").c_str(),
				      VACCEL_RESOURCE_MODEL),
		  VACCEL_OK);
	ASSERT_EQ(vaccel_resource_register(r, &sess), VACCEL_OK);
	vaccel_id_t sid = sess.id;
	EXPECT_EQ(vaccel_cleanup(), VACCEL_OK);
	vaccel_session *s = nullptr;
	EXPECT_EQ(vaccel_session_get_by_id(&s, sid), VACCEL_ENOENT);
	EXPECT_EQ(r->id, 0); // released in place
	free(r);
	sess.id = 0;
}

TEST_F(Resource, GlobalLookupByType)
{
	vaccel_resource a{}, b{};
	ASSERT_EQ(vaccel_resource_init(&a, path("model.bin").c_str(),
				       VACCEL_RESOURCE_LIB),
		  VACCEL_OK);
	ASSERT_EQ(vaccel_resource_init(&b, path("labels.txt").c_str(),
				       VACCEL_RESOURCE_LIB),
		  VACCEL_OK);
	vaccel_resource *first = nullptr;
	EXPECT_EQ(vaccel_resource_get_by_type(&first, VACCEL_RESOURCE_LIB),
		  VACCEL_OK);
	EXPECT_EQ(first, &a);
	vaccel_resource **all = nullptr;
	size_t n = 0;
	EXPECT_EQ(vaccel_resource_get_all_by_type(&all, &n, VACCEL_RESOURCE_LIB),
		  VACCEL_OK);
	EXPECT_EQ(n, 2u);
	free(all);
	EXPECT_EQ(vaccel_resource_get_all_by_type(&all, &n, VACCEL_RESOURCE_MODEL),
		  VACCEL_ENOENT);
	EXPECT_EQ(n, 0u);
	EXPECT_EQ(vaccel_resource_release(&a), VACCEL_OK);
	EXPECT_EQ(vaccel_resource_release(&b), VACCEL_OK);
}
