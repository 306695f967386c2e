// Builds what `npm start` runs: the client (Vite) and the server as one JavaScript file
// (esbuild, its npm packages included), so the server starts as plain JavaScript instead of
// compiling TypeScript and resolving hundreds of modules at every start. `--if-stale` skips an
// output that is newer than all of its sources.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import * as esbuild from 'esbuild'

const root = path.resolve(import.meta.dirname, '..')
export const SERVER_BUNDLE = path.join(root, 'server/dist/main.mjs')

function newestMtime(p) {
  const stat = fs.statSync(p, { throwIfNoEntry: false })
  if (!stat) return 0
  if (!stat.isDirectory()) return stat.mtimeMs
  return Math.max(0, ...fs.readdirSync(p).map((name) => newestMtime(path.join(p, name))))
}

const targets = [
  {
    name: 'client',
    output: path.join(root, 'client/dist/index.html'),
    sources: ['client/src', 'client/index.html', 'client/vite.config.ts', 'shared/src', 'package-lock.json'],
    build() {
      const run = spawnSync('npm', ['run', 'build', '--silent', '-w', 'client'], { cwd: root, stdio: 'inherit' })
      if (run.status !== 0) throw new Error('the client build failed')
    },
  },
  {
    name: 'server',
    output: SERVER_BUNDLE,
    sources: ['server/src', 'shared/src', 'scripts/build.mjs', 'package-lock.json'],
    build: () =>
      esbuild.build({
        entryPoints: [path.join(root, 'server/src/main.ts')],
        outfile: SERVER_BUNDLE,
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        sourcemap: true,
        // Not minified: stack traces name the real functions without source maps, whose loading
        // (`--enable-source-maps`) would add about 90 ms to every start.
        minify: false,
        // A native addon, and tldraw's schema, which the server imports only on its first export.
        external: ['better-sqlite3', '@tldraw/tlschema'],
        // CommonJS packages inside an ES module still call require (node's built-ins, optional peers).
        banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
        logLevel: 'warning',
      }),
  },
]

export async function build({ ifStale = false } = {}) {
  for (const t of targets) {
    const stale = newestMtime(t.output) < Math.max(...t.sources.map((s) => newestMtime(path.join(root, s))))
    if (ifStale && !stale) continue
    console.log(`Building the ${t.name}…`)
    await t.build()
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    await build({ ifStale: process.argv.includes('--if-stale') })
  } catch (err) {
    console.error(err.message)
    process.exit(1)
  }
}
