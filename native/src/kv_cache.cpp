#include "kv_cache.h"

namespace cloister {

BlockTable::BlockTable(int blocks, int block_tokens, int max_sequences, int seq_len)
    : slots_(max_sequences), pool_size_(blocks), block_tokens_(block_tokens), seq_len_(seq_len) {
    free_.reserve(blocks);
    for (int b = blocks - 1; b >= 0; b--) free_.push_back(b);  // block 0 is handed out first
}

int BlockTable::open() {
    for (int s = 0; s < max_sequences(); s++) {
        if (!slots_[s].open) {
            slots_[s].open = true;
            slots_[s].position = 0;
            slots_[s].blocks.clear();
            return s;
        }
    }
    return -1;
}

int BlockTable::blocks_needed(int seq, int tokens) const {
    long long want = (static_cast<long long>(slots_[seq].position) + tokens + block_tokens_ - 1) / block_tokens_;
    long long have = static_cast<long long>(slots_[seq].blocks.size());
    return want > have ? static_cast<int>(want - have) : 0;
}

void BlockTable::reserve(int seq, int tokens) {
    for (int n = blocks_needed(seq, tokens); n > 0; n--) {
        slots_[seq].blocks.push_back(free_.back());
        free_.pop_back();
    }
}

std::vector<int32_t> BlockTable::close(int seq) {
    std::vector<int32_t> released;
    released.swap(slots_[seq].blocks);
    for (auto it = released.rbegin(); it != released.rend(); ++it) free_.push_back(*it);
    slots_[seq].open = false;
    slots_[seq].position = 0;
    return released;
}

}  // namespace cloister
