import { Worker } from 'node:worker_threads'
import { startServer } from '../servers.ts'
import { newBoard } from '../board.ts'
import { quantile } from '../stats.ts'
import { quiet } from './coldload.ts'
import type { LoadShare, LoadShareResult } from './loadWorker.ts'

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

// Worker threads do not inherit tsx's loader: register it, then load the TypeScript worker.
const WORKER_BOOT = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(new URL('./loadWorker.ts', import.meta.url).href)}) })`

/** Waits for the next message from a worker; a worker that fails rejects. */
function nextMessage<T>(worker: Worker): Promise<T> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err)
    worker.once('error', onError)
    worker.once('message', (m: T) => {
      worker.off('error', onError)
      resolve(m)
    })
  })
}

/**
 * The hardening load run against Roundtable: `boards` boards with `perBoard` stock clients
 * each; every client moves its own sticky and now and then a shared one, `rate` times a second,
 * for `seconds`. Then a fresh client per board reads what the server holds, and every editor
 * must hold exactly that. The clients are split by board over `workers` threads.
 */
export async function loadRun(opts: {
  boards: number
  perBoard: number
  seconds: number
  rate: number
  workers?: number
}): Promise<LoadResult> {
  const connections = opts.boards * opts.perBoard
  const server = await startServer('roundtable', {
    // Every client here comes from 127.0.0.1; a real crowd comes from many addresses.
    env: { MAX_CONNECTIONS_PER_IP: String(connections + opts.boards + 50), MAX_UPGRADES_PER_IP_PER_SECOND: '1000000' },
  })
  const workers: Worker[] = []
  try {
    const boards = Array.from({ length: opts.boards }, () => newBoard('load'))
    const n = Math.max(1, Math.min(opts.workers ?? 2, boards.length))
    for (let w = 0; w < n; w++) {
      const share: LoadShare = {
        wsUrl: server.wsUrl,
        boards: boards.filter((_, i) => i % n === w),
        perBoard: opts.perBoard,
        seconds: opts.seconds,
        rate: opts.rate,
      }
      workers.push(new Worker(WORKER_BOOT, { eval: true, workerData: share }))
    }
    await Promise.all(workers.map((w) => nextMessage(w)))

    const in0 = await metric(server.httpUrl, 'roundtable_messages_in_total')
    const out0 = await metric(server.httpUrl, 'roundtable_messages_out_total')
    const cpu0 = server.cpuMs()
    let peakRss = server.rssBytes()
    const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, server.rssBytes())), 250)
    const t0 = performance.now()
    const editing = workers.map((w) => nextMessage(w))
    for (const w of workers) w.postMessage('go')
    await Promise.all(editing)
    const seconds = (performance.now() - t0) / 1000
    clearInterval(rssTimer)
    const in1 = await metric(server.httpUrl, 'roundtable_messages_in_total')
    const out1 = await metric(server.httpUrl, 'roundtable_messages_out_total')
    const cpu = server.cpuMs() - cpu0
    await quiet(server, 500, 30_000)

    const done = workers.map((w) => nextMessage<LoadShareResult>(w))
    for (const w of workers) w.postMessage('check')
    const results = await Promise.all(done)
    const latencies = new Float64Array(results.reduce((s, r) => s + r.latencies.length, 0))
    let at = 0
    for (const r of results) {
      latencies.set(r.latencies, at)
      at += r.latencies.length
    }
    const sent = results.reduce((s, r) => s + r.sent, 0)
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
      convergedBoards: results.reduce((s, r) => s + r.convergedBoards, 0),
      convergedClients: results.reduce((s, r) => s + r.convergedClients, 0),
      refusedConnections: refused,
      serverCpuSeconds: cpu / 1000,
      serverPeakRssMiB: peakRss / 1024 ** 2,
    }
  } finally {
    for (const w of workers) await w.terminate()
    await server.stop()
  }
}
