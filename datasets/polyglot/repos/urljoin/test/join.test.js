'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { join } = require('../index.js');

test('joins two segments', () => {
  assert.strictEqual(join('a', 'b'), 'a/b');
});

test('skips empty segments', () => {
  assert.strictEqual(join('a', '', 'b'), 'a/b');
});
