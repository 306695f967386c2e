import fs from 'node:fs'
import { describe, expect, it } from 'vitest'
import { DEFAULT_SIMILARITY, suggestionsAt } from './clusterTree.ts'
import { wordsModel } from './clustering.ts'
import { meaningModel, parseWordVectors } from './wordVectors.ts'

const table = parseWordVectors(fs.readFileSync(new URL('../vectors/word-vectors-en.bin', import.meta.url)))
const notes = (...texts: string[]) => texts.map((text, i) => ({ id: `n${i}`, text }))
const groups = (texts: string[], similarity = DEFAULT_SIMILARITY) =>
  suggestionsAt(meaningModel(notes(...texts), table), similarity).map((s) => s.ids.map((id) => texts[Number(id.slice(1))]))

describe('clusters by meaning', () => {
  it('groups notes that mean the same thing although they share no word, which shared words cannot', () => {
    const texts = [
      'Fresh fruit in the kitchen',
      'Hire two senior engineers',
      'Public transport pass',
      'Healthier snacks',
      'Recruit a data scientist',
      'Shuttle bus from the station',
    ]
    expect(groups(texts)).toEqual([
      ['Fresh fruit in the kitchen', 'Healthier snacks'],
      ['Hire two senior engineers', 'Recruit a data scientist'],
      ['Public transport pass', 'Shuttle bus from the station'],
    ])
    expect(suggestionsAt(wordsModel(notes(...texts)))).toEqual([])
  })

  it('weighs a common word little: two notes that are only both "slow" stay apart once the slider asks for more', () => {
    const texts = ['Code reviews wait for days', 'Build times are slow', 'PR reviews are slow']
    expect(groups(texts, 0.3)).toEqual([['Code reviews wait for days', 'PR reviews are slow']])
  })

  it('notes that repeat a word the table lacks still meet, as by shared words', () => {
    expect(groups(['k8s upgrade failed', 'Lunch was great', 'k8s upgrades are scary'])).toEqual([
      ['k8s upgrade failed', 'k8s upgrades are scary'],
    ])
  })

  it('labels a group with a word from its notes, as written', () => {
    const [suggestion] = suggestionsAt(
      meaningModel(notes('Budget for courses and books', 'Lunch and learn sessions', 'Send people to courses'), table),
    )
    expect(suggestion.ids).toEqual(['n0', 'n1', 'n2'])
    expect(suggestion.label).toBe('Courses')
  })

  it('labels a group as a person would head it: a phrase several notes use, as most wrote it, over a single word', () => {
    const label = (...texts: string[]) => suggestionsAt(meaningModel(notes(...texts), table), 0.1).map((s) => s.label)
    expect(label('More meeting rooms', 'Cameras in every meeting room', 'Book the meeting rooms earlier')).toEqual(['Meeting rooms'])
    expect(label('Code reviews wait for days', 'PR reviews are slow', 'Nobody picks up code reviews')).toEqual(['Code reviews'])
    // "explained" is nearer the group's meaning than most words, but reads as a verb, not a theme.
    expect(label('Goals for the quarter were never explained', 'Unclear priorities from product', 'Priorities change every week')).toEqual([
      'Priorities',
    ])
  })

  it('a note without words, or no notes at all, makes no suggestion', () => {
    expect(groups(['', '!!!', 'Healthier snacks'])).toEqual([])
    expect(groups([])).toEqual([])
  })

  it('refuses bytes that are not a table', () => {
    expect(() => parseWordVectors(new TextEncoder().encode('not a table at all'))).toThrow(/not a word-vector table/)
    const bytes = fs.readFileSync(new URL('../vectors/word-vectors-en.bin', import.meta.url))
    expect(() => parseWordVectors(bytes.subarray(0, 1000))).toThrow(/truncated/)
  })
})
