/**
 * Plain-JSON tldraw shape records, so shared/ needs no tldraw at runtime. The shapes follow
 * tldraw 5's schema (text lives in `richText`); the unit tests validate them against the real
 * schema.
 */
export interface ShapeRecord {
  id: string
  typeName: 'shape'
  type: string
  x: number
  y: number
  rotation: number
  index: string
  parentId: string
  isLocked: boolean
  opacity: number
  meta: Record<string, unknown>
  props: Record<string, unknown>
}

/** Returns a fresh shape id (`shape:...`); the client passes tldraw's createShapeId. */
export type IdGenerator = () => string

export interface Point {
  x: number
  y: number
}

export interface RichText {
  type: 'doc'
  content: { type: 'paragraph'; content?: { type: 'text'; text: string }[] }[]
}

/** tldraw's rich-text document for plain text, one paragraph per line. */
export function richText(text: string): RichText {
  return {
    type: 'doc',
    content: text
      .split('\n')
      .map((line) => (line ? { type: 'paragraph', content: [{ type: 'text', text: line }] } : { type: 'paragraph' })),
  }
}

/** Plain text of a rich-text document (paragraphs joined by newlines). */
export function plainText(doc: unknown): string {
  const lines: string[] = []
  const walk = (node: unknown, line: string[]): void => {
    if (!node || typeof node !== 'object') return
    const n = node as { type?: string; text?: unknown; content?: unknown }
    if (n.type === 'text' && typeof n.text === 'string') line.push(n.text)
    if (Array.isArray(n.content)) for (const child of n.content) walk(child, line)
  }
  const root = doc as { content?: unknown }
  if (!root || !Array.isArray(root.content)) return ''
  for (const block of root.content) {
    const line: string[] = []
    walk(block, line)
    lines.push(line.join(''))
  }
  return lines.join('\n')
}

/**
 * Fractional index keys 'a1', 'a2', ... in order: valid tldraw IndexKeys for up to 61 siblings,
 * plenty for a template. The client re-keys top-level shapes above what the page already holds.
 */
const DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
export function indexKey(i: number): string {
  if (i < 0 || i >= DIGITS.length - 1) throw new Error(`index ${i} out of range`)
  return `a${DIGITS[i + 1]}`
}
