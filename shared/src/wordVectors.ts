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
  /** One vector per word, `dims` long, as stored (int8): `scale` makes each a unit vector. */
  rows: Int8Array
  scale: Float32Array
}

/**
 * Reads the table written by scripts/derive-word-vectors.mjs. The rows stay the file's bytes
 * (4 MB, not 16 MB of floats to allocate and fill on the first request); each row's length is
 * computed once.
 */
export function parseWordVectors(bytes: Uint8Array): WordVectors {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (bytes.length < 20 || String.fromCharCode(...bytes.subarray(0, 4)) !== 'RTWV' || view.getUint32(4, true) !== 1)
    throw new Error('not a word-vector table (version 1)')
  const [count, dims, wordBytes] = [view.getUint32(8, true), view.getUint32(12, true), view.getUint32(16, true)]
  if (bytes.length !== 20 + wordBytes + count * dims) throw new Error('word-vector table is truncated')
  const list = new TextDecoder().decode(bytes.subarray(20, 20 + wordBytes)).split('\n')
  const rows = new Int8Array(bytes.buffer, bytes.byteOffset + 20 + wordBytes, count * dims)
  const scale = new Float32Array(count)
  for (let i = 0; i < count; i++) {
    let norm = 0
    for (let d = i * dims; d < (i + 1) * dims; d++) norm += rows[d] * rows[d]
    scale[i] = 1 / (Math.sqrt(norm) || 1)
  }
  const rank = new Map<string, number>()
  for (let i = 0; i < list.length; i++) rank.set(list[i], i)
  return { dims, rank, rows, scale }
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

/** A word's weighted vector, as notes are made of them; each word is looked up once per run. */
export type WordLookup = (word: string) => Float32Array

export function wordLookup(table: WordVectors): WordLookup {
  const { dims, rows, scale } = table
  const known = new Map<string, Float32Array>()
  return (word) => {
    let v = known.get(word)
    if (v) return v
    const rank = lookUp(table, word)
    if (rank === undefined) v = unknownWordVector(stem(word), dims)
    else {
      const weight = weightOfRank(rank) * scale[rank]
      v = new Float32Array(dims)
      for (let d = 0; d < dims; d++) v[d] = weight * rows[rank * dims + d]
    }
    known.set(word, v)
    return v
  }
}

/** Adds the weighted vectors of `ws` to `into` (dims long). */
function addWords(vectorOf: WordLookup, ws: readonly string[], into: Float32Array): void {
  for (const w of ws) {
    const v = vectorOf(w)
    for (let d = 0; d < into.length; d++) into[d] += v[d]
  }
}

function normalise(v: Float32Array): Float32Array {
  let norm = 0
  for (const x of v) norm += x * x
  if (norm > 0) for (let d = 0; d < v.length; d++) v[d] /= Math.sqrt(norm)
  return v
}

/** One unit vector per note, rows of a single array (a note without words gets zeros). */
export function noteVectors(table: WordVectors, texts: readonly string[], vectorOf = wordLookup(table)): Float32Array {
  const { dims } = table
  const out = new Float32Array(texts.length * dims)
  for (let i = 0; i < texts.length; i++) {
    const v = out.subarray(i * dims, (i + 1) * dims)
    addWords(vectorOf, words(texts[i]), v)
    normalise(v)
  }
  return out
}

/** A phrase a note offers as a label: its words lower-cased, as written, and the key it counts under. */
interface Phrase {
  key: string
  words: string[]
  form: string
}

/**
 * The label phrases of a note: each content word, and each two adjacent ones, keyed by their
 * stems so "meeting room" and "meeting rooms" count as one.
 */
export function phrasesOf(text: string): Phrase[] {
  const out: Phrase[] = []
  for (const run of contentRuns(text)) {
    const lower = run.map((w) => w.toLowerCase())
    const stems = lower.map(stem)
    for (let k = 0; k < run.length; k++) {
      out.push({ key: stems[k], words: [lower[k]], form: run[k] })
      if (k + 1 < run.length)
        out.push({ key: `${stems[k]} ${stems[k + 1]}`, words: [lower[k], lower[k + 1]], form: `${run[k]} ${run[k + 1]}` })
    }
  }
  return out
}

/**
 * Names a group after the phrase from its notes whose meaning is nearest the group's average, as
 * a person would head the group: a word, or two adjacent words that several notes use, written as
 * most notes wrote it. A phrase several notes use gets a head start, a two-word phrase a little
 * more (people name themes "Code reviews" rather than "Reviews"), and a word that reads as a verb
 * or a manner ("explained", "slowly") a handicap: it rarely names a theme. Two words from one
 * note are too often not a phrase ("laptop took").
 */
export function labelByMeaning(
  table: WordVectors,
  phrases: readonly (readonly Phrase[])[],
  vectors: Float32Array,
  vectorOf = wordLookup(table),
): { label: string; terms: string[] } {
  const { dims } = table
  const centre = new Float32Array(dims)
  for (let i = 0; i < phrases.length; i++) for (let d = 0; d < dims; d++) centre[d] += vectors[i * dims + d]
  normalise(centre)
  const candidates = new Map<string, { words: string[]; forms: Map<string, number>; notes: Set<number> }>()
  phrases.forEach((ofNote, i) => {
    for (const { key, words: ws, form } of ofNote) {
      const c = candidates.get(key) ?? { words: ws, forms: new Map<string, number>(), notes: new Set<number>() }
      c.forms.set(form, (c.forms.get(form) ?? 0) + 1)
      c.notes.add(i)
      candidates.set(key, c)
    }
  })
  const v = new Float32Array(dims)
  const scored = [...candidates]
    .filter(([, c]) => c.words.length === 1 || c.notes.size > 1)
    .map(([key, c]) => {
      v.fill(0)
      addWords(vectorOf, c.words, v)
      normalise(v)
      let near = 0
      for (let d = 0; d < dims; d++) near += v[d] * centre[d]
      const share = (c.notes.size - 1) / Math.max(1, phrases.length - 1)
      const twoWords = c.words.length === 2 ? 0.1 : 0
      const verbLike = c.words.length === 1 && /(ed|ly)$/.test(c.words[0]) ? 0.15 : 0
      // As most notes wrote it; between equally common forms, the longer ("rooms" over "room").
      let form = ''
      let count = 0
      for (const [f, k] of c.forms)
        if (k > count || (k === count && (f.length > form.length || (f.length === form.length && f < form)))) [form, count] = [f, k]
      return { key, form, score: near + 0.3 * share + twoWords - verbLike }
    })
  scored.sort((a, b) => b.score - a.score || a.key.localeCompare(b.key))
  if (scored.length === 0) return { label: 'Theme', terms: [] }
  const best = scored[0].form
  return { label: best[0].toUpperCase() + best.slice(1), terms: scored.slice(0, 3).map((s) => s.form.toLowerCase()) }
}

/**
 * The clustering tree of notes compared by meaning. `onProgress` hears the fraction done (the
 * similarities of every pair are most of the work).
 */
export function meaningModel(notes: readonly NoteText[], table: WordVectors, onProgress?: (fraction: number) => void): ClusterModel {
  const texts = notes.map((n) => n.text)
  const vectorOf = wordLookup(table)
  const vectors = noteVectors(table, texts, vectorOf)
  // Each note's label phrases, found when a group of it is first named, kept for the slider's next cut.
  const phrases: Phrase[][] = []
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
        members.map((m) => (phrases[m] ??= phrasesOf(texts[m]))),
        memberVectors,
        vectorOf,
      )
    },
  }
}
