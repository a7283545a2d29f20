// SPDX-License-Identifier: Apache-2.0
// Blobs: files on disk and bytes in memory.
#include <vaccel.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

// A directory of our own under the system temp dir, removed at scope end.
struct TempDir {
	std::string path;
	TempDir()
	{
		std::string tmpl = (fs::temp_directory_path() / "vaccel-blob-XXXXXX")
					   .string();
		char *p = mkdtemp(tmpl.data());
		EXPECT_NE(p, nullptr);
		path = tmpl;
	}
	~TempDir()
	{
		std::error_code ec;
		fs::remove_all(path, ec);
	}
	std::string file(const std::string &name) const
	{
		return path + "/" + name;
	}
	std::string write(const std::string &name,
			  const std::vector<uint8_t> &bytes) const
	{
		std::string p = file(name);
		std::ofstream f(p, std::ios::binary);
		f.write(reinterpret_cast<const char *>(bytes.data()),
			(std::streamsize)bytes.size());
		EXPECT_TRUE(f.good());
		return p;
	}
};

std::vector<uint8_t> read_file(const std::string &path)
{
	std::ifstream f(path, std::ios::binary);
	return {std::istreambuf_iterator<char>(f),
		std::istreambuf_iterator<char>()};
}

std::vector<uint8_t> bytes_of(const uint8_t *p, size_t n)
{
	return {p, p + n};
}

const std::vector<uint8_t> kBytes = {0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff,
				     'v', 'A', 'c', 'c', 'e', 'l'};

} // namespace

TEST(BlobFile, InitDoesNotReadUntilAsked)
{
	TempDir dir;
	std::string path = dir.write("model.bin", kBytes);
	vaccel_blob b{};
	ASSERT_EQ(vaccel_blob_init(&b, path.c_str()), VACCEL_OK);
	EXPECT_EQ(b.type, VACCEL_BLOB_FILE);
	ASSERT_NE(b.path, nullptr);
	EXPECT_STREQ(b.path, path.c_str());
	EXPECT_NE(b.path, path.c_str());
	ASSERT_NE(b.name, nullptr);
	EXPECT_STREQ(b.name, "model.bin");
	EXPECT_FALSE(b.path_owned);
	EXPECT_EQ(b.data, nullptr);
	EXPECT_FALSE(b.data_owned);
	EXPECT_EQ(b.size, 0u);
	EXPECT_TRUE(vaccel_blob_valid(&b));
	EXPECT_EQ(vaccel_blob_path(&b), b.path);

	ASSERT_EQ(vaccel_blob_read(&b), VACCEL_OK);
	EXPECT_EQ(b.type, VACCEL_BLOB_MAPPED);
	ASSERT_NE(b.data, nullptr);
	EXPECT_EQ(b.size, kBytes.size());
	// The mapping is the blob's by its type; data_owned says nothing of
	// it (as upstream).
	EXPECT_FALSE(b.data_owned);
	EXPECT_EQ(bytes_of(b.data, b.size), kBytes);
	EXPECT_TRUE(vaccel_blob_valid(&b));
	// Reading again keeps the mapping.
	uint8_t *first = b.data;
	ASSERT_EQ(vaccel_blob_read(&b), VACCEL_OK);
	EXPECT_EQ(b.data, first);

	ASSERT_EQ(vaccel_blob_release(&b), VACCEL_OK);
	EXPECT_EQ(b.path, nullptr);
	EXPECT_EQ(b.name, nullptr);
	EXPECT_EQ(b.data, nullptr);
	EXPECT_EQ(b.size, 0u);
	// Not ours: the file stays.
	EXPECT_TRUE(fs::exists(path));
	EXPECT_EQ(read_file(path), kBytes);
}

