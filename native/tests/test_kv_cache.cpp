// The block table: free list order, reservation per block boundary, slot reuse, release on close.
#include <vector>

#include "check.h"
#include "kv_cache.h"

using namespace cloister;

int main() {
    BlockTable t(/*blocks=*/6, /*block_tokens=*/4, /*max_sequences=*/2, /*seq_len=*/16);
    CHECK(t.blocks_free() == 6);
    int a = t.open(), b = t.open();
    CHECK(a == 0 && b == 1);
    CHECK(t.open() == -1);  // both slots taken
    CHECK(t.blocks_needed(a, 1) == 1);
    CHECK(t.blocks_needed(a, 4) == 1);
    CHECK(t.blocks_needed(a, 5) == 2);
    t.reserve(a, 5);
    t.advance(a, 5);
    CHECK(t.blocks(a).size() == 2);
    CHECK(t.blocks(a)[0] == 0 && t.blocks(a)[1] == 1);
    CHECK(t.blocks_needed(a, 3) == 0);  // positions 5..7 fit in block 1
    CHECK(t.blocks_needed(a, 4) == 1);
    CHECK(t.block_of(a, 4) == 1);
    t.reserve(b, 1);
    t.advance(b, 1);
    CHECK(t.blocks(b)[0] == 2);
    CHECK(t.blocks_free() == 3);
    std::vector<int32_t> released = t.close(a);
    CHECK(released.size() == 2);
    CHECK(!t.is_open(a));
    CHECK(t.blocks_free() == 5);
    int c = t.open();
    CHECK(c == 0);
    CHECK(t.position(c) == 0);
    CHECK(t.blocks(c).empty());
    t.reserve(c, 1);
    CHECK(t.blocks(c)[0] == 0);  // the most recently freed block of the closed sequence's first is handed out first
    CHECK(!t.is_open(-1) && !t.is_open(2));
    return finish("kv_cache");
}
