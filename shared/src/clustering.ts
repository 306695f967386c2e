/**
 * Sense-making rules for sticky notes: the words of a note, suggesting clusters of notes that
 * share words (TF-IDF vectors, cosine similarity, average linkage: clusterTree.ts), and the
 * geometry of wrapping notes in a frame. Pure and local: no network, no model.
 */

import { ancestorsOf } from './shapeTree.ts'
import { averageLinkage, suggestionsAt, type ClusterModel, type ClusterSuggestion } from './clusterTree.ts'

export interface NoteText {
  id: string
  text: string
}

export interface ClusterOptions {
  /** Minimum average cosine similarity between two groups for them to merge (0..1). */
  threshold?: number
  /** How many words make up the suggested label. */
  labelTerms?: number
}

// Common English function words and workshop filler that say nothing about a note's theme.
const STOP_WORDS = new Set(
  (
    'a about above after again against all also am an and any are as at be because been before being below between both but by ' +
    'can could did do does doing done dont down during each etc few for from further get gets got had has have having he her here ' +
    'hers him his how i if in into is isnt it its itself just lets like more most much must my no nor not now of off on once only ' +
    'or other our ours out over own really same she should so some such than that thats the their theirs them then there these ' +
    'they this those through to too under until up us very was we were what when where which while who whom why will with would ' +
    'you your yours maybe need needs make makes made want lot lots thing things way ways new better good more less every many ' +
    'nobody somebody someone anybody anyone everybody everyone nothing something anything everything'
  ).split(' '),
)

/** A light suffix-stripping stemmer: enough that "meetings", "meeting" and "meet" agree. */
export function stem(word: string): string {
  let w = word
  const strip = (suffix: string, min: number, replacement = '') => {
    if (w.length > min && w.endsWith(suffix)) {
      w = w.slice(0, -suffix.length) + replacement
      return true
    }
    return false
  }
  void (
    strip('ies', 4, 'y') ||
    strip('sses', 4, 'ss') ||
    strip('ments', 7) ||
    strip('ment', 6) ||
    strip('ings', 6) ||
    strip('ing', 5) ||
    strip('ed', 4) ||
    (!/(ss|us|is)$/.test(w) && strip('s', 3))
  )
  if (w.length > 4 && w.endsWith('e')) w = w.slice(0, -1)
  if (w.length > 3 && /([b-df-hj-kmnp-rtv-y])\1$/.test(w)) w = w.slice(0, -1)
  return w
}

