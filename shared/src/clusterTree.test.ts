import { describe, expect, it } from 'vitest'
import {
  averageLinkage,
  cutTree,
  jsSimilarities,
  SIMD_SIMILARITIES,
  similarityMatrix,
  suggestionsAt,
  type ClusterModel,
} from './clusterTree.ts'

/** The textbook way: merge the two most similar groups (average linkage) while they reach `threshold`. */
function naive(sim: Float32Array, n: number, threshold: number): number[][] {
  let groups = Array.from({ length: n }, (_, i) => [i])
  const link = (a: number[], b: number[]) => a.reduce((s, i) => s + b.reduce((t, j) => t + sim[i * n + j], 0), 0) / (a.length * b.length)
  for (;;) {
    let best: [number, number, number] = [-Infinity, -1, -1]
    for (let i = 0; i < groups.length; i++)
      for (let j = i + 1; j < groups.length; j++) if (link(groups[i], groups[j]) > best[0]) best = [link(groups[i], groups[j]), i, j]
    if (best[1] < 0 || best[0] < threshold) break
    groups[best[1]] = [...groups[best[1]], ...groups[best[2]]].sort((a, b) => a - b)
    groups = groups.filter((_, k) => k !== best[2])
  }
  return groups.filter((g) => g.length > 1).sort((a, b) => a[0] - b[0])
}

function randomVectors(n: number, dims: number, seed: number): Float32Array {
  let s = seed
  const next = () => ((s = Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5), (s >>> 0) / 2 ** 32 - 0.5)
  const v = new Float32Array(n * dims).map(next)
  for (let i = 0; i < n; i++) {
    const row = v.subarray(i * dims, (i + 1) * dims)
    const norm = Math.hypot(...row)
    row.forEach((x, d) => (row[d] = x / norm))
  }
  return v
}

describe('average-linkage tree', () => {
  it('cut at any similarity, gives the groups that merging the most similar pair again and again gives', () => {
    for (const seed of [1, 2, 3]) {
      const n = 40
      const sim = similarityMatrix(randomVectors(n, 4, seed), 4)
      const merges = averageLinkage(sim.slice(), n)
      expect(merges).toHaveLength(n - 1)
      for (const threshold of [-0.2, 0, 0.3, 0.6, 0.9]) expect(cutTree(merges, n, threshold)).toEqual(naive(sim, n, threshold))
    }
  })

  it('a higher similarity splits groups apart, never joins them', () => {
    const n = 60
    const merges = averageLinkage(similarityMatrix(randomVectors(n, 3, 7), 3), n)
    const loose = cutTree(merges, n, 0.2)
    const strict = cutTree(merges, n, 0.7)
    const groupOf = new Map(loose.flatMap((g, k) => g.map((i) => [i, k])))
    for (const g of strict) expect(new Set(g.map((i) => groupOf.get(i))).size).toBe(1)
    expect(strict.length).toBeGreaterThan(loose.length)
  })

  it('reports progress by rows and handles no notes or one', () => {
    const seen: number[] = []
    similarityMatrix(randomVectors(130, 2, 1), 2, (done) => seen.push(done))
    expect(seen).toEqual([64, 128])
    expect(averageLinkage(new Float32Array(0), 0)).toEqual([])
    expect(cutTree(averageLinkage(new Float32Array([1]), 1), 1, 0)).toEqual([])
  })

  it('computes the similarities as WebAssembly SIMD where it can, as JavaScript would, whatever the dimensions', () => {
    expect(SIMD_SIMILARITIES).toBe(true)
    for (const [n, dims] of [
      [37, 10],
      [70, 100],
      [3, 1],
    ]) {
      const v = randomVectors(n, dims, n)
      const simd = similarityMatrix(v, dims)
      const js = jsSimilarities(v, n, dims)
      expect(simd).toHaveLength(n * n)
      for (let k = 0; k < n * n; k++) expect(simd[k]).toBeCloseTo(js[k], 5)
    }
    // A bigger board after a smaller one: the module's memory grows, and the small result is kept.
    const small = similarityMatrix(randomVectors(5, 8, 1), 8)
    const copy = small.slice()
    similarityMatrix(randomVectors(400, 8, 2), 8)
    expect(small).toEqual(copy)
  })

  it('names the suggested groups by the model and hands back note ids', () => {
    const model: ClusterModel = {
      method: 'words',
      ids: ['a', 'b', 'c'],
      merges: [
        { a: 0, b: 2, similarity: 0.9 },
        { a: 0, b: 1, similarity: 0.1 },
      ],
      describe: (members) => ({ label: `${members.length} notes`, terms: [] }),
    }
    expect(suggestionsAt(model, 0.5)).toEqual([{ ids: ['a', 'c'], label: '2 notes', terms: [] }])
    expect(suggestionsAt(model, 0.05).map((s) => s.ids)).toEqual([['a', 'b', 'c']])
  })
})
