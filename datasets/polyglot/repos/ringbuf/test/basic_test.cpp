#include <gtest/gtest.h>
#include "ringbuf.h"

TEST(RingBuffer, StartsEmpty) {
  RingBuffer rb(3);
  EXPECT_EQ(rb.size(), 0u);
  EXPECT_TRUE(rb.values().empty());
}

TEST(RingBuffer, KeepsValuesInOrderBeforeFull) {
  RingBuffer rb(3);
  rb.push(1);
  rb.push(2);
  EXPECT_EQ(rb.values(), (std::vector<int>{1, 2}));
}

TEST(RingBuffer, ZeroCapacityStoresNothing) {
  RingBuffer rb(0);
  rb.push(1);
  EXPECT_EQ(rb.size(), 0u);
}
