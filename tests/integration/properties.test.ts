/**
 * Property-based fuzzing (fast-check) of what reads input anyone may have written: the board-file
 * parser, the JSON reader under it, the request channel's frame reader and validators, and the
 * server answering arbitrary request frames. A fixed seed makes every run try the same cases
 * (FUZZ_SEED=<n> tries others; a failure prints its seed and path to replay it).
 */
import fc from 'fast-check'
import * as decoding from 'lib0/decoding'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  BoardFileError,
  checkCommentText,
  CloseCode,
  isSafeLink,
  isSafeSource,
  MAX_DOTS_PER_PERSON,
  MESSAGE_REQUEST,
  newBoardId,
  parseBoardFile,
  parseJsonSafely,
  readRequestPayload,
  UnsafeJsonError,
  validateBallot,
  validateVoteStart,
  OutcomeRuleError,
} from '@roundtable/shared'
import { testBoardRecords } from '../../shared/src/export/testBoard.ts'
import { openRaw } from '../support/raw.ts'
import type { ServerProcess } from '../support/server.ts'
import { syncedClient, type YClient } from '../support/yclient.ts'
import { Harness } from './helpers.ts'

const SEED = Number(process.env.FUZZ_SEED ?? 20261202)
const RUNS = 2000
const params = { seed: SEED, numRuns: RUNS }

/** Objects whose keys include the ones prototype pollution uses. */
const hostileJson = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.string(),
    fc.constantFrom('javascript:alert(1)', 'data:text/html,<script>x</script>', 'https://example.org', 'shape:a', ''),
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(
      fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'prototype', 'id', 'typeName', 'props', 'url', 'src')),
      tie('value'),
      {
        maxKeys: 5,
      },
    ),
  ),
})).value

const validFile = JSON.stringify({
  tldrawFileFormatVersion: 1,
  schema: { schemaVersion: 2, sequences: {} },
  records: testBoardRecords().records,
})

/** Text from a valid file with a few characters replaced, inserted or removed. */
const mutatedFile = fc
  .array(fc.tuple(fc.nat({ max: validFile.length - 1 }), fc.integer({ min: 0, max: 2 }), fc.string({ maxLength: 3 })), {
    minLength: 1,
    maxLength: 6,
  })
  .map((edits) => {
    let text = validFile
    for (const [at, kind, s] of edits) {
      const i = at % text.length
      text =
        kind === 0
          ? text.slice(0, i) + s + text.slice(i + 1)
          : kind === 1
            ? text.slice(0, i) + s + text.slice(i)
            : text.slice(0, i) + text.slice(i + 1)
    }
    return text
  })

function expectParsedSafely(text: string) {
  let parsed
  try {
    parsed = parseBoardFile(text)
  } catch (err) {
    // Refused with a message for people, never crashed.
    expect(err).toBeInstanceOf(BoardFileError)
    expect((err as Error).message.length).toBeGreaterThan(10)
    return
  }
  for (const record of parsed.records) {
    expect(typeof record.id).toBe('string')
    expect(typeof record.typeName).toBe('string')
    const props = (record.props ?? {}) as Record<string, unknown>
    if (typeof props.url === 'string') expect(isSafeLink(props.url)).toBe(true)
    for (const key of ['src', 'image', 'favicon']) if (typeof props[key] === 'string') expect(isSafeSource(props[key] as string)).toBe(true)
  }
  expect(({} as Record<string, unknown>).polluted).toBeUndefined()
}

describe('the board-file parser', () => {
  it(`refuses or safely reads ${RUNS} arbitrary strings`, () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), expectParsedSafely), params)
  })

  it(`refuses or safely reads ${RUNS} mutated valid files`, () => {
    fc.assert(fc.property(mutatedFile, expectParsedSafely), params)
  })

  it(`refuses or safely reads ${RUNS} board-shaped files with hostile records, never polluting a prototype`, () => {
    const record = fc.record(
      { id: fc.string(), typeName: fc.constantFrom('shape', 'asset', 'page'), type: fc.string(), props: hostileJson },
      { requiredKeys: ['id', 'typeName'] },
    )
    const file = fc.record({
      tldrawFileFormatVersion: fc.oneof(fc.constant(1), hostileJson),
      schema: fc.oneof(fc.constant({ schemaVersion: 2 }), hostileJson),
      records: fc.oneof(fc.array(record, { maxLength: 6 }), hostileJson),
    })
    fc.assert(
      fc.property(file, fc.boolean(), (data, proto) => {
        // JSON.stringify leaves out a real __proto__; written into the text, it is what an attacker sends.
        const text = JSON.stringify(data).replace(/^\{/, proto ? '{"__proto__":{"polluted":true},' : '{')
        expectParsedSafely(text)
      }),
      params,
    )
  })
})