TEST(BlobFile, DataMapsOnFirstUse)
{
	TempDir dir;
	std::string path = dir.write("weights", kBytes);
	vaccel_blob *b = nullptr;
	ASSERT_EQ(vaccel_blob_new(&b, path.c_str()), VACCEL_OK);
	ASSERT_NE(b, nullptr);
	EXPECT_EQ(b->data, nullptr);
	size_t size = 0;
	uint8_t *data = vaccel_blob_data(b, &size);
	ASSERT_NE(data, nullptr);
	EXPECT_EQ(size, kBytes.size());
	EXPECT_EQ(bytes_of(data, size), kBytes);
	EXPECT_EQ(b->type, VACCEL_BLOB_MAPPED);
	EXPECT_EQ(b->data, data);
	// Second call: the same bytes, size optional.
	EXPECT_EQ(vaccel_blob_data(b, nullptr), data);
	EXPECT_EQ(vaccel_blob_delete(b), VACCEL_OK);
	EXPECT_TRUE(fs::exists(path));
}

TEST(BlobFile, ErrorsAreReported)
{
	TempDir dir;
	vaccel_blob b{};
	// A missing path is VACCEL_EINVAL, as upstream's.
	EXPECT_EQ(vaccel_blob_init(&b, dir.file("missing").c_str()),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_blob_init(&b, dir.path.c_str()), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_blob_init(&b, nullptr), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_blob_init(&b, ""), VACCEL_EINVAL);
	std::string path = dir.write("f", kBytes);
	EXPECT_EQ(vaccel_blob_init(nullptr, path.c_str()), VACCEL_EINVAL);
	// A path through a regular file.
	EXPECT_EQ(vaccel_blob_init(&b, (path + "/x").c_str()), VACCEL_EINVAL);
	// Nothing was filled in by the failures.
	EXPECT_EQ(b.path, nullptr);
	EXPECT_EQ(b.name, nullptr);

	vaccel_blob *p = nullptr;
	EXPECT_EQ(vaccel_blob_new(nullptr, path.c_str()), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_blob_new(&p, dir.file("missing").c_str()),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_blob_new(&p, dir.path.c_str()), VACCEL_EINVAL);
	EXPECT_EQ(p, nullptr);

	EXPECT_EQ(vaccel_blob_release(nullptr), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_blob_delete(nullptr), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_blob_read(nullptr), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_blob_data(nullptr, nullptr), nullptr);
	EXPECT_EQ(vaccel_blob_path(nullptr), nullptr);
	EXPECT_FALSE(vaccel_blob_valid(nullptr));
}

TEST(BlobFile, RemovedOrEmptyFileCannotBeRead)
{
	TempDir dir;
	std::string path = dir.write("gone", kBytes);
	vaccel_blob b{};
	ASSERT_EQ(vaccel_blob_init(&b, path.c_str()), VACCEL_OK);
	ASSERT_TRUE(fs::remove(path));
	EXPECT_EQ(vaccel_blob_read(&b), VACCEL_ENOENT);
	size_t size = 123;
	EXPECT_EQ(vaccel_blob_data(&b, &size), nullptr);
	EXPECT_EQ(size, 123u);
	EXPECT_EQ(b.type, VACCEL_BLOB_FILE);
	EXPECT_EQ(b.data, nullptr);
	EXPECT_EQ(vaccel_blob_release(&b), VACCEL_OK);

	std::string empty = dir.write("empty", {});
	ASSERT_EQ(vaccel_blob_init(&b, empty.c_str()), VACCEL_OK);
	EXPECT_EQ(vaccel_blob_read(&b), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_blob_data(&b, &size), nullptr);
	EXPECT_EQ(b.type, VACCEL_BLOB_FILE);
	EXPECT_EQ(b.data, nullptr);
	EXPECT_EQ(b.size, 0u);
	EXPECT_EQ(vaccel_blob_release(&b), VACCEL_OK);
}

