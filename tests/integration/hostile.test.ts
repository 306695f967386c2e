/**
 * Hostile and broken input against the real server process: bad frames close only the
 * connection that sent them, bad board ids never reach the file system, and no single request
 * takes the server down for everyone else.
 */
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import * as Y from 'yjs'
import * as encoding from 'lib0/encoding'
import * as syncProtocol from 'y-protocols/sync'
import { CloseCode, MESSAGE_AWARENESS, MESSAGE_QUERY_AWARENESS, MESSAGE_SYNC, boardRecords } from '@roundtable/shared'
import type { ServerProcess } from '../support/server.ts'
import { eventually, type YClient } from '../support/yclient.ts'
import {
  Harness,
  boardId,
  closeOf,
  countRows,
  getJson,
  rawHttp,
  readDb,
  record,
  snapshot,
  stateVectorHex,
  upgradeRequest,
  withTimeout,
} from './helpers.ts'

const MAX_FRAME_BYTES = 65_536
const h = new Harness()

afterAll(async () => {
  await h.dispose()
})

function frame(write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder()
  write(encoder)
  return encoding.toUint8Array(encoder)
}

/** Deterministic pseudo-random bytes (a fixed LCG), so a failure reproduces. */
function noise(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length)
  let x = seed
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0
    out[i] = x >>> 24
  }
  return out
}

/** A real Yjs update with some content, as a client would send it. */
function realUpdate(): Uint8Array {
  const doc = new Y.Doc()
  doc.getMap('items').set('injected', 'x'.repeat(200))
  doc.getArray<string>('log').push(['injected'])
  const update = Y.encodeStateAsUpdate(doc)
  doc.destroy()
  return update
}

const syncUpdateMessage = frame((e) => {
  encoding.writeVarUint(e, MESSAGE_SYNC)
  syncProtocol.writeUpdate(e, realUpdate())
})
const syncStep1Message = frame((e) => {
  encoding.writeVarUint(e, MESSAGE_SYNC)
  encoding.writeVarUint(e, syncProtocol.messageYjsSyncStep1)
  // A state vector naming a few clients, so there is something to cut in half.
  encoding.writeVarUint8Array(
    e,
    frame((sv) => {
      encoding.writeVarUint(sv, 3)
      for (const [client, clock] of [
        [123456789, 1000],
        [987654321, 2000],
        [42, 3],
      ]) {
        encoding.writeVarUint(sv, client)
        encoding.writeVarUint(sv, clock)
      }
    }),
  )
})

interface Attack {
  name: string
  data: Uint8Array | string
  expectCode: number
}

const attacks: Attack[] = [
  { name: 'garbage bytes (0xff)', data: Buffer.alloc(32, 0xff), expectCode: CloseCode.malformed },
  { name: 'garbage bytes (pseudo-random)', data: Buffer.concat([Buffer.from([0x9c]), noise(512, 7)]), expectCode: CloseCode.malformed },
  { name: 'an empty binary frame', data: Buffer.alloc(0), expectCode: CloseCode.malformed },
  { name: 'a truncated sync update', data: syncUpdateMessage.slice(0, syncUpdateMessage.length >> 1), expectCode: CloseCode.malformed },
  { name: 'a truncated sync step 1', data: syncStep1Message.slice(0, syncStep1Message.length - 3), expectCode: CloseCode.malformed },
  {
    name: 'a sync step 1 with trailing bytes after it',
    data: Buffer.concat([syncStep1Message, Buffer.from([1, 2, 3])]),
    expectCode: CloseCode.malformed,
  },
  { name: 'an unknown sync sub-type', data: Buffer.from([MESSAGE_SYNC, 9, 0]), expectCode: CloseCode.malformed },
  { name: 'an unknown message type (7)', data: Buffer.from([7]), expectCode: CloseCode.malformed },
  {
    name: 'an unknown message type (200, as a varint)',
    data: frame((e) => encoding.writeVarUint(e, 200)),
    expectCode: CloseCode.malformed,
  },
  {
    name: 'a query-awareness message with trailing bytes',
    data: Buffer.from([MESSAGE_QUERY_AWARENESS, 0xff]),
    expectCode: CloseCode.malformed,
  },
  {
    name: 'an awareness update whose state is not JSON',
    data: frame((e) => {
      encoding.writeVarUint(e, MESSAGE_AWARENESS)
      encoding.writeVarUint8Array(
        e,
        frame((a) => {
          encoding.writeVarUint(a, 1)
          encoding.writeVarUint(a, 4242)
          encoding.writeVarUint(a, 1)
          encoding.writeVarString(a, '{not json')
        }),
      )
    }),
    expectCode: CloseCode.malformed,
  },
  { name: 'a text frame', data: 'hello, is this JSON?', expectCode: CloseCode.malformed },
  // Its bytes are a valid query-awareness message: only the frame type makes it wrong.
  { name: 'a text frame holding valid message bytes', data: String.fromCharCode(MESSAGE_QUERY_AWARENESS), expectCode: CloseCode.malformed },
  { name: `an oversized frame (100 KB > ${MAX_FRAME_BYTES})`, data: noise(100 * 1024, 3), expectCode: CloseCode.tooLarge },
]

