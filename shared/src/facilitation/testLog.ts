import * as Y from 'yjs'
import type { LogEntry } from './log.ts'

/** What the turn-taking tests share: people, a log entry builder, two docs exchanging their updates. */

export const ann = { id: 'ann', name: 'Ann' }
export const bob = { id: 'bob', name: 'Bob' }
export const cat = { id: 'cat', name: 'Cat' }

/** Builds entries with ids in creation order (`prefix` + number) and the author's id upper-cased as their name. */
export function entryMaker(prefix: string, defaults: Partial<LogEntry> = {}) {
  let n = 0
  return (kind: LogEntry['kind'], by: string, at: number, extra: Partial<LogEntry> = {}): LogEntry => ({
    id: `${prefix}${String(n++).padStart(3, '0')}`,
    kind,
    by,
    byName: by.toUpperCase(),
    at,
    ...defaults,
    ...extra,
  })
}

/** Both docs end up with every update either has: two devices reconnecting. */
export function syncDocs(a: Y.Doc, b: Y.Doc) {
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a))
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b))
}
