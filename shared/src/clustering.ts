/**
 * Sense-making rules for sticky notes: suggesting clusters of similar notes from their text
 * (TF-IDF vectors, cosine similarity, average-linkage agglomeration with a threshold), and the
 * geometry of wrapping notes in a frame. Pure and local: no network, no model.
 */

import { ancestorsOf } from './shapeTree.ts'

export interface NoteText {
  id: string
  text: string
}

export interface ClusterSuggestion {
  /** Note ids in input order. */
  ids: string[]
  /** A suggested name from the cluster's most characteristic words, e.g. "Meetings / agenda". */
  label: string
  /** Those words, most characteristic first. */
  terms: string[]
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
    'you your yours maybe need needs make makes made want lot lots thing things way ways new better good more less every many'
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

type Vector = Map<string, number>

function cosine(a: Vector, b: Vector): number {
  let dot = 0
  let na = 0
  let nb = 0
  for (const [t, v] of a) {
    na += v * v
    const w = b.get(t)
    if (w) dot += v * w
  }
  for (const v of b.values()) nb += v * v
  return dot === 0 ? 0 : dot / Math.sqrt(na * nb)
}

export function suggestClusters(notes: readonly NoteText[], opts: ClusterOptions = {}): ClusterSuggestion[] {
  const threshold = opts.threshold ?? 0.2
  const labelTerms = opts.labelTerms ?? 2

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
  const vectors: Vector[] = tokens.map((ts) => {
    const v: Vector = new Map()
    for (const t of ts) v.set(t, (v.get(t) ?? 0) + 1)
    for (const [t, tf] of v) v.set(t, tf * idf(t))
    return v
  })

  // Average-linkage agglomeration: merge the two most similar groups while they are similar
  // enough. Unlike connected components this does not chain unrelated notes through one link.
  const sim = vectors.map((a) => vectors.map((b) => cosine(a, b)))
  let groups: { members: number[] }[] = notes.map((_, i) => ({ members: [i] }))
  // link[i][j]: average similarity between groups i and j (Lance–Williams update on merge).
  const link = sim.map((row) => row.slice())
  for (;;) {
    let best = -1
    let bi = -1
    let bj = -1
    for (let i = 0; i < groups.length; i++) {
      for (let j = i + 1; j < groups.length; j++) {
        if (link[i][j] > best) [best, bi, bj] = [link[i][j], i, j]
      }
    }
    if (bi < 0 || best < threshold) break
    const si = groups[bi].members.length
    const sj = groups[bj].members.length
    for (let k = 0; k < groups.length; k++) {
      const merged = (si * link[bi][k] + sj * link[bj][k]) / (si + sj)
      link[bi][k] = merged
      link[k][bi] = merged
    }
    groups[bi] = { members: [...groups[bi].members, ...groups[bj].members].sort((a, b) => a - b) }
    groups = groups.filter((_, k) => k !== bj)
    link.splice(bj, 1)
    for (const row of link) row.splice(bj, 1)
  }

  return groups
    .filter((g) => g.members.length > 1)
    .sort((a, b) => a.members[0] - b.members[0])
    .map((g) => {
      const weight = new Map<string, number>()
      for (const i of g.members) {
        for (const [t, v] of vectors[i]) weight.set(t, (weight.get(t) ?? 0) + v)
      }
      // Characteristic words are shared by several members; ties go to the rarer word.
      const shared = (t: string) => g.members.filter((i) => vectors[i].has(t)).length
      const stems = [...weight.keys()]
        .sort((a, b) => shared(b) - shared(a) || weight.get(b)! - weight.get(a)! || a.localeCompare(b))
        .slice(0, labelTerms)
      const terms = stems.map((s) => {
        const forms = [...surface.get(s)!.entries()].sort((a, b) => b[1] - a[1] || a[0].length - b[0].length || a[0].localeCompare(b[0]))
        return forms[0][0]
      })
      const label = terms.length ? terms.map((t, i) => (i === 0 ? t[0].toUpperCase() + t.slice(1) : t)).join(' / ') : 'Theme'
      return { ids: g.members.map((i) => notes[i].id), label, terms }
    })
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
