/**
 * Comparing notes by meaning: each note becomes the weighted average of its words' vectors
 * (English GloVe vectors, derived by scripts/derive-word-vectors.mjs into
 * shared/vectors/word-vectors-en.bin), so "Deploys break on Fridays" and "Release pipeline is
 * flaky" meet although they share no word. Frequent words weigh little (smooth inverse
 * frequency, Arora et al. 2017), so a shared "slow" does not make two notes one theme. A word
 * the table lacks (jargon, names, other languages) gets a random but fixed vector of its own,
 * so notes that repeat it still meet, as they would by shared words.
 */

import { averageLinkage, similarityMatrix, type ClusterModel } from './clusterTree.ts'
import { contentRuns, stem, words, type NoteText } from './clustering.ts'

export interface WordVectors {
  dims: number
  /** Word -> its frequency rank (0 = most frequent), which is also its row in `rows`. */
  rank: Map<string, number>
  /** One unit vector per word, `dims` long. */
  rows: Float32Array
}

/** Reads the table written by scripts/derive-word-vectors.mjs. */
export function parseWordVectors(bytes: Uint8Array): WordVectors {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (bytes.length < 20 || String.fromCharCode(...bytes.subarray(0, 4)) !== 'RTWV' || view.getUint32(4, true) !== 1)
    throw new Error('not a word-vector table (version 1)')
  const [count, dims, wordBytes] = [view.getUint32(8, true), view.getUint32(12, true), view.getUint32(16, true)]
  if (bytes.length !== 20 + wordBytes + count * dims) throw new Error('word-vector table is truncated')
  const list = new TextDecoder().decode(bytes.subarray(20, 20 + wordBytes)).split('\n')
  const raw = new Int8Array(bytes.buffer, bytes.byteOffset + 20 + wordBytes, count * dims)
  const rows = new Float32Array(count * dims)
  for (let i = 0; i < count; i++) {
    let norm = 0
    for (let d = 0; d < dims; d++) norm += raw[i * dims + d] ** 2
    const scale = 1 / (Math.sqrt(norm) || 1)
    for (let d = 0; d < dims; d++) rows[i * dims + d] = raw[i * dims + d] * scale
  }
  return { dims, rank: new Map(list.map((w, i) => [w, i])), rows }
}

/** How much a word of this frequency rank says about a note: a/(a + p(w)) with Zipf's p(w) ≈ 0.1/rank. */
const SIF_RANK = 3000
const weightOfRank = (rank: number) => (rank + 1) / (rank + 1 + SIF_RANK)

// Forms to try when a word is not in the table as written: "reruns" -> "rerun", "rerunning".
const VARIANTS: [RegExp, string][] = [
  [/ies$/, 'y'],
  [/es$/, ''],
  [/s$/, ''],
  [/ing$/, ''],
  [/ing$/, 'e'],
  [/ed$/, ''],
  [/ed$/, 'e'],
]

function lookUp(table: WordVectors, word: string): number | undefined {
  const found = table.rank.get(word)
  if (found !== undefined) return found
  for (const [suffix, replacement] of VARIANTS) {
    const rank = suffix.test(word) ? table.rank.get(word.replace(suffix, replacement)) : undefined
    if (rank !== undefined) return rank
  }
  return undefined
}

/** A fixed pseudo-random unit vector for a word the table lacks (FNV-1a seeds a xorshift). */
function unknownWordVector(word: string, dims: number): Float32Array {
  let h = 0x811c9dc5
  for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 0x01000193)
  const v = new Float32Array(dims)
  let norm = 0
  for (let d = 0; d < dims; d++) {
    h ^= h << 13
    h ^= h >>> 17
    h ^= h << 5
    v[d] = (h >>> 0) / 0x100000000 - 0.5
    norm += v[d] ** 2
  }
  return v.map((x) => x / Math.sqrt(norm))
}

