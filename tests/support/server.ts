import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const ROOT = path.resolve(import.meta.dirname, '../..')

export interface ServerProcess {
  url: string
  wsUrl: string
  port: number
  dataDir: string
  proc: ChildProcess
  /** Everything the server printed, for asserting on logs. */
  output(): string
  /** Send a signal and wait for the process to exit; resolves with its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

export function tempDataDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'roundtable-test-'))
}

/**
 * Starts the real server as its own process on a free port, so tests can SIGTERM or kill -9 it.
 * Resolves once it logged the URL to open. It runs from its sources, or, where the test project
 * sets ROUNDTABLE_SERVER=bundle (the end-to-end tests), as `npm start` runs it: the bundle that
 * `npm run build` writes.
 */
export async function startServerProcess(
  opts: { dataDir?: string; port?: number; env?: Record<string, string>; faulty?: boolean } = {},
): Promise<ServerProcess> {
  const dataDir = opts.dataDir ?? tempDataDir()
  // `faulty`: storage writes fail while FAULT_FILE exists (see faultyServer.ts).
  const bundle = !opts.faulty && process.env.ROUNDTABLE_SERVER === 'bundle'
  const args = bundle
    ? ['--enable-source-maps', path.join(ROOT, 'server/dist/main.mjs')]
    : ['--import', 'tsx', path.join(ROOT, opts.faulty ? 'tests/support/faultyServer.ts' : 'server/src/main.ts')]
  if (bundle && !fs.existsSync(args[1])) throw new Error('server/dist/main.mjs is missing: run `npm run build` first')
  const proc = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, PORT: String(opts.port ?? 0), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'debug', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)))
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const match = /"url":"(http:\/\/[^"]+)"/.exec(output)
      if (match) resolve(match[1])
    }
    proc.stdout!.on('data', onData)
    proc.stderr!.on('data', onData)
    exited.then((code) => reject(new Error(`server exited with ${code} before it was ready:\n${output}`)))
    setTimeout(() => reject(new Error(`server did not start within 20 s:\n${output}`)), 20_000).unref()
  })
  const port = Number(new URL(url).port)
  return {
    url,
    wsUrl: `ws://127.0.0.1:${port}/sync`,
    port,
    dataDir,
    proc,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal)
      return exited
    },
  }
}