describe('hostile frames', () => {
  let server: ServerProcess
  const boardA = boardId()
  const boardB = boardId()
  let a1: YClient, a2: YClient, b1: YClient, b2: YClient
  /** Close codes any honest client saw; there must be none. */
  const honestCloses: Array<number | null> = []

  beforeAll(async () => {
    server = await h.server({ env: { MAX_FRAME_BYTES: String(MAX_FRAME_BYTES) } })
    ;[a1, a2, b1, b2] = await Promise.all([
      h.client(server, boardA),
      h.client(server, boardA),
      h.client(server, boardB),
      h.client(server, boardB),
    ])
    for (const c of [a1, a2, b1, b2]) c.provider.on('connection-close', (event) => honestCloses.push(event?.code ?? null))
    a1.doc.getMap('items').set('before', 'attacks')
    boardRecords(b1.doc).set('shape:before', record('shape:before'))
    await eventually(() => {
      expect(a2.doc.getMap('items').get('before')).toBe('attacks')
      expect(snapshot(b2.doc).records['shape:before']).toBeDefined()
    })
  })

  for (const attack of attacks) {
    it(`${attack.name} closes that connection with ${attack.expectCode}`, async () => {
      const ws = await h.raw(server, boardA)
      try {
        const closed = closeOf(ws)
        ws.send(attack.data, { binary: typeof attack.data !== 'string' })
        expect((await closed).code).toBe(attack.expectCode)
      } finally {
        ws.terminate()
      }
      expect(honestCloses).toEqual([])
      for (const c of [a1, a2, b1, b2]) expect(c.provider.wsconnected).toBe(true)
    })
  }

  it('a well-framed sync update whose Yjs payload is garbage closes that connection with 4400', async () => {
    // [sync, update, length, <bytes that are not a Yjs update>]
    const data = frame((e) => {
      encoding.writeVarUint(e, MESSAGE_SYNC)
      syncProtocol.writeUpdate(e, Uint8Array.from(noise(20, 11)))
    })
    const ws = await h.raw(server, boardA)
    try {
      const closed = closeOf(ws, 3_000)
      ws.send(data)
      expect((await closed).code).toBe(CloseCode.malformed)
    } finally {
      ws.terminate()
    }
  })

  it('clients on the attacked board and on another board keep syncing afterwards', async () => {
    a1.doc.transact(() => {
      a1.doc.getMap('items').set('after', 'attacks')
      a1.doc.getArray<string>('log').push(['a-after'])
    })
    boardRecords(b2.doc).set('shape:after', record('shape:after', { x: 1 }))
    await eventually(() => {
      expect(a2.doc.getMap('items').get('after')).toBe('attacks')
      expect(a2.doc.getArray('log').toJSON()).toEqual(['a-after'])
      expect(snapshot(b1.doc).records['shape:after']).toEqual(record('shape:after', { x: 1 }))
    })
    expect(honestCloses).toEqual([])

    // Nothing the attackers sent ended up in the board: a newcomer sees exactly what the
    // honest clients wrote.
    const fresh = await h.client(server, boardA)
    expect(snapshot(fresh.doc)).toEqual(snapshot(a1.doc))
    expect(snapshot(fresh.doc).items).toEqual({ before: 'attacks', after: 'attacks' })
    expect(stateVectorHex(fresh.doc)).toBe(stateVectorHex(a1.doc))
    expect((await getJson(`${server.url}/healthz`)).status).toBe(200)
  })
})

