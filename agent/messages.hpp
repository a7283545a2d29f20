// SPDX-License-Identifier: Apache-2.0
// What the agent tells a guest of why its call failed.
#pragma once

#include "rpc/wire.hpp"

#include <cstring>
#include <string>

namespace vaccel::agent {

// @p message (the error lines the call's handling logged) with each
// absolute path that does not occur in the guest's own request
// (@p request) replaced by "<path>", so that a guest learns nothing of the
// host's files it did not name itself, and without the agent's connection
// numbers, which mean nothing to the guest; at most
// rpc::kMaxErrorMessage bytes.
inline std::string guest_safe_message(const char *message,
				      const uint8_t *request, size_t request_len)
{
	std::string out;
	const char *p = message;
	auto ends_path = [](char c) {
		return !c || c == ' ' || c == '\t' || c == '\n' || c == '\'' ||
		       c == '"' || c == ')' || c == ']' || c == ',' || c == ';' ||
		       c == ':';
	};
	while (*p && out.size() < rpc::kMaxErrorMessage) {
		// "[agent] connection 12: " says nothing to the guest.
		if (!strncmp(p, "connection ", 11) && p[11] >= '0' && p[11] <= '9') {
			const char *q = p + 11;
			while (*q >= '0' && *q <= '9')
				++q;
			if (q[0] == ':' && q[1] == ' ') {
				p = q + 2;
				continue;
			}
		}
		bool starts = *p == '/' && (p == message || strchr(" \t'\"(=:[,", p[-1]));
		if (!starts) {
			out += *p++;
			continue;
		}
		size_t n = 0;
		while (!ends_path(p[n]))
			++n;
		if (n > 1 && !memmem(request, request_len, p, n))
			out += "<path>";
		else
			out.append(p, n);
		p += n;
	}
	if (out.size() > rpc::kMaxErrorMessage)
		out.resize(rpc::kMaxErrorMessage);
	return out;
}

} // namespace vaccel::agent
