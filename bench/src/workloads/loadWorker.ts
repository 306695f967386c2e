// One share of the load run's clients (whole boards), in a worker thread so that the clients
// of a 500-connection run do not queue behind each other on one core. Latencies are measured
// within the worker: a board's writer and readers all live here.
import { parentPort, workerData } from 'node:worker_threads'
import * as Y from 'yjs'
import { YKeyValue } from 'y-utility/y-keyvalue'
import type { JsonRecord } from '@roundtable/shared'
import { connect, type BenchClient } from '../clients.ts'
import { noteRecord } from '../records.ts'
import { sleep } from '../stats.ts'

export interface LoadShare {
  wsUrl: string
  boards: string[]
  perBoard: number
  seconds: number
  rate: number
}

export interface LoadShareResult {
  sent: number
  latencies: Float64Array
  convergedBoards: number
  convergedClients: number
}

process.setMaxListeners(0)
const share = workerData as LoadShare
const server = { kind: 'roundtable' as const, wsUrl: share.wsUrl }
const connections = share.boards.length * share.perBoard
const maxEdits = Math.ceil(share.seconds * share.rate * 1.5) + 10
const sentAt = Array.from({ length: connections }, () => new Float64Array(maxEdits))
const latencies: number[] = []
const clients: { board: string; client: BenchClient; kv: YKeyValue<JsonRecord> }[] = []

for (let start = 0; start < connections; start += 50) {
  const batch = []
  for (let c = start; c < Math.min(connections, start + 50); c++) {
    const board = share.boards[Math.floor(c / share.perBoard)]
    const client = connect(server, board)
    const kv = new YKeyValue<JsonRecord>(client.doc.getArray('records'))
    kv.on('change', (changes: Map<string, { newValue?: JsonRecord }>) => {
      const now = performance.now()
      for (const [key, change] of changes) {
        const m = /^shape:c(\d+)$/.exec(key)
        if (!m || !change.newValue) continue
        const at = sentAt[Number(m[1])][change.newValue.y as number]
        if (at > 0) latencies.push(now - at)
      }
    })
    clients.push({ board, client, kv })
    batch.push(client.synced)
  }
  await Promise.all(batch)
}

parentPort!.postMessage({ ready: true })
await new Promise<void>((resolve) => parentPort!.once('message', () => resolve()))

// Every client moves its own sticky `rate` times a second (y carries the edit's number, so
// receivers know when it was sent) and every fifth move also writes one of three shared ones.
let sent = 0
const t0 = performance.now()
const end = t0 + share.seconds * 1000
const counters = new Uint32Array(connections)
const period = 1000 / share.rate
const next = clients.map((_, c) => t0 + (c * period) / connections)
await new Promise<void>((resolve) => {
  const tick = setInterval(() => {
    const now = performance.now()
    if (now >= end) {
      clearInterval(tick)
      return resolve()
    }
    for (let c = 0; c < connections; c++) {
      if (now < next[c]) continue
      next[c] += period
      const { client, kv } = clients[c]
      const n = ++counters[c]
      if (n >= maxEdits) continue
      sentAt[c][n] = now
      client.doc.transact(() => {
        kv.set(`shape:c${c}`, { ...noteRecord(c, n % 1000, n), id: `shape:c${c}` })
        if (n % 5 === 0) kv.set(`shape:shared${n % 3}`, { ...noteRecord(0, c, n), id: `shape:shared${n % 3}` })
      })
      sent++
    }
  }, 5)
})
parentPort!.postMessage({ editing: false })
await new Promise<void>((resolve) => parentPort!.once('message', () => resolve()))

// Convergence: a fresh client per board reads the server's state; every editor must match.
const recordsJson = (doc: Y.Doc) => JSON.stringify(doc.getArray('records').toJSON())
const svHex = (doc: Y.Doc) => Buffer.from(Y.encodeStateVector(doc)).toString('hex')
let convergedBoards = 0
let convergedClients = 0
for (const board of share.boards) {
  const fresh = connect(server, board)
  await fresh.synced
  const editors = clients.filter((c) => c.board === board)
  const deadline = Date.now() + 20_000
  let equal: number
  for (;;) {
    const sv = svHex(fresh.doc)
    const json = recordsJson(fresh.doc)
    equal = editors.filter((e) => svHex(e.client.doc) === sv && recordsJson(e.client.doc) === json).length
    if (equal === editors.length || Date.now() > deadline) break
    await sleep(100)
  }
  convergedClients += equal
  if (equal === editors.length) convergedBoards++
  fresh.destroy()
}
for (const { client } of clients) client.destroy()
const result: LoadShareResult = { sent, latencies: Float64Array.from(latencies), convergedBoards, convergedClients }
parentPort!.postMessage(result, [result.latencies.buffer as ArrayBuffer])
