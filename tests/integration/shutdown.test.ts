/**
 * SIGTERM as a supervisor sends it to the built server (`npm start`): its stdout and stderr are
 * pipes to a process that may have gone away (a log driver that restarted, `npm start | tee`
 * after tee died) or that never reads them (a stuck one). Logging into such a pipe fails or
 * fills it; either way SIGTERM must still close the server and exit 0 within a few seconds,
 * with the boards intact, and a full pipe must not hold up requests either.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import type { Readable } from 'node:stream'
import { afterAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { tempDataDir } from '../support/server.ts'
import { connectClient, eventually, whenSynced, type YClient } from '../support/yclient.ts'
import { Harness, boardId, snapshot, withTimeout } from './helpers.ts'

const BUNDLE = path.resolve(import.meta.dirname, '../../server/dist/main.mjs')
/** Well over what a pipe holds (some 200 KB on Linux) in debug lines of about 200 bytes. */
const FLOOD_CONNECTIONS = 2_000
const EXIT_WITHIN_MS = 5_000

type Exit = { code: number | null; signal: NodeJS.Signals | null }

interface BuiltServer {
  proc: ChildProcessByStdio<null, Readable, Readable>
  url: string
  wsUrl: string
  exited: Promise<Exit>
}

const h = new Harness()
const started: BuiltServer[] = []
const dataDirs: string[] = []

afterAll(async () => {
  for (const s of started) if (s.proc.exitCode === null && s.proc.signalCode === null) s.proc.kill('SIGKILL')
  await Promise.all(started.map((s) => s.exited))
  await h.dispose()
  for (const dir of dataDirs) fs.rmSync(dir, { recursive: true, force: true })
})

/** The bundle `npm run build` writes, as `npm start` runs it, with stdout and stderr piped to us. */
async function startBuilt(dataDir: string): Promise<BuiltServer> {
  if (!fs.existsSync(BUNDLE)) throw new Error('server/dist/main.mjs is missing: run `npm run build` first')
  const proc = spawn(process.execPath, ['--enable-source-maps', BUNDLE], {
    // The flood opens connections far faster than people do: lift the per-address upgrade rate.
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'debug', MAX_UPGRADES_PER_IP_PER_SECOND: '1000000' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exited = new Promise<Exit>((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })))
  let output = ''
  const url = await withTimeout(
    new Promise<string>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString()
        const match = /"url":"(http:\/\/[^"]+)"/.exec(output)
        if (match) resolve(match[1])
      }
      proc.stdout.on('data', onData)
      proc.stderr.on('data', onData)
      exited.then(({ code }) => reject(new Error(`server exited with ${code} before it was ready:\n${output}`)))
    }),
    20_000,
    'the built server did not start',
  )
  const server = { proc, url, wsUrl: `ws://127.0.0.1:${new URL(url).port}/sync`, exited }
  started.push(server)
  return server
}

/** How the process ended, or 'still running' if it had not within `ms` of now. */
function exitWithin(server: BuiltServer, ms: number): Promise<Exit | 'still running'> {
  return Promise.race([server.exited, new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), ms))])
}

async function synced(wsUrl: string, board: string): Promise<YClient> {
  const client = connectClient(wsUrl, board)
  await whenSynced(client)
  return client
}

function destroy(client: YClient) {
  client.provider.destroy()
  client.doc.destroy()
}

/** Opens and closes `count` connections, a batch at a time; each logs two debug lines. */
async function churnConnections(wsUrl: string, count: number) {
  const board = boardId()
  for (let done = 0; done < count; done += 50) {
    await Promise.all(
      Array.from(
        { length: 50 },
        () =>
          new Promise<void>((resolve, reject) => {
            const ws = new WebSocket(`${wsUrl}/${board}`)
            ws.once('open', () => ws.close())
            ws.once('close', () => resolve())
            ws.once('error', reject)
          }),
      ),
    )
  }
}

describe('SIGTERM when nobody reads the logs', () => {
  it('after the log reader went away (pipes closed), the server exits 0 promptly and the board survives', async () => {
    const dataDir = tempDataDir()
    dataDirs.push(dataDir)
    const server = await startBuilt(dataDir)
    const board = boardId()
    const writer = await synced(server.wsUrl, board)
    const peer = await synced(server.wsUrl, board)
    writer.doc.getMap('items').set('note', 'written before the log reader went away')
    writer.doc.getArray<string>('log').push(['one', 'two'])
    // The server stores an update before it relays it, so once the peer has it, it is on disk.
    await eventually(() => expect(snapshot(peer.doc)).toEqual(snapshot(writer.doc)))
    const expected = snapshot(writer.doc)
    destroy(writer)
    destroy(peer)
    // Their "connection closed" lines are logged while someone still reads them.
    await eventually(async () => {
      const text = await (await fetch(`${server.url}/metrics`)).text()
      const open = text.split('\n').filter((l) => l.startsWith('roundtable_connections{'))
      expect(open.length).toBeGreaterThan(0)
      expect(open.map((l) => l.split(' ').pop())).toEqual(open.map(() => '0'))
    })

    // What a supervisor's log pipe looks like once its reader is gone: closed at our end.
    server.proc.stdout.destroy()
    server.proc.stderr.destroy()
    await new Promise((r) => setTimeout(r, 100))
    server.proc.kill('SIGTERM')
    expect(await exitWithin(server, EXIT_WITHIN_MS)).toEqual({ code: 0, signal: null })

    const again = await h.server({ dataDir })
    const reader = await h.client(again, board)
    expect(snapshot(reader.doc)).toEqual(expected)
  })

  it('with a log pipe that is full and never drained, requests are answered and SIGTERM exits 0 promptly', async () => {
    const dataDir = tempDataDir()
    dataDirs.push(dataDir)
    const server = await startBuilt(dataDir)
    // A reader that is stuck: the pipes stay open, nothing more is read from them.
    server.proc.stdout.removeAllListeners('data').pause()
    server.proc.stderr.removeAllListeners('data').pause()

    await churnConnections(server.wsUrl, FLOOD_CONNECTIONS)
    const started = Date.now()
    const health = await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(2_000) })
    expect(health.status).toBe(200)
    expect(Date.now() - started).toBeLessThan(2_000)

    server.proc.kill('SIGTERM')
    expect(await exitWithin(server, EXIT_WITHIN_MS)).toEqual({ code: 0, signal: null })
  })
})
