import * as Y from 'yjs'
import type { SerializedSchema, TLRecord, TLStore } from 'tldraw'
import { boardMeta, boardRecords, MODEL_VERSION, neutraliseRecord, type JsonRecord } from '@roundtable/shared'

/** Transaction origin of writes this binding makes, so it can ignore its own echoes. */
export const BINDING_ORIGIN = Symbol('tldraw-binding')

/**
 * Silent-brainstorm drafts are shapes marked `meta.draft`: they live on this device only, so the
 * binding never writes them (or bindings attached to them) to the shared doc.
 */
export function isPrivateRecord(store: TLStore, record: TLRecord): boolean {
  if (record.typeName === 'shape') return !!record.meta.draft
  if (record.typeName === 'binding') return [record.fromId, record.toId].some((id) => !!store.get(id)?.meta.draft)
  return false
}

export interface BindingHandle {
  dispose(): void
}

export interface BindingOptions {
  /** Called when the doc holds records this client's schema cannot read (written by a newer version). */
  onNewerDoc(reason: string): void
  /** A view-only client shows the doc and never writes to it (the server would refuse it). */
  readOnly?: boolean
  /** Server time now (the page clock): a new board's `createdAt` is an instant everyone compares. */
  now(): number
}

/**
 * Binds a tldraw store to a board's Y.Doc, both ways:
 * - the doc's `records` (YKeyValue keyed by record id) are migrated to this client's schema,
 *   loaded into the store, and written back when migration changed them;
 * - local user changes to document records go to the doc in one transaction;
 * - remote changes are applied with `mergeRemoteChanges` so they stay out of the local undo stack.
 */
export function bindStoreToDoc(store: TLStore, doc: Y.Doc, opts: BindingOptions): BindingHandle {
  const records = boardRecords(doc)
  const meta = boardMeta(doc)
  const ourSchema = store.schema.serialize()
  let frozen = false

  const freeze = (reason: string) => {
    if (frozen) return
    frozen = true
    opts.onNewerDoc(reason)
  }

  // Anyone with the link writes records: a link to javascript: (which tldraw's validation would
  // refuse, freezing the board) or a source that could run script is emptied before tldraw sees it.
  const safe = (record: JsonRecord) => neutraliseRecord(record).record as unknown as TLRecord

  const writeSchema = () => {
    meta.set('schema', ourSchema)
    if (meta.get('modelVersion') !== MODEL_VERSION) meta.set('modelVersion', MODEL_VERSION)
    if (!meta.has('createdAt')) meta.set('createdAt', opts.now())
  }

  // Load what the doc holds, migrating it forward if it was written with an older schema.
  const stored: Record<string, TLRecord> = {}
  for (const [id, entry] of records.map) stored[id] = safe(entry.val)
  if (Object.keys(stored).length > 0) {
    const theirSchema = (meta.get('schema') as SerializedSchema | undefined) ?? ourSchema
    const result = store.schema.migrateStoreSnapshot({ store: stored, schema: theirSchema })
    if (result.type === 'error') {
      freeze(`This board was saved by a newer version of Roundtable (${result.reason}).`)
    } else {
      const migrated = result.value as Record<string, TLRecord>
      store.mergeRemoteChanges(() => store.put(Object.values(migrated)))
      if (!opts.readOnly && JSON.stringify(theirSchema) !== JSON.stringify(ourSchema)) {
        doc.transact(() => {
          for (const record of Object.values(migrated)) records.set(record.id, record as unknown as JsonRecord)
          writeSchema()
        }, BINDING_ORIGIN)
      }
    }
  }

  const stopListening = store.listen(
    ({ changes }) => {
      if (frozen || opts.readOnly) return
      const shared = (r: TLRecord) => !isPrivateRecord(store, r)
      doc.transact(() => {
        for (const record of Object.values(changes.added)) if (shared(record)) records.set(record.id, record as unknown as JsonRecord)
        for (const [, to] of Object.values(changes.updated)) if (shared(to)) records.set(to.id, to as unknown as JsonRecord)
        for (const record of Object.values(changes.removed)) if (shared(record)) records.delete(record.id)
        if (JSON.stringify(meta.get('schema')) !== JSON.stringify(ourSchema)) writeSchema()
      }, BINDING_ORIGIN)
    },
    { source: 'user', scope: 'document' },
  )

  const onRemoteChange = (
    changes: Map<string, { action: 'add' | 'update' | 'delete'; newValue?: JsonRecord }>,
    transaction: Y.Transaction,
  ) => {
    if (transaction.origin === BINDING_ORIGIN || frozen) return
    const toRemove: TLRecord['id'][] = []
    const toPut: TLRecord[] = []
    changes.forEach((change, id) => {
      if (change.action === 'delete') toRemove.push(id as TLRecord['id'])
      else toPut.push(safe(change.newValue!))
    })
    try {
      store.mergeRemoteChanges(() => {
        if (toRemove.length) store.remove(toRemove)
        if (toPut.length) store.put(toPut)
      })
    } catch (err) {
      // A record that does not validate under our schema was written by a newer client.
      freeze(`Someone edited this board with a newer version of Roundtable (${(err as Error).message}).`)
    }
  }
  records.on('change', onRemoteChange)

  const onMetaChange = (event: Y.YMapEvent<unknown>) => {
    if (event.transaction.origin === BINDING_ORIGIN || !event.keysChanged.has('schema')) return
    const theirs = meta.get('schema') as SerializedSchema | undefined
    if (theirs && store.schema.getMigrationsSince(theirs).ok === false) {
      freeze('Someone opened this board with a newer version of Roundtable.')
    }
  }
  meta.observe(onMetaChange)

  return {
    dispose() {
      stopListening()
      records.off('change', onRemoteChange)
      meta.unobserve(onMetaChange)
    },
  }
}
