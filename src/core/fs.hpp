// SPDX-License-Identifier: Apache-2.0
// The two filesystem walks the runtime needs, on POSIX calls: std::filesystem
// would pull the C++ locale machinery into libvaccel and double its load time
// (docs/performance.md).
#pragma once

#include <string>
#include <vector>

namespace vaccel::core {

// Remove @p path and everything under it; symlinks are removed, not followed.
void remove_tree(const std::string &path) noexcept;

// Paths of the regular files directly in @p dir, sorted. Returns false (errno
// set) if @p dir cannot be read.
bool regular_files(const std::string &dir, std::vector<std::string> &out);

} // namespace vaccel::core