/** Lower-cased words without punctuation, stop words or bare numbers. */
export function words(text: string): string[] {
  return (
    text
      .toLowerCase()
      .replace(/['’]/g, '')
      .match(/[\p{L}\p{N}]+/gu) ?? []
  ).filter((w) => w.length > 1 && !STOP_WORDS.has(w) && !/^\d+$/.test(w))
}

export function tokenize(text: string): string[] {
  return words(text).map(stem)
}

/**
 * Runs of adjacent content words as people wrote them ("Release pipeline is flaky" gives
 * [["Release", "pipeline"], ["flaky"]]): where a label's phrases come from.
 */
export function contentRuns(text: string): string[][] {
  const runs: string[][] = [[]]
  for (const w of text.replace(/['’]/g, '').match(/[\p{L}\p{N}]+/gu) ?? []) {
    const lower = w.toLowerCase()
    if (lower.length > 1 && !STOP_WORDS.has(lower) && !/^\d+$/.test(lower)) runs[runs.length - 1].push(w)
    else if (runs[runs.length - 1].length) runs.push([])
  }
  return runs.filter((r) => r.length)
}

/**
 * Comparing notes by the words they share (TF-IDF over stemmed words, cosine similarity): the
 * fallback when the word vectors cannot load, and the way for languages they do not cover.
 */
export function wordsModel(notes: readonly NoteText[], labelTerms = 2): ClusterModel {
  // Remember how people actually wrote each stem, to label clusters with real words.
  const surface = new Map<string, Map<string, number>>()
  const tokens = notes.map((n) =>
    words(n.text).map((w) => {
      const s = stem(w)
      const forms = surface.get(s) ?? new Map<string, number>()
      forms.set(w, (forms.get(w) ?? 0) + 1)
      surface.set(s, forms)
      return s
    }),
  )

  const df = new Map<string, number>()
  for (const ts of tokens) for (const t of new Set(ts)) df.set(t, (df.get(t) ?? 0) + 1)
  const n = notes.length
  // Smoothed idf: rare shared words weigh most, words in every note still count a little.
  const idf = (t: string) => Math.log((1 + n) / (1 + (df.get(t) ?? 0))) + 1
  const vectors = tokens.map((ts) => {
    const v = new Map<string, number>()
    for (const t of ts) v.set(t, (v.get(t) ?? 0) + 1)
    for (const [t, tf] of v) v.set(t, tf * idf(t))
    return v
  })

  // Cosine similarities through an inverted index: only notes sharing a word meet.
  const postings = new Map<string, [number, number][]>()
  vectors.forEach((v, i) => {
    const norm = Math.hypot(...v.values())
    for (const [t, w] of v) {
      const list = postings.get(t) ?? []
      list.push([i, w / norm])
      postings.set(t, list)
    }
  })
  const sim = new Float32Array(n * n)
  for (const list of postings.values()) for (const [i, wi] of list) for (const [j, wj] of list) sim[i * n + j] += wi * wj

  return {
    method: 'words',
    ids: notes.map((note) => note.id),
    merges: averageLinkage(sim, n),
    describe(members) {
      const weight = new Map<string, number>()
      for (const i of members) {
        for (const [t, v] of vectors[i]) weight.set(t, (weight.get(t) ?? 0) + v)
      }
      // Characteristic words are shared by several members; ties go to the rarer word.
      const shared = (t: string) => members.filter((i) => vectors[i].has(t)).length
      const stems = [...weight.keys()]
        .sort((a, b) => shared(b) - shared(a) || weight.get(b)! - weight.get(a)! || a.localeCompare(b))
        .slice(0, labelTerms)
      const terms = stems.map((s) => {
        const forms = [...surface.get(s)!.entries()].sort((a, b) => b[1] - a[1] || a[0].length - b[0].length || a[0].localeCompare(b[0]))
        return forms[0][0]
      })
      const label = terms.length ? terms.map((t, i) => (i === 0 ? t[0].toUpperCase() + t.slice(1) : t)).join(' / ') : 'Theme'
      return { label, terms }
    },
  }
}

/** Clusters of notes that share words, named by those words ("Meetings / agenda"). */
export function suggestClusters(notes: readonly NoteText[], opts: ClusterOptions = {}): ClusterSuggestion[] {
  return suggestionsAt(wordsModel(notes, opts.labelTerms), opts.threshold)
}

/** Frames made by grouping notes into a theme carry this key in their meta. */
export const THEME_META = 'theme'

/** Most notes compared at once: the similarities of every pair take n² floats (36 MB here). */
export const MAX_CLUSTER_NOTES = 3000

/**
 * The notes to suggest clusters for, as the browser and GET /api/boards/:id/clusters both find
 * them: notes not yet in a theme frame, one bucket per container (a page, a template's frame),
 * each in stacking order. Takes plain tldraw records.
 */
export function unthemedNotes(
  shapes: readonly { id: string; type?: unknown; parentId?: unknown; index?: unknown; meta?: unknown }[],
  textOf: (shape: (typeof shapes)[number]) => string,
): Map<string, NoteText[]> {
  const byId = new Map(shapes.map((s) => [s.id, s]))
  const notes = shapes
    .filter((s) => s.type === 'note' && !(byId.get(String(s.parentId))?.meta as Record<string, unknown> | undefined)?.[THEME_META])
    .sort((a, b) => (String(a.index) < String(b.index) ? -1 : String(a.index) > String(b.index) ? 1 : 0))
  const buckets = new Map<string, NoteText[]>()
  for (const note of notes) {
    const bucket = buckets.get(String(note.parentId)) ?? []
    bucket.push({ id: note.id, text: textOf(note) })
    buckets.set(String(note.parentId), bucket)
  }
  return buckets
}

export interface Box {
  x: number
  y: number
  w: number
  h: number
}

/** Room above the notes for the frame's name, and around them so they do not touch the edge. */
export const FRAME_PADDING = 24

/** A frame's box around the given boxes with padding on every side. */
export function frameAround(boxes: readonly Box[], padding = FRAME_PADDING): Box {
  if (boxes.length === 0) throw new Error('frameAround needs at least one box')
  const minX = Math.min(...boxes.map((b) => b.x))
  const minY = Math.min(...boxes.map((b) => b.y))
  const maxX = Math.max(...boxes.map((b) => b.x + b.w))
  const maxY = Math.max(...boxes.map((b) => b.y + b.h))
  return { x: minX - padding, y: minY - padding, w: maxX - minX + 2 * padding, h: maxY - minY + 2 * padding }
}

/**
 * Positions for boxes packed in a near-square grid whose top-left is `origin`, in the given
 * order: used to gather a suggested cluster's scattered notes into one tidy theme.
 */
export function packGrid(
  sizes: readonly { w: number; h: number }[],
  origin: { x: number; y: number },
  gap = 16,
): { x: number; y: number }[] {
  const cols = Math.max(1, Math.ceil(Math.sqrt(sizes.length)))
  const colW = Math.max(0, ...sizes.map((s) => s.w))
  const rowHeights: number[] = []
  sizes.forEach((s, i) => {
    const r = Math.floor(i / cols)
    rowHeights[r] = Math.max(rowHeights[r] ?? 0, s.h)
  })
  const rowTop = rowHeights.map((_, r) => rowHeights.slice(0, r).reduce((sum, h) => sum + h + gap, 0))
  return sizes.map((_, i) => ({ x: origin.x + (i % cols) * (colW + gap), y: origin.y + rowTop[Math.floor(i / cols)] }))
}

export interface FrameGroup {
  /** Frame names from the outermost in, e.g. ["Vision", "Deployment"]; empty for loose notes. */
  path: string[]
  notes: string[]
  /** The notes' shape ids, in the same order as `notes`. */
  ids: string[]
}

/**
 * Notes grouped by the frames they sit in, for reports: frames in reading order (top to bottom,
 * then left to right), notes likewise; loose notes last. Takes plain tldraw records.
 */
export function notesByFrame(
  shapes: readonly { id: string; type?: unknown; parentId?: unknown; x?: unknown; y?: unknown; props?: unknown }[],
  textOf: (props: unknown) => string,
): FrameGroup[] {
  const byId = new Map(shapes.map((s) => [s.id, s]))
  const isFrame = (s: (typeof shapes)[number]) => s.type === 'frame'
  const nameOf = (frame: (typeof shapes)[number]) => String((frame.props as { name?: unknown })?.name ?? '')
  const groups = new Map<string, FrameGroup & { order: [number, number] }>()
  // Page position (frames are rarely rotated; rotation is ignored for ordering).
  const reading = (s: (typeof shapes)[number]): [number, number] =>
    [s, ...ancestorsOf(byId, s.parentId)].reduce<[number, number]>(([y, x], a) => [y + (Number(a.y) || 0), x + (Number(a.x) || 0)], [0, 0])
  const notes = shapes.filter((s) => s.type === 'note').sort((a, b) => reading(a)[0] - reading(b)[0] || reading(a)[1] - reading(b)[1])
  for (const note of notes) {
    // A note inside a tldraw group still belongs to the frame around that group.
    const frames = ancestorsOf(byId, note.parentId).filter(isFrame)
    const key = frames[0]?.id ?? ''
    const group = groups.get(key) ?? {
      path: frames.map(nameOf).reverse(),
      notes: [],
      ids: [],
      order: frames[0] ? reading(frames[0]) : [Infinity, Infinity],
    }
    group.notes.push(textOf(note.props))
    group.ids.push(note.id)
    groups.set(key, group)
  }
  return [...groups.values()]
    .sort((a, b) => a.order[0] - b.order[0] || a.order[1] - b.order[1])
    .map(({ path, notes, ids }) => ({ path, notes, ids }))
}
