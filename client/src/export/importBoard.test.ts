import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { serializeTldrawJson, type Editor, type TLShape, type TLShapeId } from 'tldraw'
import {
  boardMeta,
  boardRecords,
  boardToFile,
  boardToTldr,
  docFromUpdate,
  parseBoardFile,
  BoardFileError,
  MAX_IMPORT_BYTES,
  type JsonRecord,
} from '@roundtable/shared'
import { newTestStore, testBoardDoc, testBoardRecords } from '../../../shared/src/export/testBoard.ts'
import { loadIntoEmptyBoard, migrateImport, shiftPageShapes } from './importBoard.ts'
import { readImportFile } from './pendingImport.ts'

const schema = newTestStore().schema

function recordsOf(doc: Y.Doc): Record<string, JsonRecord> {
  return Object.fromEntries([...boardRecords(doc).map.entries()].map(([id, e]) => [id, e.val]))
}

/** What the import menu does with a file's text for a new board. */
function importText(text: string): Y.Doc {
  const parsed = parseBoardFile(text)
  const records = migrateImport(schema, parsed)
  const doc = new Y.Doc()
  loadIntoEmptyBoard(doc, schema, parsed, records, 1_000)
  return doc
}

describe('import and export round trips', () => {
  it('board -> .tldr -> import gives the same records', () => {
    const board = testBoardDoc()
    const file = JSON.stringify(boardToTldr(board))
    const imported = importText(file)
    expect(recordsOf(imported)).toEqual(recordsOf(board))
    expect(Object.keys(recordsOf(imported)).length).toBe(15)
  })

  it('board -> JSON snapshot -> import gives the same board, title and facilitation state', () => {
    const board = testBoardDoc()
    const imported = importText(JSON.stringify(boardToFile(board, 1_000)))
    expect(recordsOf(imported)).toEqual(recordsOf(board))
    expect(boardMeta(imported).get('title')).toBe('Q2 planning')
    for (const key of ['participants', 'agenda', 'facilitation']) expect(imported.getMap(key).toJSON()).toEqual(board.getMap(key).toJSON())
    // Vote results come along; a vote still open stays behind (its ballots are on the old server).
    expect(Object.keys(imported.getMap('votes').toJSON())).toEqual(['vote-1'])
    expect(imported.getMap('votes').get('vote-1')).toEqual(board.getMap('votes').get('vote-1'))
    expect(imported.getArray('sessionLog').toJSON()).toEqual(board.getArray('sessionLog').toJSON())
    expect(imported.getArray('sessionLog').length).toBe(5)
  })

  it('imports a .tldr written by tldraw’s own serializer, leaving out its session records', async () => {
    const { store, records } = testBoardRecords()
    // tldraw's serializer only reads the editor's store for a board without remote assets.
    const text = await serializeTldrawJson({ store } as unknown as Editor)
    expect(JSON.parse(text).tldrawFileFormatVersion).toBe(1)
    const imported = importText(text)
    const byId = Object.fromEntries(records.map((r) => [r.id, r]))
    expect(recordsOf(imported)).toEqual(JSON.parse(JSON.stringify(byId)))
  })

  it('migrates a board written with an older tldraw schema on the way in', () => {
    const old = docFromUpdate(fs.readFileSync(path.resolve(import.meta.dirname, '../../../tests/fixtures/board-note-v8.ydoc')))
    const imported = importText(JSON.stringify(boardToTldr(old)))
    const note = Object.values(recordsOf(imported)).find((r) => (r as { type?: string }).type === 'note') as unknown as {
      props: Record<string, unknown>
    }
    expect(note.props.text).toBeUndefined()
    expect(JSON.stringify(note.props.richText)).toContain('Written before rich text')
    expect(boardMeta(imported).get('schema')).toEqual(schema.serialize())
  })
})

describe('arrows stay bound through the migration', () => {
  it('turns a tldraw 2.1 arrow’s bindings (inside its props) into binding records joining the same notes', () => {
    const text = fs.readFileSync(path.resolve(import.meta.dirname, '../../../tests/fixtures/arrow-tldraw-2.1.tldr'), 'utf8')
    const records = migrateImport(schema, parseBoardFile(text))
    const bindings = records.filter((r) => r.typeName === 'binding') as unknown as {
      fromId: string
      toId: string
      props: { terminal: string }
    }[]
    expect(bindings.map((b) => [b.fromId, b.props.terminal, b.toId]).sort()).toEqual([
      ['shape:arrow', 'end', 'shape:effect'],
      ['shape:arrow', 'start', 'shape:cause'],
    ])
    const note = records.find((r) => r.id === 'shape:cause') as unknown as { props: { richText: unknown } }
    expect(JSON.stringify(note.props.richText)).toContain('Slow reviews')
  })
})

