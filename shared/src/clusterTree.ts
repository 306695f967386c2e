/**
 * Average-linkage clustering as a tree that is built once and cut at any similarity: the "How
 * similar?" slider re-groups by cutting again, without recomputing vectors or the tree. Both ways
 * of comparing notes (by meaning, wordVectors.ts; by shared words, clustering.ts) build one.
 */

import { SIMILARITIES_WASM } from './similaritiesWasm.ts'

export interface ClusterSuggestion {
  /** Note ids in input order. */
  ids: string[]
  /** A suggested name for the theme, e.g. "Release pipeline". */
  label: string
  /** The words the label was chosen from, most characteristic first. */
  terms: string[]
}

export type ClusterMethod = 'meaning' | 'words'

/** What is kept between a slider move and the next: the tree, and how to name a group. */
export interface ClusterModel {
  method: ClusterMethod
  ids: readonly string[]
  merges: readonly Merge[]
  describe(members: readonly number[]): { label: string; terms: string[] }
}

/**
 * Where the "How similar?" slider starts: the cut that agrees best with a facilitator's groups
 * on tests/fixtures/workshop-notes.json, for both methods.
 */
export const DEFAULT_SIMILARITY = 0.2

/** Suggestions at one similarity: cheap, so a slider can call it on every move. */
export function suggestionsAt(model: ClusterModel, similarity = DEFAULT_SIMILARITY): ClusterSuggestion[] {
  return cutTree(model.merges, model.ids.length, similarity).map((members) => ({
    ids: members.map((i) => model.ids[i]),
    ...model.describe(members),
  }))
}

export interface Merge {
  /** A note of each of the two groups merged (their indices in the input). */
  a: number
  b: number
  /** The average similarity between the two groups' notes when they merged. */
  similarity: number
}

/**
 * Cosine similarities of unit vectors (rows of `vectors`, `dims` long) as a full n×n matrix; rows
 * done are reported to `onRow` so a caller can show progress. This is most of the work for 2,000
 * notes (two million dot products): WebAssembly SIMD does it where it can (similarities.wat),
 * this file's JavaScript loop where it cannot.
 */
export function similarityMatrix(vectors: Float32Array, dims: number, onRow?: (done: number, n: number) => void): Float32Array {
  const n = vectors.length / dims
  return (simd !== undefined ? simdSimilarities(vectors, n, dims, onRow) : undefined) ?? jsSimilarities(vectors, n, dims, onRow)
}

/** Rows between two progress reports. */
const ROWS_PER_REPORT = 64

/** The same as similarityMatrix, in plain JavaScript (exported for tests). */
export function jsSimilarities(vectors: Float32Array, n: number, dims: number, onRow?: (done: number, n: number) => void): Float32Array {
  const sim = new Float32Array(n * n)
  for (let i = 0; i < n; i++) {
    sim[i * n + i] = 1
    const oi = i * dims
    for (let j = i + 1; j < n; j++) {
      const oj = j * dims
      let dot = 0
      for (let d = 0; d < dims; d++) dot += vectors[oi + d] * vectors[oj + d]
      sim[i * n + j] = dot
      sim[j * n + i] = dot
    }
    if (onRow && i % ROWS_PER_REPORT === ROWS_PER_REPORT - 1) onRow(i + 1, n)
  }
  return sim
}

interface SimdModule {
  memory: WebAssembly.Memory
  similarities(vectors: number, n: number, dims: number, out: number, from: number, to: number): void
}

// Compiled once, synchronously (the module is 311 bytes: small enough even for a page's main
// thread); undefined where WebAssembly or its SIMD instructions are missing.
const simd: SimdModule | undefined = (() => {
  try {
    const bytes = Uint8Array.from(atob(SIMILARITIES_WASM), (c) => c.charCodeAt(0))
    return new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as unknown as SimdModule
  } catch {
    return undefined
  }
})()

/** Whether similarityMatrix runs as WebAssembly SIMD here. */
export const SIMD_SIMILARITIES = simd !== undefined

