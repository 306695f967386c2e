/**
 * Boards and files written by an attacker: links and image sources that would run script are
 * emptied on import and before tldraw sees them; text anyone typed (notes, names, titles, agenda
 * items, comments) reaches the Markdown report as text, never as markup a renderer makes live;
 * JSON nested too deep or carrying prototype keys is refused or ignored.
 */
import MarkdownIt from 'markdown-it'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import {
  buildReport,
  encodeRequest,
  isSafeLink,
  isSafeSource,
  newBoardId,
  parseBoardFile,
  reportInputFromDoc,
  BoardFileError,
  type JsonRecord,
} from '@roundtable/shared'
import { testBoardDoc } from '../../shared/src/export/testBoard.ts'
import { openRaw } from '../support/raw.ts'
import type { ServerProcess } from '../support/server.ts'
import { eventually, syncedClient, type YClient } from '../support/yclient.ts'
import { Harness } from './helpers.ts'

const h = new Harness()
const clients: YClient[] = []
let server: ServerProcess
beforeAll(async () => {
  server = await h.server()
})
afterAll(async () => {
  for (const c of clients) c.destroy()
  await h.dispose()
})

/** What people type to make a page run script or lead somewhere it should not. */
const PAYLOADS = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '<svg onload=alert(1)>',
  '<iframe src="data:text/html,<script>alert(1)</script>"></iframe>',
  '<a href="javascript:alert(1)">click</a>',
  '[click](javascript:alert(1))',
  '![pic](javascript:alert(1))',
  '<javascript:alert(1)>',
  '[ref]\n\n[ref]: javascript:alert(1)',
  '&#106;avascript:alert(1)',
  '<details open ontoggle=alert(1)>',
  '\n\n<div>\n<script>alert(2)</script>\n</div>\n\n',
  '`</code><script>alert(3)</script>`',
  '<!-- --><script>alert(4)</script>',
]

const TEXT_KEYS = new Set(['name', 'title', 'text', 'byName', 'toName', 'phaseTitle', 'notes', 'label', 'prompt'])

/** A copy of `value` with every human-readable string replaced by the next payload. */
function poison<T>(value: T, counter = { n: 0 }): T {
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [k, poison(v, counter)])) as T
  if (Array.isArray(value)) return value.map((v) => poison(v, counter)) as T
  if (!value || typeof value !== 'object') return value
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      k,
      typeof v === 'string' && TEXT_KEYS.has(k) ? `${PAYLOADS[counter.n++ % PAYLOADS.length]} ${k}` : poison(v, counter),
    ]),
  ) as T
}

/** Elements and attributes a Markdown renderer with raw HTML on would make live, found in `html`. */
function liveMarkup(html: string): string[] {
  const found: string[] = []
  const SAFE_TAGS = new Set([
    'p',
    'h1',
    'h2',
    'h3',
    'h4',
    'h5',
    'h6',
    'ul',
    'ol',
    'li',
    'strong',
    'em',
    'code',
    'pre',
    'blockquote',
    'hr',
    'br',
  ])
  for (const [, closing, tag, attrs] of html.matchAll(/<(\/?)([a-zA-Z][\w-]*)([^>]*)>/g)) {
    if (!SAFE_TAGS.has(tag.toLowerCase())) found.push(`<${closing}${tag}${attrs}>`)
    else if (attrs.trim() && !/^\s*(?:start="\d+"|class="[\w -]*")\s*$/.test(attrs)) found.push(`<${tag}${attrs}>`)
  }
  if (/<!--/.test(html)) found.push('comment')
  return found
}

const md = new MarkdownIt({ html: true, linkify: true })

