/**
 * GET /api/boards/:id/clusters: the cluster suggestions the browser shows, as JSON, for tools
 * that sort a board without one. The same rules (shared/) on the same notes (unthemedNotes),
 * by meaning when the word-vector table loads, by shared words otherwise. The table is read on
 * the first request, not at start, and kept.
 */
import fs from 'node:fs/promises'
import { createRequire } from 'node:module'
import {
  boardRecords,
  docFromUpdate,
  meaningModel,
  parseWordVectors,
  shapeText,
  suggestionsAt,
  unthemedNotes,
  wordsModel,
  DEFAULT_SIMILARITY,
  MAX_CLUSTER_NOTES,
  type ClusterMethod,
  type WordVectors,
} from '@roundtable/shared'
import { ConflictError, InvalidInputError } from './errors.ts'
import type { Logger } from './logger.ts'

export interface BoardClusters {
  method: ClusterMethod
  similarity: number
  /** One per suggested cluster: the container its notes sit in, their ids and a name. */
  suggestions: { parentId: string; ids: string[]; label: string; terms: string[] }[]
}

let table: Promise<WordVectors | undefined> | undefined

function wordVectors(log: Logger): Promise<WordVectors | undefined> {
  // Resolved through the shared package, so it is found from the sources and from the bundle.
  const file = createRequire(import.meta.url).resolve('@roundtable/shared/word-vectors')
  return (table ??= fs.readFile(file).then(
    (bytes) => parseWordVectors(bytes),
    (err: unknown) => {
      log.warn({ err, file }, 'word vectors did not load; clusters are suggested by shared words')
      return undefined
    },
  ))
}

/** `?similarity=` as asked: a number from 0 (group loosely) to 1 (only near-identical notes). */
export function similarityOf(url: URL): number {
  const raw = url.searchParams.get('similarity')
  if (raw === null) return DEFAULT_SIMILARITY
  const value = Number(raw)
  if (raw.trim() === '' || !Number.isFinite(value) || value < 0 || value > 1)
    throw new InvalidInputError('similarity must be a number from 0 to 1')
  return value
}

export async function boardClusters(state: Uint8Array, similarity: number, log: Logger): Promise<BoardClusters> {
  const doc = docFromUpdate(state)
  let buckets: Map<string, { id: string; text: string }[]>
  try {
    buckets = unthemedNotes(
      [...boardRecords(doc).map.values()].map((e) => e.val as { id: string; props?: unknown }),
      (shape) => shapeText((shape as { props?: unknown }).props),
    )
  } finally {
    doc.destroy()
  }
  for (const notes of buckets.values()) {
    if (notes.length > MAX_CLUSTER_NOTES)
      throw new ConflictError(`${notes.length} notes sit loose in one place; suggestions compare at most ${MAX_CLUSTER_NOTES} at once`)
  }
  const vectors = await wordVectors(log)
  const method: ClusterMethod = vectors ? 'meaning' : 'words'
  const suggestions: BoardClusters['suggestions'] = []
  for (const [parentId, notes] of buckets) {
    const model = vectors ? meaningModel(notes, vectors) : wordsModel(notes)
    for (const s of suggestionsAt(model, similarity)) suggestions.push({ parentId, ...s })
  }
  return { method, similarity, suggestions }
}