describe('placing an import beside what is here', () => {
  it('moves only the shapes directly on the page; children, arrows’ bindings and ids stay as they are', () => {
    const text = fs.readFileSync(path.resolve(import.meta.dirname, '../../../tests/fixtures/arrow-tldraw-2.1.tldr'), 'utf8')
    const records = migrateImport(schema, parseBoardFile(text))
    const shapes = records.filter((r): r is TLShape => r.typeName === 'shape')
    const child = { ...shapes[0], id: 'shape:child' as TLShapeId, parentId: shapes[0].id, x: 5, y: 6 }
    const moved = shiftPageShapes([...shapes, child], { x: 1000, y: -50 })
    expect(moved.map((s) => [s.id, s.x, s.y])).toEqual([...shapes.map((s) => [s.id, s.x + 1000, s.y - 50]), ['shape:child', 5, 6]])
    expect(moved.map((s) => s.props)).toEqual([...shapes, child].map((s) => s.props))
    // The input is not changed.
    expect(shapes.map((s) => s.x)).toEqual(shapes.map((s) => (s.id === 'shape:arrow' ? 100 : s.id === 'shape:effect' ? 600 : 0)))
  })
})

describe('bad files get a clear message', () => {
  const fail = (text: string, byteLength?: number) => {
    try {
      const parsed = parseBoardFile(text, byteLength)
      migrateImport(schema, parsed)
    } catch (err) {
      expect(err).toBeInstanceOf(BoardFileError)
      return (err as Error).message
    }
    throw new Error('expected the file to be refused')
  }

  it('refuses what is not a board file', () => {
    expect(fail('not json {')).toMatch(/not JSON/)
    expect(fail('[1,2]')).toMatch(/not a board file/)
    expect(fail('{"hello":"world"}')).toMatch(/not a board/)
    expect(fail('{"document":{"version":1}}')).toMatch(/tldraw version 1/)
    expect(fail('{"tldrawFileFormatVersion":1,"schema":{"schemaVersion":2,"sequences":{}},"records":[{"nope":1}]}')).toMatch(/damaged/)
  })

  it('refuses a file that is too big before parsing it', () => {
    expect(fail('{}', MAX_IMPORT_BYTES + 1)).toMatch(/too big/)
  })

  it('refuses a newer file format or a newer schema than we know', () => {
    const file = boardToTldr(testBoardDoc()) as { tldrawFileFormatVersion: number; schema: { sequences: Record<string, number> } }
    expect(fail(JSON.stringify({ ...file, tldrawFileFormatVersion: 2 }))).toMatch(/newer tldraw/)
    const newer = structuredClone(file)
    newer.schema.sequences['com.tldraw.shape.note'] += 1
    expect(fail(JSON.stringify(newer))).toMatch(/newer version/)
    expect(fail(JSON.stringify({ ...boardToFile(testBoardDoc(), 1_000), version: 99 }))).toMatch(/newer version of Roundtable/)
  })

  it('refuses a board the server would not take in one message, or that would make this board too big', async () => {
    const text = JSON.stringify(boardToFile(testBoardDoc(), 1_000))
    const file = new File([text], 'board.json')
    const roomy = { maxFrameBytes: 1024 * 1024, maxBoardBytes: 1024 * 1024, maxRecordBytes: 512 * 1024 }
    await expect(readImportFile(file, { limits: roomy })).resolves.toMatchObject({ parsed: { kind: 'roundtable' } })
    await expect(readImportFile(file, { limits: { ...roomy, maxFrameBytes: 2048 } })).rejects.toThrow(/too big for this server/)
    // Beside a board: what is there already counts against the board's size.
    const here = testBoardDoc()
    const size = Y.encodeStateAsUpdate(here).byteLength
    await expect(readImportFile(file, { into: here, limits: roomy })).resolves.toBeDefined()
    await expect(readImportFile(file, { into: here, limits: { ...roomy, maxBoardBytes: size + 1024 } })).rejects.toThrow(
      /board would be too big/,
    )
  })

  it('refuses a file holding one record bigger than the server takes (a note with 5 MB of text, a page with 100,000 meta fields), for a new board or beside', async () => {
    const board = boardToTldr(testBoardDoc()) as unknown as { records: (JsonRecord & { props: Record<string, unknown> })[] }
    const huge = structuredClone(board)
    const note = huge.records.find((r) => r.type === 'note')!
    note.props.richText = { type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'x'.repeat(5 * 1024 * 1024) }] }] }
    const limits = { maxFrameBytes: 64 * 1024 * 1024, maxBoardBytes: 64 * 1024 * 1024, maxRecordBytes: 512 * 1024 }
    const file = (content: unknown) => new File([JSON.stringify(content)], 'board.tldr')
    await expect(readImportFile(file(huge), { limits })).rejects.toThrow(
      `The file holds a record too big for this server (${note.id}, 5 MB)`,
    )
    await expect(readImportFile(file(huge), { into: testBoardDoc(), limits })).rejects.toThrow(/the limit is 512 KB per record/)
    const wide = structuredClone(board)
    const page = wide.records.find((r) => r.typeName === 'page')!
    page.meta = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`p${i}`, 0]))
    await expect(readImportFile(file(wide), { limits })).rejects.toThrow(`(${page.id}, `)
    await expect(readImportFile(file(board), { limits })).resolves.toBeDefined()
  })

  it('refuses records tldraw would not accept', () => {
    const file = structuredClone(boardToTldr(testBoardDoc())) as { records: (JsonRecord & { props?: Record<string, unknown> })[] }
    const note = file.records.find((r) => r.type === 'note')!
    note.props = { ...note.props, color: 'not-a-colour' }
    expect(fail(JSON.stringify(file))).toMatch(/cannot show/)
  })
})
