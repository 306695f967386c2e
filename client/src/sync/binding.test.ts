import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createShapeId, createTLStore, defaultBindingUtils, defaultShapeUtils, toRichText, type TLNoteShape, type TLStore } from 'tldraw'
import { boardMeta, boardRecords, type JsonRecord } from '@roundtable/shared'
import { bindStoreToDoc, type BindingHandle } from './binding.ts'

const newStore = () => createTLStore({ shapeUtils: defaultShapeUtils, bindingUtils: defaultBindingUtils })

/**
 * Relays every update between two docs as the server would: queued, and delivered after the
 * sending transaction has finished (a network never re-enters the sender mid-transaction).
 * Returns `flush`, which delivers until both sides are quiet.
 */
function link(a: Y.Doc, b: Y.Doc): () => void {
  const queue: [Y.Doc, Uint8Array][] = []
  a.on('update', (u: Uint8Array, origin: unknown) => origin !== 'link' && queue.push([b, u]))
  b.on('update', (u: Uint8Array, origin: unknown) => origin !== 'link' && queue.push([a, u]))
  queue.push([b, Y.encodeStateAsUpdate(a)], [a, Y.encodeStateAsUpdate(b)])
  const flush = () => {
    for (let delivered = 0; queue.length > 0; delivered++) {
      if (delivered > 1000) throw new Error('docs keep sending updates to each other: they do not settle')
      const [to, update] = queue.shift()!
      Y.applyUpdate(to, update, 'link')
    }
  }
  flush()
  return flush
}

function note(id: string, text: string, x = 0): TLNoteShape {
  const store = newStore()
  return store.schema.types.shape.create({
    id: createShapeId(id),
    type: 'note',
    parentId: 'page:page',
    index: 'a1',
    x,
    y: 0,
    props: { ...new (defaultShapeUtils.find((u) => u.type === 'note')!)(null as never).getDefaultProps(), richText: toRichText(text) },
  } as never) as TLNoteShape
}

function docRecord(doc: Y.Doc, id: string): JsonRecord | undefined {
  return boardRecords(doc).get(id)
}

const handles: BindingHandle[] = []
function bind(store: TLStore, doc: Y.Doc, onNewerDoc: (reason: string) => void = () => {}) {
  const handle = bindStoreToDoc(store, doc, { onNewerDoc, now: () => 1_000 })
  handles.push(handle)
  return handle
}
afterEach(() => handles.splice(0).forEach((h) => h.dispose()))

describe('tldraw store -> YKeyValue', () => {
  it('writes a local change to the doc as one update, with the schema', () => {
    const store = newStore()
    const doc = new Y.Doc()
    bind(store, doc)
    // The first change also adds tldraw's default document and page; measure a later one.
    store.put([note('warm-up', '')])
    let updates = 0
    doc.on('update', () => updates++)
    store.put([note('a', 'first'), note('b', 'second', 300)])
    expect(updates).toBe(1)
    expect((docRecord(doc, 'shape:a') as unknown as TLNoteShape).props.richText).toEqual(toRichText('first'))
    expect(docRecord(doc, 'shape:b')).toBeDefined()
    expect(boardMeta(doc).get('schema')).toEqual(store.schema.serialize())
  })

  it('writes updates and deletions', () => {
    const store = newStore()
    const doc = new Y.Doc()
    bind(store, doc)
    store.put([note('a', 'first')])
    store.update(createShapeId('a'), (r) => ({ ...r, x: 500 }) as TLNoteShape)
    expect(docRecord(doc, 'shape:a')?.x).toBe(500)
    store.remove([createShapeId('a')])
    expect(docRecord(doc, 'shape:a')).toBeUndefined()
  })

  it('keeps one entry per record however often it changes', () => {
    const store = newStore()
    const doc = new Y.Doc()
    bind(store, doc)
    store.put([note('a', 'drag me')])
    for (let x = 0; x < 1000; x++) store.update(createShapeId('a'), (r) => ({ ...r, x }) as TLNoteShape)
    expect(boardRecords(doc).yarray.length).toBe(1)
    expect(docRecord(doc, 'shape:a')?.x).toBe(999)
  })

  it('does not write presence or session records to the doc', () => {
    const store = newStore()
    const doc = new Y.Doc()
    bind(store, doc)
    store.put([store.schema.types.camera.create({ id: 'camera:page:page' as never })])
    expect(boardRecords(doc).map.size).toBe(0)
  })
})

