# frozen_string_literal: true

require "test/unit"
require_relative "../lib/wordwrap"

class TestWrap < Test::Unit::TestCase
  def test_short_text_stays_on_one_line
    assert_equal(["hello world"], WordWrap.wrap("hello world", 20))
  end

  def test_breaks_between_words
    assert_equal(["the quick", "brown fox"], WordWrap.wrap("the quick brown fox", 10))
  end

  def test_empty_text_has_no_lines
    assert_equal([], WordWrap.wrap("", 10))
  end
end
