// SPDX-License-Identifier: Apache-2.0
// SHA-256 (FIPS 180-4). Resources are cached on the agent by content hash,
// and the hash must be cryptographic or one guest could plant a model under
// another's hash. The guest side of the wire must build with libc alone (a
// unikernel has nothing else), which rules out libcrypto there, so this
// small implementation is ours; tests check it against the FIPS vectors.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace vaccel::rpc {

using Digest = std::array<uint8_t, 32>;

class Sha256 {
public:
	Sha256() noexcept;
	void update(const void *data, size_t len) noexcept;
	Digest finish() noexcept;
	static Digest of(const void *data, size_t len) noexcept
	{
		Sha256 h;
		h.update(data, len);
		return h.finish();
	}

private:
	void block(const uint8_t *p) noexcept;
	uint32_t h_[8];
	uint8_t buf_[64];
	size_t used_ = 0;
	uint64_t total_ = 0;
};

std::string to_hex(const Digest &d);

} // namespace vaccel::rpc
