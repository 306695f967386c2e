import * as Y from 'yjs'
import { YKeyValue } from 'y-utility/y-keyvalue'
import type { JsonRecord } from '@roundtable/shared'
import { connect, type BenchClient } from '../clients.ts'
import { startServer } from '../servers.ts'
import { newBoard } from '../board.ts'
import { noteRecord } from '../records.ts'
import { quantile, sleep } from '../stats.ts'
import { quiet } from './coldload.ts'

export interface LoadResult {
  connections: number
  boards: number
  seconds: number
  editsSent: number
  editsPerSec: number
  /** From the server's own counters (/metrics). */
  serverMessagesInPerSec: number
  serverMessagesOutPerSec: number
  latencyP50Ms: number
  latencyP99Ms: number
  convergedBoards: number
  convergedClients: number
  refusedConnections: number
  serverCpuSeconds: number
  serverPeakRssMiB: number
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith(`${name} `))
  return line ? Number(line.split(' ')[1]) : NaN
}

const recordsJson = (doc: Y.Doc) => JSON.stringify(doc.getArray('records').toJSON())

/**
 * The hardening load run against Roundtable: `boards` boards with `perBoard` stock clients
 * each; every client moves its own sticky and now and then a shared one, `rate` times a second,
 * for `seconds`. Then a fresh client per board reads what the server holds, and every editor
 * must hold exactly that.
 */
export async function loadRun(opts: { boards: number; perBoard: number; seconds: number; rate: number }): Promise<LoadResult> {
  const connections = opts.boards * opts.perBoard
  const server = await startServer('roundtable', {
    // Every client here comes from 127.0.0.1; a real crowd comes from many addresses.
    env: { MAX_CONNECTIONS_PER_IP: String(connections + opts.boards + 50) },
  })
  const clients: { board: string; client: BenchClient; kv: YKeyValue<JsonRecord>; refused: boolean }[] = []
  try {
    const boards = Array.from({ length: opts.boards }, () => newBoard('load'))
    const maxEdits = Math.ceil(opts.seconds * opts.rate * 1.5) + 10
    const sentAt = Array.from({ length: connections }, () => new Float64Array(maxEdits))
    const latencies: number[] = []
    for (let start = 0; start < connections; start += 50) {
      const batch = []
      for (let c = start; c < Math.min(connections, start + 50); c++) {
        const board = boards[Math.floor(c / opts.perBoard)]
        const client = connect(server, board)
        const kv = new YKeyValue<JsonRecord>(client.doc.getArray('records'))
        const entry = { board, client, kv, refused: false }
        kv.on('change', (changes: Map<string, { newValue?: JsonRecord }>) => {
          const now = performance.now()
          for (const [key, change] of changes) {
            const m = /^shape:c(\d+)$/.exec(key)
            if (!m || !change.newValue) continue
            const at = sentAt[Number(m[1])][change.newValue.y as number]
            if (at > 0) latencies.push(now - at)
          }
        })
        clients.push(entry)
        batch.push(client.synced)
      }
      await Promise.all(batch)
    }

    const in0 = await metric(server.httpUrl, 'roundtable_messages_in_total')
    const out0 = await metric(server.httpUrl, 'roundtable_messages_out_total')
    const cpu0 = server.cpuMs()
    let peakRss = server.rssBytes()
    const t0 = performance.now()
    const end = t0 + opts.seconds * 1000
    let sent = 0
    const counters = new Uint32Array(connections)
    const period = 1000 / opts.rate
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
            // y carries the edit's number, so receivers can tell when it was sent.
            kv.set(`shape:c${c}`, { ...noteRecord(c, n % 1000, n), id: `shape:c${c}` })
            // Concurrent writes to a few shared stickies.
            if (n % 5 === 0) kv.set(`shape:shared${n % 3}`, { ...noteRecord(0, c, n), id: `shape:shared${n % 3}` })
          })
          sent++
        }
        peakRss = Math.max(peakRss, server.rssBytes())
      }, 5)
    })
    const seconds = (performance.now() - t0) / 1000
    const in1 = await metric(server.httpUrl, 'roundtable_messages_in_total')
    const out1 = await metric(server.httpUrl, 'roundtable_messages_out_total')
    const cpu = server.cpuMs() - cpu0
    await quiet(server, 500, 30_000)

    // Convergence: a fresh client per board reads the server's state; every editor must match.
    let convergedBoards = 0
    let convergedClients = 0
    for (const board of boards) {
      const fresh = connect(server, board)
      await fresh.synced
      const editors = clients.filter((c) => c.board === board)
      const deadline = Date.now() + 20_000
      let equal = 0
      for (;;) {
        const sv = Buffer.from(Y.encodeStateVector(fresh.doc)).toString('hex')
        const json = recordsJson(fresh.doc)
        equal = editors.filter((e) => Buffer.from(Y.encodeStateVector(e.client.doc)).toString('hex') === sv && recordsJson(e.client.doc) === json).length
        if (equal === editors.length || Date.now() > deadline) break
        await sleep(100)
      }
      convergedClients += equal
      if (equal === editors.length) convergedBoards++
      fresh.destroy()
    }
    const refused = (server.output().match(/closing connection/g) ?? []).length
    return {
      connections,
      boards: opts.boards,
      seconds,
      editsSent: sent,
      editsPerSec: sent / seconds,
      serverMessagesInPerSec: (in1 - in0) / seconds,
      serverMessagesOutPerSec: (out1 - out0) / seconds,
      latencyP50Ms: quantile(latencies, 0.5),
      latencyP99Ms: quantile(latencies, 0.99),
      convergedBoards,
      convergedClients,
      refusedConnections: refused,
      serverCpuSeconds: cpu / 1000,
      serverPeakRssMiB: peakRss / 1024 ** 2,
    }
  } finally {
    for (const { client } of clients) client.destroy()
    await server.stop()
  }
}
