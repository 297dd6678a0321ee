'use strict';

/**
 * Join URL path segments with single slashes: join('a', 'b') is 'a/b'.
 * The first segment may be a whole URL ('https://example.com/api').
 */
function join(...segments) {
  return segments.filter((s) => s !== '').join('/');
}

module.exports = { join };
