// A fixed-capacity ring buffer of ints: push overwrites the oldest value once the buffer is full.
#pragma once
#include <cstddef>
#include <vector>

class RingBuffer {
 public:
  explicit RingBuffer(std::size_t capacity);
  void push(int value);
  std::size_t size() const { return size_; }
  // The values from oldest to newest.
  std::vector<int> values() const;

 private:
  std::vector<int> data_;
  std::size_t head_ = 0;  // where the next value goes
  std::size_t size_ = 0;
};
