import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import * as encoding from 'lib0/encoding'
import * as awarenessProtocol from 'y-protocols/awareness'
import {
  CloseCode,
  MESSAGE_AUTH,
  MESSAGE_AWARENESS,
  MESSAGE_QUERY_AWARENESS,
  MESSAGE_REQUEST,
  encodeRequest,
  newBoardId,
} from '@roundtable/shared'
import { startServerProcess, type ServerProcess } from '../support/server.ts'
import { connectClient, eventually, whenSynced, type YClient } from '../support/yclient.ts'
import { makeUpdate, openRaw, syncFrame } from '../support/raw.ts'

/** Small deterministic PRNG so a failing run can be replayed from its seed. */
function prng(seed: number) {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

let server: ServerProcess
const clients: YClient[] = []

beforeAll(async () => {
  // Fuzzing is not flooding: let the rate limit stay out of the way.
  server = await startServerProcess({
    env: { MAX_MESSAGES_PER_SECOND: '100000', MESSAGE_BURST: '100000', MAX_UPGRADES_PER_IP_PER_SECOND: '100000', LOG_LEVEL: 'info' },
  })
})
afterAll(async () => {
  for (const c of clients) c.destroy()
  await server?.stop()
})

function validFrames(base: Y.Doc): Uint8Array[] {
  const awareness = new awarenessProtocol.Awareness(new Y.Doc())
  awareness.setLocalStateField('user', { name: 'Fuzz', color: '#ff0000' })
  const aw = encoding.createEncoder()
  encoding.writeVarUint(aw, MESSAGE_AWARENESS)
  encoding.writeVarUint8Array(aw, awarenessProtocol.encodeAwarenessUpdate(awareness, [awareness.clientID]))
  const auth = encoding.createEncoder()
  encoding.writeVarUint(auth, MESSAGE_AUTH)
  encoding.writeVarUint(auth, 0)
  encoding.writeVarString(auth, 'permission denied')
  return [
    syncFrame('step1', Y.encodeStateVector(base)),
    syncFrame('step1', Y.encodeStateVector(new Y.Doc())),
    syncFrame('step2', Y.encodeStateAsUpdate(base)),
    syncFrame(
      'update',
      makeUpdate((d) => d.getArray('fuzz').push(['x', 1, { y: [true] }]), base),
    ),
    syncFrame(
      'update',
      makeUpdate((d) => d.getMap('fuzzmap').set('k', new Uint8Array([1, 2, 3]))),
    ),
    syncFrame(
      'update',
      makeUpdate((d) => d.getText('fuzztext').insert(0, 'hello'), base),
    ),
    syncFrame(
      'update',
      makeUpdate((d) => d.getArray<string>('items').delete(0, 1), base),
    ),
    encoding.toUint8Array(aw),
    new Uint8Array([MESSAGE_QUERY_AWARENESS]),
    encoding.toUint8Array(auth),
    // Requests (type 7): well-formed, refused, unknown, and not requests at all.
    encodeRequest({ id: 1, op: 'hello', participantId: 'fuzz-participant', secret: 'fuzz-secret' }),
    encodeRequest({
      id: 2,
      op: 'vote.start',
      shapeIds: ['shape:nope'],
      dotsPerPerson: 3,
      allowStacking: false,
      showLive: false,
      durationMs: null,
    }),
    encodeRequest({
      id: 3,
      op: 'vote.cast',
      voteId: 'v',
      ballotKey: 'f'.repeat(64),
      legacyVoter: { participantId: 'fuzz-participant', secret: 'fuzz-secret' },
      dots: { 'shape:a': 1 },
    }),
    encodeRequest({ id: 4, op: 'round.claim', roundId: 'r1', count: 2 }),
    encodeRequest({ id: 5, op: 'round.publishAnonymous', roundId: 'r1', notes: ['a', 'b'] }),
    encodeRequest({ id: 6, op: 'no.such.op' }),
    requestText('[1, 2, 3]'),
    requestText('{"op": "hello"}'),
  ]
}

/** A type-7 frame carrying any text where the JSON request goes. */
function requestText(text: string): Uint8Array {
  const e = encoding.createEncoder()
  encoding.writeVarUint(e, MESSAGE_REQUEST)
  encoding.writeVarString(e, text)
  return encoding.toUint8Array(e)
}

/** A random type-7 frame: random JSON-ish text, or a request object with random fields. */
function randomRequest(rnd: () => number): Uint8Array {
  const pick = <T>(items: T[]) => items[Math.floor(rnd() * items.length)]
  if (rnd() < 0.5) {
    const alphabet = '{}[]":,0123456789abcdefghijklmnopqrstuvwxyz .-\\'
    return requestText(Array.from({ length: Math.floor(rnd() * 80) }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join(''))
  }
  const values = [null, true, -1, 0, 1e308, 'x', '', 'shape:a', [], {}, ['shape:a'], { 'shape:a': 99 }, 'a'.repeat(5000)]
  const request: Record<string, unknown> = {
    id: pick([1, -1, 0.5, 2 ** 53, 'x', null]),
    op: pick(['hello', 'vote.start', 'vote.cast', 'vote.mine', 'vote.close', 'round.claim', 'round.publishAnonymous', '', 'x']),
  }
  for (const key of [
    'ballotKey',
    'legacyVoter',
    'voteId',
    'roundId',
    'count',
    'notes',
    'dots',
    'shapeIds',
    'dotsPerPerson',
    'durationMs',
    'onlyIfEnded',
  ]) {
    if (rnd() < 0.4) request[key] = pick(values)
  }
  return encodeRequest(request)
}

function mutate(frame: Uint8Array, rnd: () => number): Uint8Array {
  const bytes = Array.from(frame)
  const edits = 1 + Math.floor(rnd() * 4)
  for (let e = 0; e < edits; e++) {
    const pick = rnd()
    const at = Math.floor(rnd() * Math.max(1, bytes.length))
    if (pick < 0.4 && bytes.length) bytes[at] = Math.floor(rnd() * 256)
    else if (pick < 0.55 && bytes.length) bytes[at] ^= 1 << Math.floor(rnd() * 8)
    else if (pick < 0.7) bytes.splice(at, Math.floor(rnd() * 8))
    else if (pick < 0.8) bytes.splice(at, 0, ...Array.from({ length: 1 + Math.floor(rnd() * 8) }, () => Math.floor(rnd() * 256)))
    else if (pick < 0.9) bytes.length = Math.floor(rnd() * bytes.length)
    else bytes.splice(at, 0, 0xff, 0xff, 0xff, 0xff, 0x0f) // a huge varint
  }
  return new Uint8Array(bytes)
}

describe('fuzzing the sync socket', () => {
  it('survives thousands of random and mutated-valid frames: no crash, no corrupted board, others keep syncing', async () => {
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000)
    console.log(`fuzz seed ${seed} (FUZZ_SEED=${seed} replays it)`)
    const rnd = prng(seed)
    const boardId = newBoardId()
    const a = connectClient(server.wsUrl, boardId)
    const b = connectClient(server.wsUrl, boardId)
    clients.push(a, b)
    await Promise.all([whenSynced(a), whenSynced(b)])
    a.doc.getArray<string>('items').push(['first', 'second'])
    await eventually(() => expect(b.doc.getArray('items').length).toBe(2))
    const valid = validFrames(a.doc)

    const TOTAL = 5000
    const WORKERS = 4
    const deadline = Date.now() + 40_000
    let sent = 0
    let connections = 0
    let requestsSent = 0
    let requestReplies = 0
    const closeCodes = new Map<number, number>()
    const peerEdits: string[] = []

    async function worker() {
      while (sent < TOTAL && Date.now() < deadline) {
        const raw = await openRaw(`${server.wsUrl}/${boardId}`)
        connections++
        raw.ws.on('message', (data: Buffer) => {
          if (data[0] === MESSAGE_REQUEST) requestReplies++
        })
        let open = true
        raw.closed.then(({ code }) => {
          open = false
          closeCodes.set(code, (closeCodes.get(code) ?? 0) + 1)
        })
        for (let k = 0; k < 40 && open && sent < TOTAL; k++) {
          const r = rnd()
          let frame: Uint8Array
          if (r < 0.25) frame = new Uint8Array(Array.from({ length: Math.floor(rnd() * 64) }, () => Math.floor(rnd() * 256)))
          else if (r < 0.33) frame = randomRequest(rnd)
          else if (r < 0.4) frame = new Uint8Array([Math.floor(rnd() * 256), ...valid[Math.floor(rnd() * valid.length)].subarray(1)])
          else if (r < 0.5) frame = valid[Math.floor(rnd() * valid.length)]
          else frame = mutate(valid[Math.floor(rnd() * valid.length)], rnd)
          // Each frame is followed by an awareness query, and the next frame waits for an answer or
          // the close, so every counted frame was really processed by the server.
          const answered = new Promise((resolve) => raw.ws.once('message', resolve))
          if (frame[0] === MESSAGE_REQUEST) requestsSent++
          if (rnd() < 0.02) raw.send('text frame')
          else raw.send(frame)
          raw.send(new Uint8Array([MESSAGE_QUERY_AWARENESS]))
          await Promise.race([answered, raw.closed])
          sent++
          if (sent % 500 === 0) {
            // Meanwhile, real people keep editing.
            const text = `edit during fuzz ${sent}`
            peerEdits.push(text)
            a.doc.getArray<string>('items').push([text])
          }
        }
        raw.ws.close()
        await raw.closed
      }
    }
    await Promise.all(Array.from({ length: WORKERS }, worker))
    console.log(
      `fuzz: ${sent} frames (${requestsSent} of type 7, ${requestReplies} answered) over ${connections} connections; close codes ${JSON.stringify(Object.fromEntries(closeCodes))}`,
    )
    expect(sent).toBeGreaterThanOrEqual(3000)

    // Still alive, and nobody was closed for an internal error.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
    expect(closeCodes.get(1011) ?? 0).toBe(0)
    // Besides malformed frames, mutated presence may claim too much or someone else's (4431, 4409).
    const expected: number[] = [
      1000,
      1005,
      1006,
      1002,
      1007,
      1009,
      CloseCode.malformed,
      CloseCode.presenceTooLarge,
      CloseCode.presenceNotYours,
    ]
    expect([...closeCodes.keys()].filter((c) => !expected.includes(c))).toEqual([])
    expect(requestReplies).toBeGreaterThan(50)

    // The two real clients kept syncing throughout and still do.
    expect(a.provider.wsconnected && b.provider.wsconnected).toBe(true)
    a.doc.getArray<string>('items').push(['after fuzz'])
    await eventually(() => expect(b.doc.getArray<string>('items').toArray()).toEqual(a.doc.getArray<string>('items').toArray()))
    // (Fuzz connections hold edit rights, so a mutated frame may legitimately delete an item; what
    // matters is that both people see the same board and that it still takes new edits.)
    expect(b.doc.getArray<string>('items').toArray()).toContain('after fuzz')
    expect(peerEdits.length).toBeGreaterThanOrEqual(6)

    // The stored board is sound: after a restart a newcomer loads the same state the clients hold.
    const { dataDir } = server
    expect(await server.stop('SIGTERM')).toBe(0)
    server = await startServerProcess({ dataDir, env: { LOG_LEVEL: 'info' } })
    const fresh = connectClient(server.wsUrl, boardId)
    clients.push(fresh)
    await whenSynced(fresh)
    await eventually(() => {
      expect(fresh.doc.getArray<string>('items').toArray()).toEqual(b.doc.getArray<string>('items').toArray())
      expect(Y.encodeStateVector(fresh.doc)).toEqual(Y.encodeStateVector(b.doc))
    })
    expect(server.output()).not.toMatch(/"level":(50|60)/)
  }, 90_000)
})