/** Adds the weighted vectors of `ws` to `into` (dims long). */
function addWords(table: WordVectors, ws: readonly string[], into: Float32Array): void {
  const { dims, rows } = table
  for (const w of ws) {
    const rank = lookUp(table, w)
    if (rank === undefined) {
      const v = unknownWordVector(stem(w), dims)
      for (let d = 0; d < dims; d++) into[d] += v[d]
    } else {
      const weight = weightOfRank(rank)
      for (let d = 0; d < dims; d++) into[d] += weight * rows[rank * dims + d]
    }
  }
}

function normalise(v: Float32Array): Float32Array {
  let norm = 0
  for (const x of v) norm += x * x
  if (norm > 0) for (let d = 0; d < v.length; d++) v[d] /= Math.sqrt(norm)
  return v
}

/** One unit vector per note, rows of a single array (a note without words gets zeros). */
export function noteVectors(table: WordVectors, texts: readonly string[]): Float32Array {
  const { dims } = table
  const out = new Float32Array(texts.length * dims)
  texts.forEach((text, i) => {
    const v = out.subarray(i * dims, (i + 1) * dims)
    addWords(table, words(text), v)
    normalise(v)
  })
  return out
}

/**
 * Names a group after the phrase from its notes (a word, or two adjacent words that several
 * notes use, as written) whose meaning is nearest the group's average; a phrase several notes
 * use gets a head start. Two words from one note are too often not a phrase ("laptop took").
 */
export function labelByMeaning(table: WordVectors, texts: readonly string[], vectors: Float32Array): { label: string; terms: string[] } {
  const { dims } = table
  const centre = new Float32Array(dims)
  for (let i = 0; i < texts.length; i++) for (let d = 0; d < dims; d++) centre[d] += vectors[i * dims + d]
  normalise(centre)
  const candidates = new Map<string, { phrase: string; notes: Set<number> }>()
  texts.forEach((text, i) => {
    for (const run of contentRuns(text)) {
      for (let k = 0; k < run.length; k++) {
        for (const phrase of [run.slice(k, k + 1), run.slice(k, k + 2)]) {
          const key = phrase.join(' ').toLowerCase()
          const c = candidates.get(key) ?? { phrase: phrase.join(' '), notes: new Set<number>() }
          c.notes.add(i)
          candidates.set(key, c)
        }
      }
    }
  })
  const scored = [...candidates]
    .filter(([key, c]) => !key.includes(' ') || c.notes.size > 1)
    .map(([key, c]) => {
      const v = normalise(addInto(table, key.split(' ')))
      let near = 0
      for (let d = 0; d < dims; d++) near += v[d] * centre[d]
      return { key, phrase: c.phrase, score: near + (0.2 * (c.notes.size - 1)) / Math.max(1, texts.length - 1) }
    })
  scored.sort((a, b) => b.score - a.score || a.key.localeCompare(b.key))
  if (scored.length === 0) return { label: 'Theme', terms: [] }
  const best = scored[0].phrase
  const label = best[0].toUpperCase() + best.slice(1)
  return { label, terms: scored.slice(0, 3).map((s) => s.key) }
}

function addInto(table: WordVectors, ws: string[]): Float32Array {
  const v = new Float32Array(table.dims)
  addWords(table, ws, v)
  return v
}

/**
 * The clustering tree of notes compared by meaning. `onProgress` hears the fraction done (the
 * similarities of every pair are most of the work).
 */
export function meaningModel(notes: readonly NoteText[], table: WordVectors, onProgress?: (fraction: number) => void): ClusterModel {
  const texts = notes.map((n) => n.text)
  const vectors = noteVectors(table, texts)
  const n = notes.length
  const sim = similarityMatrix(vectors, table.dims, onProgress && ((done) => onProgress((0.8 * done) / n)))
  const merges = averageLinkage(sim, n)
  onProgress?.(1)
  const { dims } = table
  return {
    method: 'meaning',
    ids: notes.map((note) => note.id),
    merges,
    describe: (members) => {
      const memberVectors = new Float32Array(members.length * dims)
      members.forEach((m, k) => memberVectors.set(vectors.subarray(m * dims, (m + 1) * dims), k * dims))
      return labelByMeaning(
        table,
        members.map((m) => texts[m]),
        memberVectors,
      )
    },
  }
}