TEST(BlobBuffer, OwnedCopy)
{
	std::vector<uint8_t> src = kBytes;
	vaccel_blob b{};
	ASSERT_EQ(vaccel_blob_init_from_buf(&b, src.data(), src.size(), true,
					    "in-memory", nullptr, false),
		  VACCEL_OK);
	EXPECT_EQ(b.type, VACCEL_BLOB_BUFFER);
	EXPECT_STREQ(b.name, "in-memory");
	EXPECT_EQ(b.path, nullptr);
	EXPECT_FALSE(b.path_owned);
	ASSERT_NE(b.data, nullptr);
	EXPECT_NE(b.data, src.data());
	EXPECT_TRUE(b.data_owned);
	EXPECT_EQ(b.size, src.size());
	src[0] = 0x55;
	EXPECT_EQ(bytes_of(b.data, b.size), kBytes);
	EXPECT_TRUE(vaccel_blob_valid(&b));
	EXPECT_EQ(vaccel_blob_path(&b), nullptr);

	size_t size = 0;
	EXPECT_EQ(vaccel_blob_data(&b, &size), b.data);
	EXPECT_EQ(size, kBytes.size());
	// In memory already: nothing to read (as upstream).
	EXPECT_EQ(vaccel_blob_read(&b), VACCEL_OK);
	EXPECT_EQ(vaccel_blob_release(&b), VACCEL_OK);
	EXPECT_EQ(b.data, nullptr);
	EXPECT_EQ(b.name, nullptr);
}

TEST(BlobBuffer, BorrowedBytes)
{
	std::vector<uint8_t> src = kBytes;
	vaccel_blob *b = nullptr;
	ASSERT_EQ(vaccel_blob_from_buf(&b, src.data(), src.size(), false,
				       "borrowed", nullptr, false),
		  VACCEL_OK);
	ASSERT_NE(b, nullptr);
	EXPECT_EQ(b->type, VACCEL_BLOB_BUFFER);
	EXPECT_EQ(b->data, src.data());
	EXPECT_FALSE(b->data_owned);
	EXPECT_EQ(b->size, src.size());
	src[1] = 0x42; // seen through the blob
	EXPECT_EQ(b->data[1], 0x42);
	EXPECT_TRUE(vaccel_blob_valid(b));
	// Must not free the vector's storage.
	EXPECT_EQ(vaccel_blob_delete(b), VACCEL_OK);
	EXPECT_EQ(src[1], 0x42);
}

TEST(BlobBuffer, BadInput)
{
	vaccel_blob b{};
	const uint8_t one = 1;
	EXPECT_EQ(vaccel_blob_init_from_buf(nullptr, &one, 1, true, "n", nullptr,
					    false),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_blob_init_from_buf(&b, nullptr, 1, true, "n", nullptr,
					    false),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_blob_init_from_buf(&b, &one, 0, true, "n", nullptr,
					    false),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_blob_init_from_buf(&b, &one, 1, true, nullptr, nullptr,
					    false),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_blob_init_from_buf(&b, &one, 1, true, "", nullptr,
					    false),
		  VACCEL_EINVAL);
	EXPECT_EQ(b.name, nullptr);
	EXPECT_EQ(b.data, nullptr);
	vaccel_blob *p = nullptr;
	EXPECT_EQ(vaccel_blob_from_buf(nullptr, &one, 1, true, "n", nullptr,
				       false),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_blob_from_buf(&p, &one, 0, true, "n", nullptr, false),
		  VACCEL_EINVAL);
	EXPECT_EQ(p, nullptr);
}