describe('silent-brainstorm drafts', () => {
  it('never reach the doc: not when created, edited, moved, bound to, or deleted', () => {
    const store = newStore()
    const doc = new Y.Doc()
    bind(store, doc)
    const updates: Uint8Array[] = []
    doc.on('update', (u: Uint8Array) => updates.push(u))
    const draft = { ...note('draft-1', 'PRIVATE idea'), meta: { draft: 'round-1' } } as TLNoteShape
    store.put([note('public', 'shared idea', 600), draft])
    store.update(
      draft.id,
      (r) => ({ ...r, x: 250, props: { ...(r as TLNoteShape).props, richText: toRichText('PRIVATE edited') } }) as TLNoteShape,
    )
    // An arrow from a public note to the draft: the arrow may be shared, its binding to the draft not.
    const arrow = store.schema.types.shape.create({
      id: createShapeId('arrow'),
      type: 'arrow',
      parentId: 'page:page',
      index: 'a3',
      x: 0,
      y: 0,
      props: new (defaultShapeUtils.find((u) => u.type === 'arrow')!)(null as never).getDefaultProps(),
    } as never)
    store.put([arrow])
    const binding = store.schema.types.binding.create({
      type: 'arrow',
      fromId: arrow.id,
      toId: draft.id,
      props: { ...new (defaultBindingUtils.find((u) => u.type === 'arrow')!)(null as never).getDefaultProps(), terminal: 'end' },
    } as never)
    store.put([binding])
    store.remove([binding.id, draft.id])

    expect(docRecord(doc, 'shape:public')).toBeDefined()
    expect(docRecord(doc, 'shape:draft-1')).toBeUndefined()
    expect(docRecord(doc, binding.id)).toBeUndefined()
    const everything =
      Buffer.from(Y.encodeStateAsUpdate(doc)).toString('latin1') + updates.map((u) => Buffer.from(u).toString('latin1')).join('')
    expect(everything).toContain('shared idea')
    expect(everything).not.toContain('PRIVATE')
    expect(everything).not.toContain('draft-1')
  })
})

describe('YKeyValue -> tldraw store', () => {
  it('applies a peer change as a remote change, outside the local undo history', () => {
    const [storeA, storeB] = [newStore(), newStore()]
    const [docA, docB] = [new Y.Doc(), new Y.Doc()]
    bind(storeA, docA)
    bind(storeB, docB)
    const flush = link(docA, docB)
    const sources: string[] = []
    // Only shapes: tldraw itself adds its default document and page as a local change.
    storeB.listen(
      (entry) => {
        const touched = [...Object.keys(entry.changes.added), ...Object.keys(entry.changes.updated), ...Object.keys(entry.changes.removed)]
        if (touched.some((id) => id.startsWith('shape:'))) sources.push(entry.source)
      },
      { scope: 'document' },
    )

    storeA.put([note('a', 'from A')])
    flush()
    expect((storeB.get(createShapeId('a')) as TLNoteShape).props.richText).toEqual(toRichText('from A'))
    storeA.update(createShapeId('a'), (r) => ({ ...r, y: 42 }) as TLNoteShape)
    flush()
    expect(storeB.get(createShapeId('a'))?.y).toBe(42)
    storeA.remove([createShapeId('a')])
    flush()
    expect(storeB.get(createShapeId('a'))).toBeUndefined()
    expect(sources.length).toBeGreaterThan(0)
    expect(new Set(sources)).toEqual(new Set(['remote']))
  })

  it('loads what the doc already holds', () => {
    const doc = new Y.Doc()
    bind(newStore(), doc)
    const first = newStore()
    handles[0].dispose()
    bind(first, doc)
    first.put([note('kept', 'still here')])
    const later = newStore()
    bind(later, doc)
    expect((later.get(createShapeId('kept')) as TLNoteShape).props.richText).toEqual(toRichText('still here'))
  })

  it('converges when two stores edit concurrently', () => {
    const [storeA, storeB] = [newStore(), newStore()]
    const [docA, docB] = [new Y.Doc(), new Y.Doc()]
    bind(storeA, docA)
    bind(storeB, docB)
    storeA.put([note('a', 'A wrote this', 0)])
    storeB.put([note('b', 'B wrote this', 300)])
    storeA.put([{ ...note('same', 'A version'), x: 1 }])
    storeB.put([{ ...note('same', 'B version'), x: 2 }])
    link(docA, docB)
    const shapesA = storeA.query
      .records('shape')
      .get()
      .sort((a, b) => a.id.localeCompare(b.id))
    const shapesB = storeB.query
      .records('shape')
      .get()
      .sort((a, b) => a.id.localeCompare(b.id))
    expect(shapesA.map((s) => s.id)).toEqual(['shape:a', 'shape:b', 'shape:same'])
    expect(shapesA).toEqual(shapesB)
  })
})

