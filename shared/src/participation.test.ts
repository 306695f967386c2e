import { afterEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { boardRecords, type JsonRecord } from './boardDoc.ts'
import {
  boardParticipants,
  commentCounts,
  formatDuration,
  invitation,
  participation,
  recordParticipant,
  withEditor,
  type ParticipationInput,
} from './participation.ts'
import { silentRoundCredits, type RoundState } from './privacy/brainstorm.ts'

const note = (id: string, meta: Record<string, unknown>): JsonRecord => ({
  id: `shape:${id}`,
  typeName: 'shape',
  type: 'note',
  meta,
  props: {},
})

/** A board as the client writes it: records in the YKeyValue, names in the participants map. */
function fixedDoc() {
  const doc = new Y.Doc()
  recordParticipant(doc, 'ana', { name: 'Ana', color: '#e03131' }, 1000)
  recordParticipant(doc, 'ben', { name: 'Ben', color: '#1971c2' }, 2000)
  recordParticipant(doc, 'cho', { name: 'Cho', color: '#2f9e44' }, 3000)
  recordParticipant(doc, 'dev', { name: 'Dev', color: '#f59f00' }, 4000)
  const records = boardRecords(doc)
  doc.transact(() => {
    records.set('shape:n1', note('n1', { createdBy: 'ana' }))
    records.set('shape:n2', note('n2', { createdBy: 'ana', editedBy: ['ben'] }))
    records.set('shape:n3', note('n3', { createdBy: 'ben' }))
    records.set('shape:n4', note('n4', {})) // published anonymously
    records.set('shape:n5', note('n5', { editedBy: ['cho'] })) // anonymous, edited: still nobody's note
    records.set('shape:f1', { id: 'shape:f1', typeName: 'shape', type: 'frame', meta: { createdBy: 'dev' }, props: {} })
    records.set('shape:t1', {
      id: 'shape:t1',
      typeName: 'shape',
      type: 'text',
      meta: { createdBy: 'ana', editedBy: ['ben', 'ben'] },
      props: {},
    })
  })
  return doc
}

function summarise(doc: Y.Doc, extra: Partial<Parameters<typeof participation>[0]> = {}) {
  return participation({
    shapes: [...boardRecords(doc).map.values()].map((e) => e.val),
    participants: boardParticipants(doc).toJSON(),
    present: [
      { id: 'cho', name: 'Cho', color: '#2f9e44' },
      { id: 'ben', name: 'Ben', color: '#1971c2' },
      { id: 'dev', name: 'Dev', color: '#f59f00' },
    ],
    now: 10_000,
    ...extra,
  })
}

describe('participation', () => {
  it('totals notes and edits per person from attribution on records; anonymous notes count for nobody', () => {
    const { rows } = summarise(fixedDoc())
    expect(rows.map((r) => [r.name, r.notes, r.edits, r.present])).toEqual([
      ['Ana', 2, 0, false],
      ['Ben', 1, 2, true],
      ['Cho', 0, 0, true],
      ['Dev', 0, 0, true],
    ])
  })

  it('invites the people here who have not been heard from yet, in arrival order, not by count', () => {
    const summary = summarise(fixedDoc())
    expect(summary.notHeardFrom.map((r) => r.name)).toEqual(['Cho', 'Dev'])
    // Ana is away: she is listed but not invited; placing a template frame is not a voice.
    expect(summary.rows.find((r) => r.id === 'ana')?.heard).toBe(true)
    expect(summary.rows.map((r) => r.id)).toEqual(['ana', 'ben', 'cho', 'dev'])
  })

  it('counts turns taken (raised hands, go-arounds): someone who spoke has been heard', () => {
    const summary = summarise(fixedDoc(), { turns: { cho: 2, dev: 0 } })
    expect(summary.rows.map((r) => [r.id, r.turns])).toEqual([
      ['ana', 0],
      ['ben', 0],
      ['cho', 2],
      ['dev', 0],
    ])
    expect(summary.notHeardFrom.map((r) => r.name)).toEqual(['Dev'])
  })

  it('counts votes and baton time only when that data exists', () => {
    const without = summarise(fixedDoc())
    expect([without.showVotes, without.showBaton]).toEqual([false, false])

    const summary = summarise(fixedDoc(), {
      votes: { dev: 3, cho: 0 },
      baton: [
        { participantId: 'ben', start: 1000, end: 4000 },
        { participantId: 'cho', start: 4000, end: 5000 },
        { participantId: 'ben', start: 5000 }, // still holding it at now = 10 000
      ],
    })
    expect([summary.showVotes, summary.showBaton]).toEqual([true, true])
    expect(summary.rows.map((r) => [r.id, r.votes, r.batonMs])).toEqual([
      ['ana', 0, 0],
      ['ben', 0, 8000],
      ['cho', 0, 1000],
      ['dev', 3, 0],
    ])
    // Voting is a voice; holding the baton alone is not.
    expect(summary.notHeardFrom.map((r) => r.id)).toEqual(['cho'])
  })

  it('names people who are here but not yet in the doc, and people who left after writing', () => {
    const doc = fixedDoc()
    boardRecords(doc).set('shape:n9', note('n9', { createdBy: 'ghost' }))
    const summary = summarise(doc, { present: [{ id: 'eve', name: 'Eve', color: '#6741d9' }] })
    expect(summary.rows.find((r) => r.id === 'eve')).toMatchObject({ name: 'Eve', present: true, heard: false })
    expect(summary.rows.find((r) => r.id === 'ghost')).toMatchObject({ name: 'Someone', notes: 1 })
  })
})

describe('participation after a silent round, and comments', () => {
  const revealed = (roundId: string, wrote: Record<string, number>): RoundState => ({
    roundId,
    prompt: 'What slows us down?',
    startedAt: 1000,
    endsAt: null,
    anonymous: true,
    revealedAt: 5000,
    pageId: 'page:page',
    anchor: { x: 0, y: 0 },
    wrote,
  })

  it('credits those who wrote in a revealed anonymous round from the counts shown during it, never via the notes', () => {
    const doc = fixedDoc()
    // The revealed notes carry no author.
    boardRecords(doc).set('shape:r1', note('r1', {}))
    boardRecords(doc).set('shape:r2', note('r2', {}))
    const silentRounds = silentRoundCredits({ round: revealed('b', { cho: 2, dev: 1 }), 'past:a': revealed('a', { cho: 1 }) })
    expect(silentRounds).toEqual({ cho: 2, dev: 1 })
    const summary = summarise(doc, { silentRounds })
    expect(summary.rows.map((r) => [r.id, r.notes, r.silentRounds, r.heard])).toEqual([
      ['ana', 2, 0, true],
      ['ben', 1, 0, true],
      ['cho', 0, 2, true],
      ['dev', 0, 1, true],
    ])
    expect(summary.notHeardFrom).toEqual([])
    expect(invitation(summary, 'ben', true)).toBe('')
  })

  it('does not credit a round still running, nor counts of zero', () => {
    const running = { ...revealed('c', { cho: 3 }), revealedAt: null }
    expect(silentRoundCredits({ round: running, 'past:a': revealed('a', { dev: 0 }), slots: { roundId: 'a', used: 3 } })).toEqual({})
  })

  it('counts comments as being heard', () => {
    const comments = commentCounts([{ by: 'cho', text: 'a' }, { by: 'cho' }, { text: 'unsigned' }, null])
    expect(comments).toEqual({ cho: 2 })
    const summary = summarise(fixedDoc(), { comments })
    expect(summary.rows.find((r) => r.id === 'cho')).toMatchObject({ comments: 2, heard: true })
    expect(summary.notHeardFrom.map((r) => r.id)).toEqual(['dev'])
  })

  it('counts those writing drafts in the running round as taking part', () => {
    const summary = summarise(fixedDoc(), { drafting: ['dev'] })
    expect(summary.rows.find((r) => r.id === 'dev')).toMatchObject({ drafting: true, heard: true })
    expect(invitation(summary, 'ben', true)).toBe('Not heard from yet: Cho. Invite them in?')
  })
})

describe('invitation', () => {
  it('never names anyone who contributed in any way, whatever the mix', () => {
    const ways: ((id: string) => Partial<ParticipationInput>)[] = [
      (id) => ({ turns: { [id]: 1 } }),
      (id) => ({ votes: { [id]: 1 } }),
      (id) => ({ comments: { [id]: 1 } }),
      (id) => ({ silentRounds: { [id]: 1 } }),
      (id) => ({ drafting: [id] }),
    ]
    const merge = (a: Partial<ParticipationInput>, b: Partial<ParticipationInput>) => {
      const out: Record<string, unknown> = { ...a }
      for (const [k, v] of Object.entries(b)) {
        const before = out[k]
        out[k] = Array.isArray(v) ? [...((before as string[]) ?? []), ...v] : { ...(before as object), ...(v as object) }
      }
      return out as Partial<ParticipationInput>
    }
    for (const cho of ways) {
      for (const dev of ways) {
        // Ben wrote notes, Ana is away: with Cho and Dev heard there is nobody to invite.
        const summary = summarise(fixedDoc(), merge(cho('cho'), dev('dev')))
        expect(invitation(summary, 'ben', true)).toBe('')
        expect(invitation(summary, 'cho', true)).toBe('')
      }
      expect(invitation(summarise(fixedDoc(), cho('cho')), 'ben', true)).toBe('Not heard from yet: Dev. Invite them in?')
    }
  })

  it('invites only people here; speaks to me in the second person; says nothing to a viewer about themselves', () => {
    const summary = summarise(fixedDoc())
    expect(invitation(summary, 'ben', true)).toBe('Not heard from yet: Cho, Dev. Invite them in?')
    expect(invitation(summary, 'cho', true)).toBe('Not heard from yet: Dev. Invite them in?')
    const onlyMe = summarise(fixedDoc(), { turns: { dev: 1 } })
    expect(invitation(onlyMe, 'cho', true)).toBe('You have not added anything yet: jump in whenever you are ready.')
    expect(invitation(onlyMe, 'cho', false)).toBe('')
  })
})

describe('time in participation', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('measures an open baton interval up to the given server time, whatever the device clock says', () => {
    const input = { baton: [{ participantId: 'ben', start: 1000 }], now: 41_000 }
    const rightClock = summarise(fixedDoc(), input).rows.find((r) => r.id === 'ben')!.batonMs
    vi.useFakeTimers({ now: 41_000 + 7 * 60_000 })
    const fastClock = summarise(fixedDoc(), input).rows.find((r) => r.id === 'ben')!.batonMs
    expect([rightClock, fastClock]).toEqual([40_000, 40_000])
    expect(formatDuration(fastClock)).toBe('1 min')
  })
})

