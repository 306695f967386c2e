import { describe, expect, it } from 'vitest'
import { toRichText } from 'tldraw'
import { richTextToPlain, shapeText } from './richText.ts'

describe('richTextToPlain', () => {
  it('reads what tldraw writes for plain text, including several lines', () => {
    expect(richTextToPlain(toRichText('Hello'))).toBe('Hello')
    expect(richTextToPlain(toRichText('first line\nsecond line'))).toBe('first line\nsecond line')
  })

  it('joins marks into words, keeps hard breaks and bullet lists on their own lines', () => {
    const doc = {
      type: 'doc',
      content: [
        {
          type: 'paragraph',
          content: [
            { type: 'text', text: 'Ship ' },
            { type: 'text', text: 'weekly', marks: [{ type: 'bold' }] },
          ],
        },
        { type: 'paragraph', content: [{ type: 'text', text: 'a' }, { type: 'hardBreak' }, { type: 'text', text: 'b' }] },
        {
          type: 'bulletList',
          content: [
            { type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'one' }] }] },
            { type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'two' }] }] },
          ],
        },
      ],
    }
    expect(richTextToPlain(doc)).toBe('Ship weekly\na\nb\n• one\n• two')
  })

  it('survives junk a peer could have written', () => {
    expect(richTextToPlain(null)).toBe('')
    expect(richTextToPlain({ type: 'doc', content: 'nope' })).toBe('')
    expect(shapeText({ text: ' legacy ' })).toBe('legacy')
    expect(shapeText(undefined)).toBe('')
  })
})