// Bytes written to a directory become that file, mapped (writable, private),
// owned by the blob and removed with it, as upstream's.
TEST(BlobPersist, FromBufWithDirWritesAFileRemovedOnRelease)
{
	TempDir dir;
	vaccel_blob b{};
	ASSERT_EQ(vaccel_blob_init_from_buf(&b, kBytes.data(), kBytes.size(),
					    true, "saved.bin", dir.path.c_str(),
					    false),
		  VACCEL_OK);
	std::string expect = dir.file("saved.bin");
	EXPECT_EQ(b.type, VACCEL_BLOB_MAPPED);
	ASSERT_NE(b.path, nullptr);
	EXPECT_EQ(std::string(b.path), expect);
	EXPECT_TRUE(b.path_owned);
	EXPECT_STREQ(b.name, "saved.bin");
	EXPECT_TRUE(b.data_owned);
	EXPECT_NE(b.data, kBytes.data());
	EXPECT_EQ(bytes_of(b.data, b.size), kBytes);
	b.data[0] ^= 0xFF; // private: the file keeps its bytes
	EXPECT_TRUE(vaccel_blob_valid(&b));
	ASSERT_TRUE(fs::is_regular_file(expect));
	EXPECT_EQ(read_file(expect), kBytes);
	// Readable by its owner only.
	EXPECT_EQ(fs::status(expect).permissions() & fs::perms::all,
		  fs::perms::owner_read | fs::perms::owner_write);

	// The same name again: another name, with a random suffix.
	vaccel_blob again{};
	ASSERT_EQ(vaccel_blob_init_from_buf(&again, kBytes.data(), 3, true,
					    "saved.bin", dir.path.c_str(),
					    false),
		  VACCEL_OK);
	ASSERT_NE(again.path, nullptr);
	EXPECT_EQ(std::string(again.path).rfind(expect + ".", 0), 0u);
	EXPECT_STREQ(again.name, "saved.bin");
	EXPECT_EQ(read_file(again.path),
		  std::vector<uint8_t>(kBytes.begin(), kBytes.begin() + 3));
	EXPECT_EQ(read_file(expect), kBytes);

	ASSERT_EQ(vaccel_blob_release(&again), VACCEL_OK);
	ASSERT_EQ(vaccel_blob_release(&b), VACCEL_OK);
	EXPECT_EQ(b.type, VACCEL_BLOB_MAX);
	EXPECT_EQ(b.data, nullptr);
	EXPECT_FALSE(fs::exists(expect));
	EXPECT_TRUE(fs::is_empty(dir.path));
	// Released, or never initialised: VACCEL_EINVAL.
	EXPECT_EQ(vaccel_blob_release(&b), VACCEL_EINVAL);
}

TEST(BlobPersist, BorrowedBytesArePersistedIntoAMapping)
{
	TempDir dir;
	std::vector<uint8_t> src = kBytes;
	vaccel_blob b{};
	ASSERT_EQ(vaccel_blob_init_from_buf(&b, src.data(), src.size(), false,
					    "b.bin", dir.path.c_str(), false),
		  VACCEL_OK);
	EXPECT_NE(b.data, src.data());
	EXPECT_TRUE(b.data_owned);
	EXPECT_TRUE(b.path_owned);
	EXPECT_EQ(b.type, VACCEL_BLOB_MAPPED);
	EXPECT_EQ(read_file(dir.file("b.bin")), kBytes);
	ASSERT_EQ(vaccel_blob_release(&b), VACCEL_OK);
	EXPECT_FALSE(fs::exists(dir.file("b.bin")));
	EXPECT_EQ(src, kBytes);
}

TEST(BlobPersist, RandomizedNamesAreUnique)
{
	TempDir dir;
	vaccel_blob a{}, b{};
	ASSERT_EQ(vaccel_blob_init_from_buf(&a, kBytes.data(), kBytes.size(),
					    true, "r.bin", dir.path.c_str(),
					    true),
		  VACCEL_OK);
	ASSERT_EQ(vaccel_blob_init_from_buf(&b, kBytes.data(), 4, true, "r.bin",
					    dir.path.c_str(), true),
		  VACCEL_OK);
	std::string prefix = dir.file("r.bin.");
	std::string pa = a.path, pb = b.path;
	EXPECT_EQ(pa.rfind(prefix, 0), 0u) << pa;
	EXPECT_EQ(pb.rfind(prefix, 0), 0u) << pb;
	EXPECT_EQ(pa.size(), prefix.size() + 6);
	EXPECT_NE(pa, pb);
	EXPECT_EQ(read_file(pa), kBytes);
	EXPECT_EQ(read_file(pb), std::vector<uint8_t>(kBytes.begin(),
						      kBytes.begin() + 4));
	EXPECT_STREQ(a.name, "r.bin");
	EXPECT_TRUE(a.path_owned);
	ASSERT_EQ(vaccel_blob_release(&a), VACCEL_OK);
	ASSERT_EQ(vaccel_blob_release(&b), VACCEL_OK);
	EXPECT_FALSE(fs::exists(pa));
	EXPECT_FALSE(fs::exists(pb));
}