describe('recordParticipant', () => {
  it('keeps the first-seen time and writes only on change', () => {
    const doc = new Y.Doc()
    recordParticipant(doc, 'ana', { name: 'Ana', color: 'red' }, 1)
    let writes = 0
    doc.on('update', () => writes++)
    recordParticipant(doc, 'ana', { name: 'Ana', color: 'red' }, 2)
    expect(writes).toBe(0)
    recordParticipant(doc, 'ana', { name: 'Ana B', color: 'red' }, 3)
    expect(boardParticipants(doc).get('ana')).toEqual({ name: 'Ana B', color: 'red', firstSeen: 1 })
  })
})

describe('withEditor', () => {
  it('adds other editors once, never the creator, never on anonymous shapes', () => {
    expect(withEditor({ createdBy: 'ana' }, 'ben')).toEqual(['ben'])
    expect(withEditor({ createdBy: 'ana', editedBy: ['ben'] }, 'ben')).toBeUndefined()
    expect(withEditor({ createdBy: 'ana' }, 'ana')).toBeUndefined()
    expect(withEditor({}, 'ben')).toBeUndefined()
  })
})

it('formats baton time for people', () => {
  expect([0, 20_000, 12 * 60_000, 65 * 60_000].map(formatDuration)).toEqual(['0 min', '<1 min', '12 min', '1 h 05 min'])
})