describe('bad board ids and plain HTTP', () => {
  let server: ServerProcess
  const escapee = `roundtable-escape-${boardId()}`
  const badIds = [
    'short',
    '..%2F..%2Fetc%2Fpasswd',
    'a'.repeat(65),
    `..%2F..%2F..%2F..%2F..%2F..%2F..%2F..%2F${encodeURIComponent(os.tmpdir().slice(1))}%2F${escapee}`,
    'abcdefghijklmnop%00',
    'abcdefghijklmnop%2Fqrst',
    'abcdefghijklmnop.sqlite',
    'abcdefghijklmnop%20',
    'roundtable.sqlite-wal',
  ]

  beforeAll(async () => {
    server = await h.server()
  })

  it('an upgrade to /sync/<bad id> is refused with 400 and creates nothing in DATA_DIR', async () => {
    const before = fs.readdirSync(server.dataDir).sort()
    expect(
      before.every((name) => name.startsWith('roundtable.sqlite') || name.startsWith('ballots.sqlite') || name === 'server-secret'),
    ).toBe(true)

    for (const id of badIds) {
      const res = await rawHttp(server.port, upgradeRequest(`/sync/${id}`))
      expect(res.statusLine, `upgrade to /sync/${id}`).toMatch(/^HTTP\/1\.1 400 /)
    }

    const after = fs.readdirSync(server.dataDir).sort()
    expect(after).toEqual(before)
    for (const name of after) {
      for (const fragment of ['short', 'passwd', 'aaaaaaaaaaaaaaaa', 'abcdefghijklmnop', escapee]) expect(name).not.toContain(fragment)
    }
    expect(fs.existsSync(path.join(os.tmpdir(), escapee))).toBe(false)
    expect(fs.existsSync(path.join(server.dataDir, '..', escapee))).toBe(false)
    // No board was loaded or stored for any of them.
    expect((await getJson(`${server.url}/readyz`)).body).toMatchObject({ boardsLoaded: 0 })
    readDb(server.dataDir, (db) => {
      expect(countRows(db, 'board_state')).toBe(0)
      expect(countRows(db, 'board_updates')).toBe(0)
    })

    // The same request with a valid id is upgraded, so the 400s were about the ids.
    // Percent-encoded dot segments are resolved by URL parsing before routing; whatever they
    // resolve to, they must be refused too, and create nothing.
    for (const target of ['/sync/%2E%2E', '/sync/%2e%2e/%2e%2e/roundtable.sqlite', `/sync/%2E%2E/${escapee}`]) {
      const res = await rawHttp(server.port, upgradeRequest(target))
      expect(res.statusLine, `upgrade to ${target}`).toMatch(/^HTTP\/1\.1 4\d\d /)
    }
    expect(fs.readdirSync(server.dataDir).sort()).toEqual(before)

    const ok = await rawHttp(server.port, upgradeRequest(`/sync/${boardId()}`))
    expect(ok.statusLine).toMatch(/^HTTP\/1\.1 101 /)
  })

  it('GET /healthz returns 200 JSON {status: "ok"}', async () => {
    const res = await getJson(`${server.url}/healthz`)
    expect(res.status).toBe(200)
    expect(res.contentType).toMatch(/^application\/json/)
    expect(res.body).toEqual({ status: 'ok' })
  })

  it('a page that does not exist is a plain-text 404 naming it; /api/ answers JSON', async () => {
    const res = await getJson(`${server.url}/no-such-page`)
    expect(res.status).toBe(404)
    expect(res.contentType).toMatch(/^text\/plain/)
    expect(res.body).toBe('Not found: /no-such-page\n')
  })

  it('a client trickling its headers in is cut off (408) after about 10 s, not held forever', async () => {
    const started = Date.now()
    const socket = net.connect(server.port, '127.0.0.1', () => socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n'))
    let answer = ''
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')))
    socket.on('error', () => {})
    const trickle = setInterval(() => socket.writable && socket.write('X-Slow: 1\r\n'), 1_000)
    try {
      await withTimeout(new Promise((resolve) => socket.once('close', resolve)), 16_000, 'the trickling socket was never closed')
    } finally {
      clearInterval(trickle)
      socket.destroy()
    }
    expect(Date.now() - started).toBeGreaterThanOrEqual(9_000)
    expect(answer).toMatch(/^HTTP\/1\.1 408 /)
    expect((await getJson(`${server.url}/healthz`)).status).toBe(200)
  }, 25_000)

  it('GET /api/nope returns 404 JSON with an error field', async () => {
    const res = await getJson(`${server.url}/api/nope`)
    expect(res.status).toBe(404)
    expect(res.contentType).toMatch(/^application\/json/)
    expect(res.body).toMatchObject({ error: expect.any(String) })
  })
})

describe('single requests that must not take the server down', () => {
  /** Checked before the response itself, so a crash fails with the server's own last words. */
  async function expectAlive(server: ServerProcess) {
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(server.proc.exitCode, `the server exited; its last output:\n${server.output().slice(-1200)}`).toBeNull()
    expect((await getJson(`${server.url}/healthz`)).status).toBe(200)
  }

  it('an upgrade whose board id is malformed percent-encoding is refused with 400', async () => {
    const server = await h.server()
    for (const id of ['%E0%A4%A', '%']) {
      const res = await rawHttp(server.port, upgradeRequest(`/sync/${id}`))
      await expectAlive(server)
      expect(res.statusLine, `upgrade to /sync/${id}`).toMatch(/^HTTP\/1\.1 400 /)
    }
  })

  for (const gated of [false, true]) {
    it(`a malformed access cookie counts as no cookie (${gated ? 'with' : 'without'} ACCESS_TOKEN), on upgrades and plain requests`, async () => {
      const server = await h.server({ env: gated ? { ACCESS_TOKEN: 'a-long-enough-access-token' } : {} })
      for (const cookie of ['%E0%A4%A', '%']) {
        const upgrade = upgradeRequest(`/sync/${boardId()}`).replace('\r\n\r\n', `\r\nCookie: roundtable_access=${cookie}\r\n\r\n`)
        const upgraded = await rawHttp(server.port, upgrade)
        await expectAlive(server)
        expect(upgraded.statusLine).toMatch(gated ? /^HTTP\/1\.1 401 / : /^HTTP\/1\.1 101 /)
        const plain = await rawHttp(
          server.port,
          `GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: roundtable_access=${cookie}\r\nConnection: close\r\n\r\n`,
        )
        await expectAlive(server)
        expect(plain.statusLine).toMatch(gated ? /^HTTP\/1\.1 401 / : /^HTTP\/1\.1 200 /)
      }
    })
  }

  for (const kind of ['plain', 'upgrade'] as const) {
    it(`${kind === 'plain' ? 'a plain request' : 'an upgrade request'} whose target is not a valid URL gets an HTTP error, not a crash`, async () => {
      const server = await h.server()
      const request =
        kind === 'plain' ? 'GET http://[ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' : upgradeRequest('http://[')
      const res = await rawHttp(server.port, request)
      await expectAlive(server)
      expect(res.statusLine).toMatch(/^HTTP\/1\.1 4\d\d /)
    })
  }
})