TEST(BlobPersist, PersistWritesBytesOnce)
{
	TempDir dir;
	vaccel_blob b{};
	ASSERT_EQ(vaccel_blob_init_from_buf(&b, kBytes.data(), kBytes.size(),
					    true, "mem", nullptr, false),
		  VACCEL_OK);
	EXPECT_EQ(vaccel_blob_persist(&b, dir.file("nodir").c_str(), "x",
				      false),
		  VACCEL_ENOENT);
	EXPECT_EQ(vaccel_blob_persist(&b, nullptr, "x", false), VACCEL_ENOENT);
	EXPECT_EQ(vaccel_blob_persist(&b, dir.path.c_str(), "a/b", false),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_blob_persist(&b, dir.path.c_str(), "", false),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_blob_persist(&b, dir.path.c_str(), nullptr, false),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_blob_persist(nullptr, dir.path.c_str(), "x", false),
		  VACCEL_EINVAL);
	EXPECT_EQ(b.type, VACCEL_BLOB_BUFFER); // the failures changed nothing
	EXPECT_EQ(b.path, nullptr);
	ASSERT_EQ(vaccel_blob_persist(&b, dir.path.c_str(), "one", false),
		  VACCEL_OK);
	EXPECT_EQ(b.type, VACCEL_BLOB_MAPPED);
	EXPECT_EQ(std::string(b.path), dir.file("one"));
	EXPECT_STREQ(b.name, "one"); // the file's name
	EXPECT_TRUE(b.path_owned);
	EXPECT_TRUE(b.data_owned);
	EXPECT_EQ(read_file(dir.file("one")), kBytes);
	// A blob with a file already: VACCEL_EEXIST, as upstream's.
	EXPECT_EQ(vaccel_blob_persist(&b, dir.path.c_str(), "two", false),
		  VACCEL_EEXIST);
	EXPECT_FALSE(fs::exists(dir.file("two")));
	ASSERT_EQ(vaccel_blob_release(&b), VACCEL_OK);
	EXPECT_TRUE(fs::is_empty(dir.path));
}

TEST(BlobPersist, AFileBlobHasAFileAlready)
{
	TempDir src_dir, dst_dir;
	std::string orig = src_dir.write("orig.bin", kBytes);
	vaccel_blob b{};
	ASSERT_EQ(vaccel_blob_init(&b, orig.c_str()), VACCEL_OK);
	// Not read yet: nothing to write.
	EXPECT_EQ(vaccel_blob_persist(&b, dst_dir.path.c_str(), "copy", false),
		  VACCEL_EINVAL);
	ASSERT_EQ(vaccel_blob_read(&b), VACCEL_OK);
	EXPECT_EQ(vaccel_blob_persist(&b, dst_dir.path.c_str(), "copy", false),
		  VACCEL_EEXIST);
	EXPECT_STREQ(b.path, orig.c_str());
	EXPECT_TRUE(fs::is_empty(dst_dir.path));
	ASSERT_EQ(vaccel_blob_release(&b), VACCEL_OK);
	EXPECT_EQ(read_file(orig), kBytes);
}

TEST(BlobPersist, FromBufIntoMissingDirFails)
{
	TempDir dir;
	vaccel_blob b{};
	EXPECT_EQ(vaccel_blob_init_from_buf(&b, kBytes.data(), kBytes.size(),
					    true, "x", dir.file("no").c_str(),
					    false),
		  VACCEL_ENOENT);
	EXPECT_EQ(b.name, nullptr);
	EXPECT_EQ(b.data, nullptr);
	EXPECT_EQ(b.path, nullptr);
	vaccel_blob *p = nullptr;
	EXPECT_EQ(vaccel_blob_from_buf(&p, kBytes.data(), kBytes.size(), false,
				       "x", dir.file("no").c_str(), false),
		  VACCEL_ENOENT);
	EXPECT_EQ(p, nullptr);
}

