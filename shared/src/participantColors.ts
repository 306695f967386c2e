/** The colours people pick from for their cursor and name (the name dialog's swatches). */
export const PARTICIPANT_COLORS = ['#e03131', '#f76707', '#f59f00', '#2f9e44', '#0c8599', '#1971c2', '#6741d9', '#c2255c'] as const

export interface ColorHolder {
  id: string
  name: string
  color: string
}

/**
 * Who holds which colour on a board, by colour (lower case): everyone known to the board and
 * everyone here now, once each, except `selfId`. Names in the order given.
 */
export function colorsTaken(people: Iterable<ColorHolder>, selfId: string): Map<string, string[]> {
  const taken = new Map<string, string[]>()
  const seen = new Set<string>([selfId])
  for (const p of people) {
    if (seen.has(p.id) || typeof p.color !== 'string') continue
    seen.add(p.id)
    const color = p.color.toLowerCase()
    taken.set(color, [...(taken.get(color) ?? []), p.name])
  }
  return taken
}

/**
 * A newcomer's default colour: one of the palette's least used on the board. Among equally
 * used colours the choice depends on `seed` (the newcomer's id), so two people arriving at
 * once on an empty board are unlikely to get the same one, and one person always gets the same.
 */
export function leastUsedColor(
  taken: ReadonlyMap<string, readonly string[]>,
  seed: string,
  palette: readonly string[] = PARTICIPANT_COLORS,
): string {
  const uses = palette.map((c) => taken.get(c.toLowerCase())?.length ?? 0)
  const fewest = Math.min(...uses)
  const candidates = palette.filter((_, i) => uses[i] === fewest)
  let hash = 0
  for (const ch of seed) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0
  return candidates[hash % candidates.length]
}
