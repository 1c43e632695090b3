// The paged KV cache's bookkeeping: a pool of fixed-size blocks, a free list, and each sequence's block table.
// The block memory itself belongs to the backend (host memory on the CPU, device memory on CUDA).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace cloister {

class BlockTable {
public:
    // blocks: pool size; block_tokens: tokens per block; max_sequences: slots; seq_len: the longest sequence.
    BlockTable(int blocks, int block_tokens, int max_sequences, int seq_len);

    int block_tokens() const { return block_tokens_; }
    int blocks_total() const { return static_cast<int>(pool_size_); }
    int blocks_free() const { return static_cast<int>(free_.size()); }
    int max_sequences() const { return static_cast<int>(slots_.size()); }
    int seq_len() const { return seq_len_; }

    // A free slot at position 0, or -1 when every slot is taken.
    int open();
    bool is_open(int seq) const { return seq >= 0 && seq < max_sequences() && slots_[seq].open; }
    int position(int seq) const { return slots_[seq].position; }
    // Blocks needed (beyond those held) for the sequence to hold `tokens` more tokens.
    int blocks_needed(int seq, int tokens) const;
    // Takes blocks from the free list until the sequence can hold `tokens` more; the caller checked blocks_needed.
    void reserve(int seq, int tokens);
    void advance(int seq, int tokens) { slots_[seq].position += tokens; }
    // The block holding token `pos` of the sequence.
    int block_of(int seq, int pos) const { return slots_[seq].blocks[pos / block_tokens_]; }
    const std::vector<int32_t> &blocks(int seq) const { return slots_[seq].blocks; }
    // Closes the sequence and returns its blocks (which the caller zeroes) to the free list.
    std::vector<int32_t> close(int seq);

private:
    struct Slot {
        bool open = false;
        int position = 0;
        std::vector<int32_t> blocks;
    };
    std::vector<Slot> slots_;
    std::vector<int32_t> free_;
    size_t pool_size_;
    int block_tokens_;
    int seq_len_;
};

}  // namespace cloister
