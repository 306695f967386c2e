// `npm start`: build the client and the server once (again only when their sources changed),
// then run the server.
import { spawn } from 'node:child_process'
import { build, SERVER_BUNDLE } from './build.mjs'

try {
  await build({ ifStale: true })
} catch (err) {
  console.error(err.message)
  process.exit(1)
}

const server = spawn(process.execPath, ['--enable-source-maps', SERVER_BUNDLE], { cwd: process.cwd(), stdio: 'inherit' })
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal))
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