TEST(BlobValid, RequiresConsistentFields)
{
	uint8_t byte = 1;
	char name[] = "n";
	char path[] = "/p";
	vaccel_blob b{};
	EXPECT_FALSE(vaccel_blob_valid(&b)); // no name
	b.name = name;
	b.type = VACCEL_BLOB_BUFFER;
	EXPECT_FALSE(vaccel_blob_valid(&b)); // no data
	b.data = &byte;
	EXPECT_FALSE(vaccel_blob_valid(&b)); // no size
	b.size = 1;
	EXPECT_TRUE(vaccel_blob_valid(&b));
	b.type = VACCEL_BLOB_FILE;
	EXPECT_FALSE(vaccel_blob_valid(&b)); // no path
	b.path = path;
	EXPECT_TRUE(vaccel_blob_valid(&b));
	b.type = VACCEL_BLOB_MAPPED;
	EXPECT_TRUE(vaccel_blob_valid(&b));
	b.type = VACCEL_BLOB_MAX;
	EXPECT_FALSE(vaccel_blob_valid(&b));
	b.type = VACCEL_BLOB_FILE;
	b.name = nullptr;
	EXPECT_FALSE(vaccel_blob_valid(&b));
}

// ---- vaccel_file: upstream 0.7's files, carried out by blobs --------------

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

TEST(File, FromAPathIsReadOnDemandAndLeftOnDisk)
{
	TempDir d;
	const std::vector<uint8_t> bytes{1, 2, 3, 4, 5};
	std::string p = d.write("model.pt", bytes);
	vaccel_file f{};
	EXPECT_FALSE(vaccel_file_initialized(&f));
	ASSERT_EQ(vaccel_file_init(&f, p.c_str()), VACCEL_OK);
	EXPECT_TRUE(vaccel_file_initialized(&f));
	EXPECT_STREQ(f.name, "model.pt");
	EXPECT_STREQ(vaccel_file_path(&f), p.c_str());
	EXPECT_NE(f.path, p.c_str()); // a copy
	EXPECT_FALSE(f.path_owned);
	EXPECT_EQ(f.data, nullptr);
	size_t n = 0;
	uint8_t *data = vaccel_file_data(&f, &n);
	ASSERT_NE(data, nullptr);
	EXPECT_EQ(bytes_of(data, n), bytes);
	EXPECT_EQ(vaccel_file_read(&f), VACCEL_OK); // already in memory
	EXPECT_EQ(f.data, data);
	ASSERT_EQ(vaccel_file_release(&f), VACCEL_OK);
	EXPECT_EQ(f.name, nullptr);
	EXPECT_EQ(f.path, nullptr);
	EXPECT_EQ(f.data, nullptr);
	EXPECT_TRUE(fs::exists(p)); // not ours
	EXPECT_EQ(vaccel_file_release(&f), VACCEL_EINVAL);

	EXPECT_EQ(vaccel_file_init(&f, d.file("missing").c_str()), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_file_init(&f, d.path.c_str()), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_file_init(&f, nullptr), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_file_init(nullptr, p.c_str()), VACCEL_EINVAL);
}

