/**
 * How close suggested clusters come to the groups a facilitator made (tests/fixtures/
 * workshop-notes.json): pairwise precision and recall (of the note pairs put together, how many
 * belong together; of those that belong together, how many were put together) and the adjusted
 * Rand index (1 = the same grouping, 0 = no better than chance). A note in no cluster stands alone.
 */
import fs from 'node:fs'
import path from 'node:path'
import type { NoteText } from '@roundtable/shared'

export interface Workshop {
  name: string
  notes: NoteText[]
  /** Each note's facilitator group (a note alone has a group of its own). */
  truth: Map<string, string>
}

export function loadWorkshops(): Workshop[] {
  const file = path.resolve(import.meta.dirname, '../fixtures/workshop-notes.json')
  const data = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    workshops: { name: string; groups: { label: string; notes: string[] }[]; alone: string[] }[]
  }
  return data.workshops.map((w, wi) => {
    const truth = new Map<string, string>()
    const notes: NoteText[] = []
    const add = (text: string, group: string) => {
      const id = `w${wi}n${notes.length}`
      notes.push({ id, text })
      truth.set(id, group)
    }
    w.groups.forEach((g) => g.notes.forEach((t) => add(t, g.label)))
    w.alone.forEach((t, i) => add(t, `alone ${i}`))
    // Boards are not sorted by theme: interleave the notes as people would stick them up.
    notes.sort((a, b) => hash(a.text) - hash(b.text))
    return { name: w.name, notes, truth }
  })
}

function hash(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  return h >>> 0
}

export interface Score {
  precision: number
  recall: number
  ari: number
  pairs: { tp: number; fp: number; fn: number; total: number }
}

/** Pools the note pairs of every workshop (each is a board of its own) into one score. */
export function score(runs: { truth: Map<string, string>; clusters: string[][] }[]): Score {
  let [tp, fp, fn, total] = [0, 0, 0, 0]
  // ARI from pair counts: same-in-both (tp), same only in suggestions (fp), same only in truth (fn).
  for (const { truth, clusters } of runs) {
    const found = new Map<string, number>()
    clusters.forEach((c, i) => c.forEach((id) => found.set(id, i)))
    const ids = [...truth.keys()]
    for (let i = 0; i < ids.length; i++) {
      for (let j = i + 1; j < ids.length; j++) {
        const same = truth.get(ids[i]) === truth.get(ids[j])
        const put = found.has(ids[i]) && found.get(ids[i]) === found.get(ids[j])
        total++
        if (same && put) tp++
        else if (put) fp++
        else if (same) fn++
      }
    }
  }
  const expected = ((tp + fp) * (tp + fn)) / total
  const max = (tp + fp + (tp + fn)) / 2
  return {
    precision: tp + fp ? tp / (tp + fp) : 1,
    recall: tp + fn ? tp / (tp + fn) : 1,
    ari: max === expected ? 1 : (tp - expected) / (max - expected),
    pairs: { tp, fp, fn, total },
  }
}
