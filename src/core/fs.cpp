// SPDX-License-Identifier: Apache-2.0
#include "fs.hpp"

#include <algorithm>
#include <cerrno>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

namespace vaccel::core {

namespace {
int remove_one(const char *path, const struct stat *, int type, struct FTW *)
{
	if (type == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}
} // namespace

void remove_tree(const std::string &path) noexcept
{
	if (!path.empty())
		nftw(path.c_str(), remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

bool regular_files(const std::string &dir, std::vector<std::string> &out)
{
	DIR *d = opendir(dir.c_str());
	if (!d)
		return false;
	while (dirent *e = readdir(d)) {
		struct stat st {};
		if (fstatat(dirfd(d), e->d_name, &st, 0) == 0 && S_ISREG(st.st_mode))
			out.push_back(dir + "/" + e->d_name);
	}
	closedir(d);
	std::sort(out.begin(), out.end());
	return true;
}

} // namespace vaccel::core
