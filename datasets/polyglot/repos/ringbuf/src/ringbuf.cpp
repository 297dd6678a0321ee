#include "ringbuf.h"

RingBuffer::RingBuffer(std::size_t capacity) : data_(capacity) {}

void RingBuffer::push(int value) {
  if (data_.empty()) return;
  data_[head_] = value;
  head_ = (head_ + 1) % data_.size();
  if (size_ < data_.size()) ++size_;
}

std::vector<int> RingBuffer::values() const {
  std::vector<int> out;
  for (std::size_t i = 0; i < size_; ++i) out.push_back(data_[i]);
  return out;
}
