/** Keys that, copied onto an object with `=` or a spread, would reach or replace its prototype. */
const POLLUTING_KEYS = new Set(['__proto__', 'constructor', 'prototype'])

/** Deeper than any board record or request; a file nested deeper is not one we wrote. */
export const MAX_JSON_DEPTH = 64

export class UnsafeJsonError extends Error {}

/**
 * JSON.parse for text anyone may have written: drops `__proto__`, `constructor` and `prototype`
 * keys wherever they are (nothing we read has them, and code that merges parsed objects would
 * otherwise hand them to a prototype), and refuses nesting deeper than `maxDepth`.
 * Throws SyntaxError for text that is not JSON, UnsafeJsonError for too deep a nesting.
 */
export function parseJsonSafely(text: string, maxDepth = MAX_JSON_DEPTH): unknown {
  // Checked on the text first: JSON.parse itself recurses, and a deep enough nesting would
  // overflow the stack before any later check ran.
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92)
        i++ // backslash: skip the escaped character
      else if (c === 34) inString = false
    } else if (c === 34) inString = true
    else if (c === 123 || c === 91) {
      if (++depth > maxDepth) throw new UnsafeJsonError(`nested deeper than ${maxDepth} levels`)
    } else if (c === 125 || c === 93) depth--
  }
  return JSON.parse(text, (key, value) => (POLLUTING_KEYS.has(key) ? undefined : value))
}