describe('the JSON reader', () => {
  it(`agrees with JSON.parse on ${RUNS} documents, less the prototype keys`, () => {
    const strip = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(strip)
        : v && typeof v === 'object'
          ? Object.fromEntries(
              Object.entries(v)
                .filter(([k]) => !['__proto__', 'constructor', 'prototype'].includes(k))
                .map(([k, x]) => [k, strip(x)]),
            )
          : v
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        const text = JSON.stringify(value)
        expect(parseJsonSafely(text)).toEqual(strip(JSON.parse(text)))
      }),
      params,
    )
  })

  it('refuses nesting past the limit however it is written, including brackets inside strings that do not count', () => {
    fc.assert(
      fc.property(fc.integer({ min: 65, max: 3000 }), fc.constantFrom('[', '{"a":'), (depth, open) => {
        const close = open === '[' ? ']' : '}'
        expect(() => parseJsonSafely(open.repeat(depth) + '1' + close.repeat(depth))).toThrow(UnsafeJsonError)
      }),
      { seed: SEED, numRuns: 200 },
    )
    expect(parseJsonSafely(`{"a":"${'['.repeat(1000)}\\"${'{'.repeat(1000)}"}`)).toEqual({ a: `${'['.repeat(1000)}"${'{'.repeat(1000)}` })
  })
})

describe('the request validators', () => {
  it(`answer ${RUNS} arbitrary vote settings and ballots with a result or a reason, never an exception`, () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom('shapeIds', 'perPerson', 'allowMultiple', 'showLive', 'durationMs', '__proto__'), hostileJson),
        hostileJson,
        (settings, dots) => {
          const start = validateVoteStart(settings)
          if (start.ok) expect(start.value.perPerson).toBeLessThanOrEqual(MAX_DOTS_PER_PERSON)
          else expect(start.error).toMatch(/\w/)
          const vote = { shapeIds: ['shape:a', 'shape:b'], perPerson: 3, allowMultiple: true }
          const ballot = validateBallot(vote, dots)
          if (ballot.ok) {
            for (const [id, n] of Object.entries(ballot.value)) {
              expect(vote.shapeIds).toContain(id)
              expect(Number.isInteger(n) && n > 0).toBe(true)
            }
          } else expect(ballot.error).toMatch(/\w/)
        },
      ),
      params,
    )
  })

  it(`check ${RUNS} arbitrary comment texts, refusing with a rule error or returning clean text`, () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), hostileJson), (text) => {
        try {
          const clean = checkCommentText(text)
          expect(clean).toBe(clean.trim())
        } catch (err) {
          expect(err).toBeInstanceOf(OutcomeRuleError)
        }
      }),
      params,
    )
  })

  it(`read ${RUNS} arbitrary request frames as a request or throw an Error (which closes that connection)`, () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        (text) => {
          const bytes = new TextEncoder().encode(text)
          const frame = new Uint8Array([...varUint(bytes.length), ...bytes])
          try {
            const request = readRequestPayload(decoding.createDecoder(frame))
            expect(Number.isSafeInteger(request.id)).toBe(true)
          } catch (err) {
            expect(err).toBeInstanceOf(Error)
          }
        },
      ),
      params,
    )
  })
})

function varUint(n: number): number[] {
  const out: number[] = []
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80)
    n >>>= 7
  }
  out.push(n)
  return out
}

describe('the server, sent arbitrary requests', () => {
  const h = new Harness()
  const clients: YClient[] = []
  let server: ServerProcess
  beforeAll(async () => {
    server = await h.server({ env: { MAX_MESSAGES_PER_SECOND: '100000', MESSAGE_BURST: '100000' } })
  })
  afterAll(async () => {
    for (const c of clients) c.destroy()
    await h.dispose()
  })

  it('answers each one with an error, or closes only that connection (4400); the board keeps syncing', async () => {
    const boardId = newBoardId()
    const watcher = await syncedClient(server.wsUrl, boardId, clients)
    const ops = fc.constantFrom(
      'vote.start',
      'vote.cast',
      'vote.mine',
      'vote.close',
      'round.start',
      'round.reveal',
      'round.claim',
      'round.publishAnonymous',
      'nope',
    )
    const request = fc
      .record({ id: fc.nat(), op: ops })
      .chain((base) => fc.dictionary(fc.string({ maxLength: 12 }), hostileJson, { maxKeys: 4 }).map((args) => ({ ...args, ...base })))
    const samples = fc.sample(request, { seed: SEED, numRuns: 300 })
    let raw = await openRaw(`${server.wsUrl}/${boardId}`)
    let closes = 0
    for (const body of samples) {
      const text = JSON.stringify(body)
      const bytes = new TextEncoder().encode(text)
      if (raw.ws.readyState !== raw.ws.OPEN) {
        const { code } = await raw.closed
        expect([CloseCode.malformed]).toContain(code)
        closes++
        raw = await openRaw(`${server.wsUrl}/${boardId}`)
      }
      raw.send(new Uint8Array([MESSAGE_REQUEST, ...varUint(bytes.length), ...bytes]))
    }
    raw.ws.close()
    watcher.doc.getMap('meta').set('title', 'after fuzzing')
    const other = await syncedClient(server.wsUrl, boardId, clients)
    expect(other.doc.getMap('meta').get('title')).toBe('after fuzzing')
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
    expect(closes).toBeLessThan(samples.length)
  })
})
