import { useCallback, useEffect, useRef, useState } from 'react'
import type { Editor, TLShape, TLShapeId } from 'tldraw'
import { DEFAULT_SIMILARITY, MAX_CLUSTER_NOTES, unthemedNotes, type ClusterMethod } from '@roundtable/shared'
import { noteText } from './actions.ts'
import type { ClusterAnswer, ClusterRequest } from './clusters.worker.ts'

export interface Suggestion {
  /** The note ids joined: the same group suggested again after a slider move keeps its key. */
  key: string
  ids: TLShapeId[]
  label: string
}

/** Progress shows only when suggestions take longer than this. */
const PROGRESS_AFTER_MS = 300

// Bundled by Vite as a file of its own and served by our server; fetched by the worker on the first request.
const VECTORS_URL = new URL('../../../shared/vectors/word-vectors-en.bin', import.meta.url).href

export interface ClusterState {
  suggestions: Suggestion[]
  /** Set while the worker computes and more than PROGRESS_AFTER_MS have passed: 0..1. */
  progress?: number
  busy: boolean
  method?: ClusterMethod
  similarity: number
  error?: string
}

/**
 * Cluster suggestions for the loose notes of the current page, computed in a Web Worker. The
 * slider's regroup reuses the worker's trees; dismissed groups stay dismissed, and notes grouped
 * meanwhile drop out.
 */
export function useClusterSuggestions(editor: Editor) {
  const worker = useRef<Worker>(undefined)
  const dismissed = useRef(new Set<string>())
  const [state, setState] = useState<ClusterState>({ suggestions: [], busy: false, similarity: DEFAULT_SIMILARITY })

  const loose = useCallback(
    (withText = true) => unthemedNotes(editor.getCurrentPageShapes(), (s) => (withText ? noteText(s as TLShape) : '')),
    [editor],
  )

  useEffect(() => () => worker.current?.terminate(), [])

  const send = useCallback(
    (request: ClusterRequest) => {
      const w = (worker.current ??= new Worker(new URL('./clusters.worker.ts', import.meta.url), { type: 'module' }))
      const timer = setTimeout(() => setState((s) => (s.busy ? { ...s, progress: s.progress ?? 0 } : s)), PROGRESS_AFTER_MS)
      w.onmessage = ({ data }: MessageEvent<ClusterAnswer>) => {
        if (data.type === 'progress') return setState((s) => (s.progress === undefined ? s : { ...s, progress: data.fraction }))
        clearTimeout(timer)
        // Which notes are still loose; their text is not needed (2,000 rich texts take a while to read).
        const stillLoose = new Set([...loose(false).values()].flat().map((n) => n.id))
        const suggestions = data.clusters
          .map((c) => ({ ...c, ids: c.ids.filter((id) => stillLoose.has(id)) as TLShapeId[] }))
          .filter((c) => c.ids.length > 1 && !dismissed.current.has(c.ids.join(',')))
          .map(({ ids, label }) => ({ key: ids.join(','), ids, label }))
        setState((s) => ({ ...s, suggestions, busy: false, progress: undefined, method: data.method }))
      }
      w.postMessage(request)
    },
    [loose],
  )

  const suggest = useCallback(() => {
    const buckets = [...loose()]
    const biggest = Math.max(0, ...buckets.map(([, notes]) => notes.length))
    if (biggest > MAX_CLUSTER_NOTES)
      return setState((s) => ({ ...s, error: `${biggest} loose notes in one place: suggestions compare at most ${MAX_CLUSTER_NOTES}` }))
    dismissed.current.clear()
    setState((s) => ({ ...s, busy: true, error: undefined }))
    send({ type: 'suggest', vectorsUrl: VECTORS_URL, buckets, similarity: state.similarity })
  }, [loose, send, state.similarity])

  const regroup = useCallback(
    (similarity: number) => {
      setState((s) => ({ ...s, similarity, busy: true }))
      send({ type: 'regroup', similarity })
    },
    [send],
  )

  const drop = useCallback((s: Suggestion) => {
    dismissed.current.add(s.key)
    setState((st) => ({ ...st, suggestions: st.suggestions.filter((x) => x.key !== s.key) }))
  }, [])

  return { ...state, suggest, regroup, drop }
}
