# frozen_string_literal: true

# Wraps text at word boundaries so that no line is longer than a width.
module WordWrap
  def self.wrap(text, width)
    lines = []
    line = +""
    text.split(" ").each do |word|
      if line.empty?
        line << word
      elsif line.length + 1 + word.length <= width
        line << " " << word
      else
        lines << line
        line = +word
      end
    end
    lines << line unless line.empty?
    lines
  end
end