function simdSimilarities(
  vectors: Float32Array,
  n: number,
  dims: number,
  onRow?: (done: number, n: number) => void,
): Float32Array | undefined {
  if (!simd || n === 0) return undefined
  // Rows padded with zeros to a multiple of four floats, then the matrix, in the module's memory.
  const padded = Math.ceil(dims / 4) * 4
  const bytes = 4 * (n * padded + n * n)
  const { memory } = simd
  const missing = Math.ceil((bytes - memory.buffer.byteLength) / 65536)
  try {
    if (missing > 0) memory.grow(missing)
  } catch {
    return undefined
  }
  const rows = new Float32Array(memory.buffer, 0, n * padded)
  rows.fill(0)
  for (let i = 0; i < n; i++) rows.set(vectors.subarray(i * dims, (i + 1) * dims), i * padded)
  const out = 4 * n * padded
  for (let from = 0; from < n; from += ROWS_PER_REPORT) {
    const to = Math.min(n, from + ROWS_PER_REPORT)
    simd.similarities(0, n, padded, out, from, to)
    if (onRow && to - from === ROWS_PER_REPORT) onRow(to, n)
  }
  // A copy: the module's memory is reused by the next call, and averageLinkage overwrites the matrix.
  return new Float32Array(memory.buffer, out, n * n).slice()
}

/**
 * Every merge of average-linkage agglomeration over an n×n similarity matrix (which it
 * overwrites), most similar first. The nearest-neighbour chain finds them in O(n²) time where
 * merging the best pair again and again takes O(n³); average linkage never merges at a higher
 * similarity than an earlier merge, so sorting the chain's merges gives the same tree.
 */
export function averageLinkage(sim: Float32Array, n: number): Merge[] {
  const size = new Uint32Array(n).fill(1)
  const active = new Uint8Array(n).fill(1)
  const merges: Merge[] = []
  const chain: number[] = []
  let next = 0
  for (let left = n; left > 1; left--) {
    if (chain.length === 0) {
      while (!active[next]) next++
      chain.push(next)
    }
    let a: number
    let b: number
    for (;;) {
      a = chain[chain.length - 1]
      const prev = chain.length > 1 ? chain[chain.length - 2] : -1
      // Ties go to the previous link, or the chain could cycle.
      b = prev
      let best = prev >= 0 ? sim[a * n + prev] : -Infinity
      const row = a * n
      // Plain assignments: a destructuring swap allocates, and this loop runs n² times.
      for (let j = 0; j < n; j++) {
        if (j !== a && active[j] && sim[row + j] > best) {
          best = sim[row + j]
          b = j
        }
      }
      if (b === prev) break
      chain.push(b)
    }
    chain.length -= 2
    merges.push({ a, b, similarity: sim[a * n + b] })
    // The merged group lives on in a's row and column (Lance–Williams update for the average).
    const sa = size[a]
    const sb = size[b]
    const [rowA, rowB] = [a * n, b * n]
    for (let k = 0; k < n; k++) {
      if (!active[k] || k === a || k === b) continue
      const s = (sa * sim[rowA + k] + sb * sim[rowB + k]) / (sa + sb)
      sim[rowA + k] = s
      sim[k * n + a] = s
    }
    size[a] = sa + sb
    active[b] = 0
  }
  return merges.sort((x, y) => y.similarity - x.similarity)
}

/** Groups of at least two notes (indices, ascending) whose merges reach `threshold`, by first note. */
export function cutTree(merges: readonly Merge[], n: number, threshold: number): number[][] {
  const parent = Array.from({ length: n }, (_, i) => i)
  const root = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]]
    return i
  }
  for (const m of merges) {
    if (m.similarity < threshold) break
    const [ra, rb] = [root(m.a), root(m.b)]
    parent[Math.max(ra, rb)] = Math.min(ra, rb)
  }
  const groups = new Map<number, number[]>()
  for (let i = 0; i < n; i++) {
    const r = root(i)
    const group = groups.get(r)
    if (group) group.push(i)
    else groups.set(r, [i])
  }
  return [...groups.values()].filter((g) => g.length > 1).sort((x, y) => x[0] - y[0])
}
