import fs from 'node:fs'
import path from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

/**
 * Meaning never rests on a colour emoji font (DESIGN.md): without one, an emoji is an empty box.
 * The interface's words and icons (client/src/icons.tsx) carry it; emoji are left only where they
 * are the content: the reactions, which come from shared/src/facilitation/signals.ts.
 */
const ROOT = path.resolve(import.meta.dirname, '../..')
const SOURCES = ['client/src', 'shared/src']
// Exports keep plain text (arrows in the Markdown report); reactions are emoji by nature.
const SKIPPED = ['shared/src/export/', 'shared/src/facilitation/signals.ts']

/** Pictographs and the symbol blocks used as icons (arrows, geometric shapes, dingbats), and the emoji presentation selector. */
const EMOJI = /[\p{Extended_Pictographic}\u{2190}-\u{21FF}\u{2300}-\u{23FF}\u{25A0}-\u{25FF}\u{2600}-\u{27BF}\u{2B00}-\u{2BFF}]|\u{FE0F}/u

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`
    if (e.isDirectory()) return sourceFiles(rel)
    return /\.(tsx?|css)$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) && !SKIPPED.some((s) => rel.startsWith(s)) ? [rel] : []
  })
}

/** The text a file can show: string and template literals and JSX text in code, `content` values in CSS; never comments. */
function shownStrings(file: string): string[] {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8')
  if (file.endsWith('.css')) return [...text.replace(/\/\*[\s\S]*?\*\//g, '').matchAll(/content:\s*([^;]+)/g)].map((m) => m[1])
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS)
  const found: string[] = []
  const visit = (node: ts.Node) => {
    if (ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node) || ts.isJsxText(node)) found.push(node.text)
    node.forEachChild(visit)
  }
  visit(source)
  return found
}

describe('no emoji carries meaning in the interface', () => {
  it('finds what it looks for', () => {
    for (const s of ['🎙️', '✋ Raise hand', 'Next ▶', '🔒', 'Templates ▾', '●']) expect(s).toMatch(EMOJI)
    for (const s of ['Raise hand', '1×', 'Reading…', '“quoted” – text', '−']) expect(s).not.toMatch(EMOJI)
  })

  it('client and shared sources show none outside the reactions', () => {
    const files = SOURCES.flatMap(sourceFiles)
    expect(files).toContain('client/src/facilitation/PeoplePanel.tsx')
    const offending = files.flatMap((f) =>
      shownStrings(f)
        .filter((s) => EMOJI.test(s))
        .map((s) => `${f}: ${JSON.stringify(s.trim())}`),
    )
    expect(offending).toEqual([])
  })
})
