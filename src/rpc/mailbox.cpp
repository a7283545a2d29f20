// SPDX-License-Identifier: Apache-2.0
// One side of a stream's shared-memory mailbox (net.hpp, Mailbox).
#include "net.hpp"

#include "vaccel/error.h"

#include <algorithm>
#include <cstring>

namespace vaccel::rpc {

int Mailbox::attach(std::unique_ptr<SharedMap> map, uint64_t cap, bool agent)
{
	if (!map || map->size() < mailbox_bytes(cap))
		return VACCEL_EINVAL;
	auto *ctl = reinterpret_cast<MailboxCtl *>(map->at(0));
	uint8_t *data = map->at(4096);
	// Direction 0 is guest to agent, 1 agent to guest.
	tx_ = &ctl[agent ? 1 : 0];
	rx_ = &ctl[agent ? 0 : 1];
	txd_ = data + (agent ? cap : 0);
	rxd_ = data + (agent ? 0 : cap);
	cap_ = cap;
	// The creator zeroed the mapping; counting starts there.
	tx_seq_ = rx_seq_ = 0;
	mpos_ = mlen_ = sock_left_ = 0;
	map_ = std::move(map);
	return 0;
}

bool Mailbox::post(const struct iovec *iov, int n, uint64_t total,
		   bool with_fd, bool &in_box)
{
	in_box = !with_fd && total <= cap_;
	if (in_box) {
		uint8_t *p = txd_;
		for (int i = 0; i < n; ++i) {
			memcpy(p, iov[i].iov_base, iov[i].iov_len);
			p += iov[i].iov_len;
		}
	}
	tx_->len.store(total, std::memory_order_relaxed);
	tx_->where.store(in_box ? kInMailbox : kOnSocket, std::memory_order_relaxed);
	// Sequentially consistent, as the reader's asleep mark and its
	// re-check of seq: one of the two sides sees the other's store.
	tx_->seq.store(++tx_seq_, std::memory_order_seq_cst);
	// Stopped here long enough, this side can find the mark the reader
	// set after reading and answering this message, waiting for the next
	// one; the byte is sent all the same (Stream::next_message() copes
	// with it).
	return tx_->asleep.load(std::memory_order_seq_cst) &&
	       tx_->asleep.exchange(0, std::memory_order_seq_cst) == 1;
}

int Mailbox::open_next()
{
	uint32_t seq = rx_->seq.load(std::memory_order_acquire);
	uint32_t where = rx_->where.load(std::memory_order_relaxed);
	uint64_t len = rx_->len.load(std::memory_order_relaxed);
	if (seq != rx_seq_ + 1 || len == 0)
		return VACCEL_ESESS;
	rx_seq_ = seq;
	if (where == kInMailbox && len <= cap_) {
		mpos_ = 0;
		mlen_ = len;
	} else if (where == kOnSocket) {
		sock_left_ = len;
	} else {
		return VACCEL_ESESS;
	}
	return 0;
}

size_t Mailbox::take(void *out, size_t n)
{
	size_t k = (size_t)std::min<uint64_t>(n, mlen_ - mpos_);
	memcpy(out, rxd_ + mpos_, k);
	mpos_ += k;
	return k;
}

} // namespace vaccel::rpc
