// Item lookups, remembered so that a popular item is loaded only once.
'use strict';

const items = new Map();

// The item for key: the one remembered, else load(key), remembered.
function remember(key, load) {
  if (items.has(key)) return items.get(key);
  const value = load(key);
  items.set(key, value);
  return value;
}

module.exports = { remember, size: () => items.size };