describe('the Markdown report of a hostile board', () => {
  it('holds every name, title, agenda item, note and comment as text: rendered with raw HTML on, nothing is live', () => {
    const input = poison(reportInputFromDoc(testBoardDoc()))
    const report = buildReport(input)
    // The payloads are all in it, as text.
    expect(report).toContain('alert(1)')
    const html = md.render(report)
    expect(liveMarkup(html)).toEqual([])
    expect(html).not.toMatch(/href="(?!https?:|mailto:)/)
  })

  it('exported by the server from a board a peer wrote, holds no live markup either', async () => {
    const boardId = newBoardId()
    const writer = await syncedClient(server.wsUrl, boardId, clients)
    // Every string a person could have typed, in a doc of its own: all but the vote and round
    // state, which only the server writes (a client writing it is cut off).
    const source = testBoardDoc()
    const hostile = new Y.Doc()
    Y.transact(hostile, () => {
      for (const [name, type] of source.share) {
        if (name === 'votes' || name === 'brainstorm') continue
        if (type instanceof Y.Map) {
          const map = hostile.getMap<unknown>(name)
          for (const [key, value] of type.entries()) map.set(key, name === 'meta' ? value : poison(value))
        } else if (type instanceof Y.Array) hostile.getArray<unknown>(name).push(type.toArray().map((v) => poison(v)))
      }
      hostile.getMap('meta').set('title', '<script>alert("title")</script>')
    })
    Y.applyUpdate(writer.doc, Y.encodeStateAsUpdate(hostile))
    let report = ''
    await eventually(async () => {
      const res = await fetch(`${server.url}/api/boards/${boardId}/export?format=md`)
      expect(res.status).toBe(200)
      report = await res.text()
      expect(report).toContain('alert("title")')
    })
    expect(liveMarkup(md.render(report))).toEqual([])
  })
})

/** A .tldr-like file holding these records (schema checks come after parsing, on the client). */
const tldr = (records: unknown[]) => JSON.stringify({ tldrawFileFormatVersion: 1, schema: { schemaVersion: 2, sequences: {} }, records })

describe('links and sources that would run script', () => {
  const HOSTILE_LINKS = [
    'javascript:alert(1)',
    ' JavaScript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'vbscript:x',
    'file:///etc/passwd',
  ]
  const SVG_WITH_SCRIPT = `data:image/svg+xml;base64,${Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>').toString('base64')}`
  const SVG_WITH_HANDLER = `data:image/svg+xml,${encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>')}`

  it('are told apart from safe ones', () => {
    for (const url of HOSTILE_LINKS) expect(isSafeLink(url), url).toBe(false)
    for (const url of ['', 'https://example.org/a?b#c', 'http://x.test', 'mailto:a@b.test']) expect(isSafeLink(url), url).toBe(true)
    for (const url of [...HOSTILE_LINKS, SVG_WITH_SCRIPT, SVG_WITH_HANDLER, 'data:image/svg+xml,<svg><a href="https://x.test"/></svg>'])
      expect(isSafeSource(url), url).toBe(false)
    const plainSvg = `data:image/svg+xml,${encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1"/></svg>')}`
    for (const url of ['', 'https://example.org/a.png', 'asset:abc', 'data:image/png;base64,iVBORw0KGgo=', plainSvg])
      expect(isSafeSource(url), url).toBe(true)
  })

  it('are emptied on import, in link, bookmark, embed and image records, and the rest of the file is kept', () => {
    const records: JsonRecord[] = []
    HOSTILE_LINKS.forEach((url, i) => {
      records.push({ id: `shape:geo${i}`, typeName: 'shape', type: 'geo', props: { url, w: 10 } })
      records.push({ id: `shape:bookmark${i}`, typeName: 'shape', type: 'bookmark', props: { url, assetId: null } })
      records.push({ id: `shape:embed${i}`, typeName: 'shape', type: 'embed', props: { url } })
      records.push({ id: `asset:bookmark${i}`, typeName: 'asset', type: 'bookmark', props: { src: url, image: url, favicon: url } })
      records.push({ id: `asset:image${i}`, typeName: 'asset', type: 'image', props: { src: url, name: 'x' } })
    })
    records.push({ id: 'asset:svg1', typeName: 'asset', type: 'image', props: { src: SVG_WITH_SCRIPT } })
    records.push({ id: 'asset:svg2', typeName: 'asset', type: 'image', props: { src: SVG_WITH_HANDLER } })
    records.push({ id: 'shape:fine', typeName: 'shape', type: 'geo', props: { url: 'https://example.org' } })
    const parsed = parseBoardFile(tldr(records))
    expect(parsed.records.map((r) => r.id)).toEqual(records.map((r) => r.id))
    expect(parsed.neutralised).toBe(HOSTILE_LINKS.length * 7 + 2)
    for (const record of parsed.records) {
      const props = record.props as Record<string, unknown>
      for (const key of ['url', 'image', 'favicon'])
        if (typeof props[key] === 'string' && record.id !== 'shape:fine') expect(props[key], `${record.id}.${key}`).toBe('')
      if (record.typeName === 'asset') expect(props.src, record.id).toBeNull()
    }
    expect((parsed.records.at(-1)!.props as { url: string }).url).toBe('https://example.org')
  })
})

describe('JSON anyone may have written', () => {
  it('a board file nested deeper than any board is refused with a message; a huge flat one is not parsed at all', () => {
    const deep = `{"tldrawFileFormatVersion":1,"schema":{"schemaVersion":2},"records":[${'['.repeat(100_000)}${']'.repeat(100_000)}]}`
    expect(() => parseBoardFile(deep)).toThrow(BoardFileError)
    expect(() => parseBoardFile(deep)).toThrow(/nested deeper than 64 levels/)
    expect(() => parseBoardFile('x', 60 * 1024 * 1024)).toThrow(/too big/)
  })

  it('prototype keys in a board file are dropped, and no object’s prototype changes', () => {
    const text = `{"tldrawFileFormatVersion":1,"schema":{"schemaVersion":2,"__proto__":{"polluted":1}},"records":[{"id":"shape:a","typeName":"shape","constructor":{"prototype":{"polluted":2}},"props":{"__proto__":{"isAdmin":true}}}]}`
    const parsed = parseBoardFile(text)
    const record = parsed.records[0]
    expect(Object.getPrototypeOf(record.props)).toBe(Object.prototype)
    expect(Object.keys(record)).not.toContain('constructor')
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined()
    // Merged as code merges parsed objects, it still carries nothing of them.
    expect(({ ...(record.props as object) } as Record<string, unknown>).isAdmin).toBeUndefined()
  })

  it('the HTTP API refuses a body nested too deep (400) and ignores prototype keys; the server carries on', async () => {
    const boardId = newBoardId()
    const writer = await syncedClient(server.wsUrl, boardId, clients)
    writer.doc.getMap('meta').set('title', 'ok')
    const snapshots = `${server.url}/api/boards/${boardId}/snapshots`
    await eventually(async () => expect((await fetch(`${server.url}/api/boards/${boardId}/export`)).status).toBe(200))
    const deep = await fetch(snapshots, { method: 'POST', body: `{"name":${'['.repeat(5000)}${']'.repeat(5000)}}` })
    expect(deep.status).toBe(400)
    expect(((await deep.json()) as { error: string }).error).toMatch(/nested at most 64 deep/)
    const polluting = await fetch(snapshots, { method: 'POST', body: '{"name":"fine","__proto__":{"name":"evil"}}' })
    expect(polluting.status).toBe(201)
    expect(((await polluting.json()) as { snapshot: { name: string } }).snapshot.name).toBe('fine')
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
  })

  it('a request frame on the sync socket nested too deep closes only that connection (4400)', async () => {
    const boardId = newBoardId()
    const other = await syncedClient(server.wsUrl, boardId, clients)
    const raw = await openRaw(`${server.wsUrl}/${boardId}`)
    const text = `{"id":1,"op":"vote.mine","x":${'['.repeat(100)}${']'.repeat(100)}}`
    raw.send(rawRequest(text))
    expect((await raw.closed).code).toBe(4400)
    other.doc.getMap('meta').set('title', 'still here')
    expect(other.provider.wsconnected).toBe(true)
  })
})

/** A request frame carrying `json` verbatim. */
function rawRequest(json: string): Uint8Array {
  const template = encodeRequest({})
  // The type is one varuint byte; the string after it is a varuint length and UTF-8 bytes.
  const bytes = new TextEncoder().encode(json)
  const length: number[] = []
  let n = bytes.length
  while (n > 0x7f) {
    length.push((n & 0x7f) | 0x80)
    n >>>= 7
  }
  length.push(n)
  return new Uint8Array([template[0], ...length, ...bytes])
}