TEST(File, FromABufferBorrowsItUntilPersisted)
{
	TempDir d;
	uint8_t buf[6] = {9, 8, 7, 6, 5, 4};
	vaccel_file f{};
	ASSERT_EQ(vaccel_file_init_from_buf(&f, buf, sizeof buf, "w.bin", nullptr,
					    false),
		  VACCEL_OK);
	EXPECT_STREQ(f.name, "w.bin");
	EXPECT_EQ(f.path, nullptr);
	EXPECT_EQ(f.data, buf);
	size_t n = 0;
	EXPECT_EQ(vaccel_file_data(&f, &n), buf);
	EXPECT_EQ(n, sizeof buf);
	EXPECT_EQ(vaccel_file_persist(&f, d.file("none").c_str(), "w.bin", false),
		  VACCEL_ENOENT);
	EXPECT_EQ(vaccel_file_persist(&f, d.path.c_str(), nullptr, false),
		  VACCEL_EINVAL);
	ASSERT_EQ(vaccel_file_persist(&f, d.path.c_str(), "w.bin", false), VACCEL_OK);
	EXPECT_STREQ(f.path, d.file("w.bin").c_str());
	EXPECT_STREQ(f.name, "w.bin");
	EXPECT_TRUE(f.path_owned);
	ASSERT_NE(f.data, buf); // now the file, mapped
	EXPECT_EQ(bytes_of(f.data, f.size), bytes_of(buf, sizeof buf));
	EXPECT_EQ(read_file(f.path), bytes_of(buf, sizeof buf));
	EXPECT_EQ(vaccel_file_persist(&f, d.path.c_str(), "w.bin", false),
		  VACCEL_EEXIST);

	// The name is taken: another is chosen, as 0.7 did.
	vaccel_file g{};
	ASSERT_EQ(vaccel_file_init_from_buf(&g, buf, 3, "w.bin", d.path.c_str(),
					    false),
		  VACCEL_OK);
	ASSERT_NE(g.path, nullptr);
	EXPECT_STRNE(g.path, f.path);
	EXPECT_EQ(fs::path(g.path).parent_path(), fs::path(d.path));
	EXPECT_EQ(std::string(g.name), fs::path(g.path).filename().string());
	EXPECT_EQ(read_file(g.path), bytes_of(buf, 3));
	std::string gp = g.path, fp = f.path;
	ASSERT_EQ(vaccel_file_release(&g), VACCEL_OK);
	ASSERT_EQ(vaccel_file_release(&f), VACCEL_OK);
	EXPECT_FALSE(fs::exists(gp)); // written by the library: removed
	EXPECT_FALSE(fs::exists(fp));
	EXPECT_EQ(buf[0], 9); // the caller's bytes untouched

	EXPECT_EQ(vaccel_file_init_from_buf(&f, nullptr, 3, "x", nullptr, false),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_file_init_from_buf(&f, buf, 0, "x", nullptr, false),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_file_init_from_buf(&f, buf, 3, nullptr, nullptr, false),
		  VACCEL_EINVAL);
	vaccel_file empty{};
	EXPECT_EQ(vaccel_file_persist(&empty, d.path.c_str(), "e", false),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_file_read(&empty), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_file_data(&empty, &n), nullptr);
}

TEST(File, AllocatedAndRandomized)
{
	TempDir d;
	uint8_t buf[4] = {1, 1, 2, 3};
	vaccel_file *f = nullptr;
	ASSERT_EQ(vaccel_file_from_buf(&f, buf, sizeof buf, "r.bin", d.path.c_str(),
				       true),
		  VACCEL_OK);
	ASSERT_NE(f, nullptr);
	std::string p = f->path;
	EXPECT_EQ(p.rfind(d.file("r.bin"), 0), 0u); // r.bin plus a suffix
	EXPECT_NE(p, d.file("r.bin"));
	EXPECT_EQ(read_file(p), bytes_of(buf, sizeof buf));
	vaccel_file *g = nullptr;
	ASSERT_EQ(vaccel_file_new(&g, p.c_str()), VACCEL_OK);
	EXPECT_FALSE(g->path_owned);
	EXPECT_EQ(vaccel_file_delete(g), VACCEL_OK);
	EXPECT_TRUE(fs::exists(p));
	EXPECT_EQ(vaccel_file_delete(f), VACCEL_OK);
	EXPECT_FALSE(fs::exists(p));
	EXPECT_EQ(vaccel_file_new(&g, d.file("missing").c_str()), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_file_new(nullptr, p.c_str()), VACCEL_EINVAL);
	EXPECT_EQ(vaccel_file_from_buf(nullptr, buf, 1, "x", nullptr, false),
		  VACCEL_EINVAL);
	EXPECT_EQ(vaccel_file_delete(nullptr), VACCEL_EINVAL);
}

#pragma GCC diagnostic pop
