/**
 * tldraw 5 stores text as TipTap JSON (`richText`): a `doc` of blocks (paragraphs, lists,
 * headings) holding inline `text` nodes. Reports need it as plain text, one block per line.
 */
interface RichNode {
  type?: unknown
  text?: unknown
  content?: unknown
}

const BLOCKS = new Set(['paragraph', 'heading', 'listItem', 'blockquote', 'codeBlock'])
/** Deeper than any editor nests; a peer can write anything, and the walk must not overflow the stack. */
const MAX_DEPTH = 64

export function richTextToPlain(richText: unknown): string {
  const lines: string[] = []
  let line = ''
  const flush = () => {
    lines.push(line)
    line = ''
  }
  const walk = (node: RichNode, listDepth: number, depth = 0) => {
    if (!node || typeof node !== 'object' || depth > MAX_DEPTH) return
    if (node.type === 'text' && typeof node.text === 'string') {
      line += node.text
      return
    }
    if (node.type === 'hardBreak') return flush()
    const children = Array.isArray(node.content) ? (node.content as RichNode[]) : []
    const isList = node.type === 'bulletList' || node.type === 'orderedList'
    if (node.type === 'listItem') line += `${'  '.repeat(Math.max(0, listDepth - 1))}• `
    children.forEach((child, i) => {
      walk(child, listDepth + (isList ? 1 : 0), depth + 1)
      // A list item's first paragraph shares the bullet's line; blocks end their line.
      if (BLOCKS.has(String(child?.type)) && child.type !== 'listItem' && (node.type !== 'listItem' || i < children.length - 1)) flush()
      else if (child?.type === 'listItem' && line) flush()
    })
  }
  walk(richText as RichNode, 0)
  if (line) flush()
  // Drop the trailing empty lines that nested blocks leave behind.
  while (lines.length && lines[lines.length - 1].trim() === '') lines.pop()
  return lines.join('\n')
}

/** The text of a shape's props: tldraw 5's `richText`, or a plain `text` from older records. */
export function shapeText(props: unknown): string {
  const p = (props ?? {}) as { richText?: unknown; text?: unknown }
  if (p.richText) return richTextToPlain(p.richText).trim()
  return typeof p.text === 'string' ? p.text.trim() : ''
}
