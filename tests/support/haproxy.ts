/**
 * HAProxy from Debian in front of several Roundtable processes, round-robin with no stickiness,
 * as an operator would run it (the README's example, with test-sized health check intervals).
 */
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'

export const HAPROXY = '/usr/sbin/haproxy'

export interface TestHaproxy {
  url: string
  wsUrl: string
  port: number
  stop(): Promise<void>
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

/** The configuration the README shows, for processes listening on `backends` (ports on 127.0.0.1). */
export function haproxyConfig(port: number, backends: number[], opts: { backups?: number[]; checkIntervalMs?: number } = {}): string {
  const backups = opts.backups ?? []
  return [
    'global',
    '  maxconn 4096',
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 60s',
    '  timeout server 60s',
    // A WebSocket, once upgraded, is a tunnel: it may stay quiet longer than a request would.
    '  timeout tunnel 1h',
    // A connection to a process that just died is retried on another one.
    '  retries 3',
    '  option redispatch',
    'frontend roundtable',
    `  bind 127.0.0.1:${port}`,
    '  default_backend processes',
    'backend processes',
    '  balance roundrobin',
    '  option httpchk GET /healthz',
    `  default-server inter ${opts.checkIntervalMs ?? 500} fall 2 rise 1`,
    ...backends.map((p, i) => `  server p${i + 1} 127.0.0.1:${p} check`),
    // Backups take traffic only once every other server is down; all of them, not only the first.
    ...(backups.length > 0 ? ['  option allbackups'] : []),
    ...backups.map((p, i) => `  server b${i + 1} 127.0.0.1:${p} check backup`),
    '',
  ].join('\n')
}

export async function startHaproxy(backends: number[], opts: { backups?: number[] } = {}): Promise<TestHaproxy> {
  if (!fs.existsSync(HAPROXY)) throw new Error(`${HAPROXY} is missing: install Debian's haproxy package (.ci/run does)`)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roundtable-haproxy-'))
  const port = await freePort()
  const file = path.join(dir, 'haproxy.cfg')
  fs.writeFileSync(file, haproxyConfig(port, backends, opts))
  const proc = spawn(HAPROXY, ['-f', file, '-db'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  proc.stdout.on('data', (c: Buffer) => (output += c.toString()))
  proc.stderr.on('data', (c: Buffer) => (output += c.toString()))
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
  const deadline = Date.now() + 10_000
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`haproxy exited with ${proc.exitCode}:\n${output}`)
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy()
        resolve(true)
      })
      socket.on('error', () => resolve(false))
    })
    if (open) break
    if (Date.now() > deadline) {
      proc.kill('SIGKILL')
      throw new Error(`haproxy did not listen within 10 s:\n${output}`)
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  return {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/sync`,
    port,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM')
      await exited
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}
