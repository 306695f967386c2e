/**
 * Suggests clusters off the main thread: comparing every pair of 2,000 notes is ~0.3 s of work
 * that would otherwise freeze the canvas. The word-vector table is fetched from our own server on
 * the first request and kept; the trees are kept too, so the slider only cuts them again.
 */
import {
  meaningModel,
  parseWordVectors,
  suggestionsAt,
  wordsModel,
  type ClusterMethod,
  type ClusterModel,
  type NoteText,
  type WordVectors,
} from '@roundtable/shared'

export type ClusterRequest =
  { type: 'suggest'; vectorsUrl: string; buckets: [string, NoteText[]][]; similarity: number } | { type: 'regroup'; similarity: number }

export interface FoundCluster {
  parentId: string
  ids: string[]
  label: string
}

export type ClusterAnswer =
  { type: 'progress'; fraction: number } | { type: 'suggestions'; method: ClusterMethod; clusters: FoundCluster[] }

let table: Promise<WordVectors | undefined> | undefined
let models: [string, ClusterModel][] = []

const post = (answer: ClusterAnswer) => postMessage(answer)

function loadTable(url: string): Promise<WordVectors | undefined> {
  return (table ??= fetch(url)
    .then((res) => {
      if (!res.ok) throw new Error(`word vectors: HTTP ${res.status}`)
      return res.arrayBuffer()
    })
    .then((bytes) => parseWordVectors(new Uint8Array(bytes)))
    .catch((err: unknown) => {
      // Offline before the table was ever fetched, say: shared words still work.
      console.warn('word vectors did not load; suggesting clusters by shared words', err)
      table = undefined
      return undefined
    }))
}

function answer(similarity: number) {
  const clusters = models.flatMap(([parentId, model]) =>
    suggestionsAt(model, similarity).map(({ ids, label }) => ({ parentId, ids, label })),
  )
  post({ type: 'suggestions', method: models[0]?.[1].method ?? 'meaning', clusters })
}

onmessage = async ({ data }: MessageEvent<ClusterRequest>) => {
  if (data.type === 'regroup') return answer(data.similarity)
  const vectors = await loadTable(data.vectorsUrl)
  const total = data.buckets.reduce((n, [, notes]) => n + notes.length ** 2, 0) || 1
  let done = 0
  models = data.buckets.map(([parentId, notes]) => {
    const progress = (fraction: number) => post({ type: 'progress', fraction: (done + fraction * notes.length ** 2) / total })
    const model = vectors ? meaningModel(notes, vectors, progress) : wordsModel(notes)
    done += notes.length ** 2
    return [parentId, model]
  })
  answer(data.similarity)
}