describe('migrations', () => {
  const olderDoc = () => {
    const doc = new Y.Doc()
    Y.applyUpdate(doc, fs.readFileSync(path.resolve(import.meta.dirname, '../../../tests/fixtures/board-note-v8.ydoc')))
    return doc
  }

  it('migrates a doc written with an older schema forward and writes it back', () => {
    const doc = olderDoc()
    const stored = docRecord(doc, 'shape:oldnote') as unknown as { props: Record<string, unknown> }
    expect(stored.props.text).toBe('Written before rich text')
    const store = newStore()
    const onNewerDoc = (reason: string) => {
      throw new Error(`unexpected: ${reason}`)
    }
    bind(store, doc, onNewerDoc)

    const migrated = store.get(createShapeId('oldnote')) as TLNoteShape
    expect(migrated.props.richText).toEqual(toRichText('Written before rich text'))
    expect(migrated.meta.createdBy).toBe('p-older')
    const written = docRecord(doc, 'shape:oldnote') as unknown as TLNoteShape
    expect(written.props.richText).toEqual(toRichText('Written before rich text'))
    expect('text' in written.props).toBe(false)
    expect(boardMeta(doc).get('schema')).toEqual(store.schema.serialize())
    expect(store.get('document:document' as never)).toMatchObject({ name: 'Retro' })
  })

  it('opens a doc written by a newer client read-only instead of writing to it', () => {
    const doc = new Y.Doc()
    const newer = newStore().schema.serialize() as { sequences: Record<string, number> }
    newer.sequences['com.tldraw.shape.note'] += 5
    boardMeta(doc).set('schema', newer)
    boardRecords(doc).set('page:page', { id: 'page:page', typeName: 'page', name: 'Page 1', index: 'a1', meta: {} })
    const before = Y.encodeStateAsUpdate(doc)
    const reasons: string[] = []
    const store = newStore()
    bind(store, doc, (r) => reasons.push(r))
    expect(reasons).toHaveLength(1)
    expect(reasons[0]).toMatch(/newer version/)
    store.put([note('x', 'must not reach the doc')])
    expect(Y.encodeStateAsUpdate(doc)).toEqual(before)
  })

  it('goes read-only when a peer upgrades the doc while it is open', () => {
    const doc = new Y.Doc()
    const reasons: string[] = []
    const store = newStore()
    bind(store, doc, (r) => reasons.push(r))
    store.put([note('a', 'hello')])
    const newer = store.schema.serialize() as { sequences: Record<string, number> }
    newer.sequences['com.tldraw.shape.note'] += 1
    const peer = new Y.Doc()
    const flush = link(doc, peer)
    boardMeta(peer).set('schema', newer)
    flush()
    expect(reasons).toHaveLength(1)
  })
})
