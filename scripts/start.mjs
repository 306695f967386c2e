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

// The bundle is not minified, so stack traces read without source maps; NODE_OPTIONS=--enable-source-maps
// maps them to the TypeScript sources at the cost of a slower start.
const server = spawn(process.execPath, [SERVER_BUNDLE], { cwd: process.cwd(), stdio: 'inherit' })
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal))
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
