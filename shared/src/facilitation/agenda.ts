/**
 * The agenda: phases kept in a map by id, each with a numeric `order`. Order is a number so a
 * move rewrites one item (the midpoint between its new neighbours) instead of the whole list,
 * and concurrent moves by two people never duplicate or lose a phase.
 */
export interface AgendaItem {
  id: string
  title: string
  /** Timebox in minutes; starting the phase starts a timer this long. */
  minutes?: number
  notes?: string
  order: number
}

export const MAX_TITLE_LENGTH = 120
export const MAX_NOTES_LENGTH = 2000

/** Display order: by `order`, ties (two people adding at once) broken by id. */
export function sortAgenda(items: readonly AgendaItem[]): AgendaItem[] {
  return [...items].sort((a, b) => a.order - b.order || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}

export function orderAtEnd(items: readonly AgendaItem[]): number {
  return items.reduce((max, i) => Math.max(max, i.order), 0) + 1
}

/** The new `order` for moving an item one place up (-1) or down (+1); undefined at an end. */
export function orderForMove(items: readonly AgendaItem[], id: string, direction: -1 | 1): number | undefined {
  const sorted = sortAgenda(items)
  const i = sorted.findIndex((x) => x.id === id)
  if (i < 0) return undefined
  const j = i + direction
  if (j < 0 || j >= sorted.length) return undefined
  // Land past the neighbour: between it and the one beyond it (or one step past an end).
  const neighbour = sorted[j].order
  const beyond = sorted[j + direction]
  return beyond ? (neighbour + beyond.order) / 2 : neighbour + direction
}

/** The phase after (+1) or before (-1) the current one; with none current, the first. */
export function adjacentPhase(items: readonly AgendaItem[], currentId: string | undefined, direction: -1 | 1): AgendaItem | undefined {
  const sorted = sortAgenda(items)
  const i = currentId ? sorted.findIndex((x) => x.id === currentId) : -1
  if (i < 0) return direction === 1 ? sorted[0] : undefined
  return sorted[i + direction]
}

/** Cleans what a person typed into an agenda item; throws a readable error when unusable. */
export function normalizeItem(input: {
  title: string
  minutes?: number | string
  notes?: string
}): Pick<AgendaItem, 'title' | 'minutes' | 'notes'> {
  const title = input.title.trim().slice(0, MAX_TITLE_LENGTH)
  if (!title) throw new Error('A phase needs a title')
  const out: Pick<AgendaItem, 'title' | 'minutes' | 'notes'> = { title }
  const rawMinutes = typeof input.minutes === 'string' ? input.minutes.trim() : input.minutes
  if (rawMinutes !== undefined && rawMinutes !== '') {
    const minutes = Number(rawMinutes)
    if (!Number.isFinite(minutes) || minutes <= 0 || minutes > 720) throw new Error('The timebox must be between 1 and 720 minutes')
    out.minutes = Math.round(minutes * 10) / 10
  }
  const notes = input.notes?.trim().slice(0, MAX_NOTES_LENGTH)
  if (notes) out.notes = notes
  return out
}

export function readAgendaItem(id: string, value: unknown): AgendaItem | undefined {
  if (!value || typeof value !== 'object') return undefined
  const v = value as Record<string, unknown>
  if (typeof v.title !== 'string' || typeof v.order !== 'number' || !Number.isFinite(v.order)) return undefined
  const item: AgendaItem = { id, title: v.title, order: v.order }
  if (typeof v.minutes === 'number' && v.minutes > 0) item.minutes = v.minutes
  if (typeof v.notes === 'string' && v.notes) item.notes = v.notes
  return item
}
