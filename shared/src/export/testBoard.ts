/**
 * A fixed board for tests: real tldraw records (validated by tldraw's own store), people,
 * an agenda and a session log with fixed times. Test-only: it imports tldraw.
 */
import * as Y from 'yjs'
import {
  createBindingId,
  createShapeId,
  createTLStore,
  defaultBindingUtils,
  defaultShapeUtils,
  DocumentRecordType,
  PageRecordType,
  TLDOCUMENT_ID,
  toRichText,
  type TLRecord,
  type TLStore,
} from 'tldraw'
import { boardMeta, type JsonRecord } from '../boardDoc.ts'
import { boardParticipants } from '../participation.ts'
import { agendaMap, sessionLog } from '../facilitationDoc.ts'
import { votesMap } from '../privacy/brainstorm.ts'
import type { VoteState } from '../privacy/voting.ts'
import { replaceBoardContent } from './boardFile.ts'
import { indexKey } from '../templates/records.ts'
import { addComment, commentsMap, setResolved } from '../outcomes/comments.ts'
import { markOutcome, setDone, setDueDate, volunteer } from '../outcomes/decisions.ts'

export const T0 = Date.UTC(2025, 2, 14, 9, 0) // 14 March 2025, 09:00 UTC
const MIN = 60_000

export const newTestStore = () => createTLStore({ shapeUtils: defaultShapeUtils, bindingUtils: defaultBindingUtils })

function defaults(type: string): Record<string, unknown> {
  const Util = defaultShapeUtils.find((u) => u.type === type)!
  return new Util(null as never).getDefaultProps() as unknown as Record<string, unknown>
}

let index = 0
function shape(
  store: TLStore,
  id: string,
  type: string,
  parentId: string,
  x: number,
  y: number,
  props: Record<string, unknown> = {},
  meta = {},
) {
  return store.schema.types.shape.create({
    id: createShapeId(id),
    type,
    parentId,
    index: indexKey(index++),
    x,
    y,
    props: { ...defaults(type), ...props },
    meta,
  } as never)
}

/** The fixed board's tldraw records, put through a real store (which validates each one). */
export function testBoardRecords(): { store: TLStore; records: TLRecord[] } {
  index = 0
  const store = newTestStore()
  const page = 'page:workshop'
  const note = (id: string, parent: string, x: number, y: number, text: string, by = 'p-ana') =>
    shape(store, id, 'note', parent, x, y, { richText: toRichText(text) }, { createdBy: by })
  store.put([
    DocumentRecordType.create({ id: TLDOCUMENT_ID }),
    PageRecordType.create({ id: page as never, name: 'Workshop', index: 'a1' as never }),
    shape(store, 'vision', 'frame', page, 0, 0, { name: 'Vision', w: 900, h: 600 }),
    shape(store, 'deploy', 'frame', 'shape:vision', 40, 300, { name: 'Deployment', w: 600, h: 260 }),
    shape(store, 'risks', 'frame', page, 1000, 0, { name: 'Risks', w: 500, h: 400 }),
    note('v1', 'shape:vision', 40, 60, 'Ship every week'),
    note('v2', 'shape:vision', 300, 60, 'Customers *love* the new onboarding', 'p-ben'),
    note('d1', 'shape:deploy', 20, 40, 'Automate the pipeline'),
    note('d2', 'shape:deploy', 260, 40, 'Deploys take hours\nand break on Fridays', 'p-cem'),
    note('r1', 'shape:risks', 20, 40, 'Key person leaves', 'p-ben'),
    note('loose', page, 200, 900, '# not a heading'),
    shape(store, 'title', 'text', page, 0, -120, { richText: toRichText('Team offsite 2025') }),
    shape(store, 'arrow', 'arrow', page, 0, 0, { richText: toRichText('leads to') }),
  ] as TLRecord[])
  const arrowEnd = (terminal: 'start' | 'end', to: string) => ({
    id: createBindingId(`arrow-${terminal}`),
    typeName: 'binding',
    type: 'arrow',
    fromId: createShapeId('arrow'),
    toId: createShapeId(to),
    meta: {},
    props: { terminal, normalizedAnchor: { x: 0.5, y: 0.5 }, isExact: false, isPrecise: false, snap: 'none' },
  })
  store.put([arrowEnd('start', 'd1'), arrowEnd('end', 'v1')] as unknown as TLRecord[])
  return { store, records: store.allRecords() }
}

/** The fixed board as a Roundtable doc, with people, an agenda, a session log and votes. */
export function testBoardDoc(): Y.Doc {
  const { store, records } = testBoardRecords()
  const doc = new Y.Doc()
  replaceBoardContent(doc, { records: records as unknown as JsonRecord[] }, { schema: store.schema.serialize(), title: 'Q2 planning' })
  doc.transact(() => {
    boardMeta(doc).set('createdAt', T0 - 60 * MIN)
    const people = boardParticipants(doc)
    people.set('p-ana', { name: 'Ana', color: '#e03131', firstSeen: T0 })
    people.set('p-ben', { name: 'Ben', color: '#1971c2', firstSeen: T0 + MIN })
    people.set('p-cem', { name: 'Cem', color: '#2f9e44', firstSeen: T0 + 2 * MIN })
    const agenda = agendaMap(doc)
    agenda.set('ph-checkin', { title: 'Check-in', minutes: 5, order: 1 })
    agenda.set('ph-ideas', { title: 'Silent ideas', minutes: 15, notes: 'One idea per note', order: 2 })
    agenda.set('ph-vote', { title: 'Vote', order: 3 })
    sessionLog(doc).push([
      { id: 'e1', kind: 'baton.take', at: T0 + 5 * MIN, by: 'p-ana', byName: 'Ana' },
      {
        id: 'e2',
        kind: 'phase.start',
        at: T0 + 6 * MIN,
        by: 'p-ana',
        byName: 'Ana',
        phaseId: 'ph-checkin',
        phaseTitle: 'Check-in',
        durationMs: 5 * MIN,
      },
      { id: 'e3', kind: 'baton.pass', at: T0 + 12 * MIN, by: 'p-ana', byName: 'Ana', to: 'p-ben', toName: 'Ben' },
      {
        id: 'e4',
        kind: 'phase.start',
        at: T0 + 13 * MIN,
        by: 'p-ben',
        byName: 'Ben',
        phaseId: 'ph-ideas',
        phaseTitle: 'Silent ideas',
        durationMs: 15 * MIN,
      },
      { id: 'e5', kind: 'baton.drop', at: T0 + 30 * MIN, by: 'p-ben', byName: 'Ben' },
    ])
    // A closed vote over every note, then a second one still open (its live totals are interim).
    const notes = ['v1', 'v2', 'd1', 'd2', 'r1', 'loose'].map((id) => `shape:${id}`)
    const vote = { perPerson: 3, allowMultiple: true, showLive: false, endsAt: null, shapeIds: notes }
    votesMap(doc).set('vote-1', {
      ...vote,
      id: 'vote-1',
      startedAt: T0 + 31 * MIN,
      status: 'closed',
      closedAt: T0 + 36 * MIN,
      voterCount: 3,
      totals: { 'shape:v1': 1, 'shape:v2': 3, 'shape:d1': 0, 'shape:d2': 2, 'shape:r1': 0, 'shape:loose': 0 },
    } satisfies VoteState)
    votesMap(doc).set('vote-2', {
      ...vote,
      id: 'vote-2',
      showLive: true,
      startedAt: T0 + 40 * MIN,
      status: 'open',
      voterCount: 1,
      totals: { 'shape:v1': 0, 'shape:v2': 0, 'shape:d1': 1, 'shape:d2': 0, 'shape:r1': 0, 'shape:loose': 0 },
    } satisfies VoteState)
  })
  addOutcomesAndThreads(doc)
  return doc
}

/** Decisions, actions and comment threads on the fixed board, one of them on a note since removed. */
function addOutcomesAndThreads(doc: Y.Doc) {
  const [ana, ben, cem] = [
    { id: 'p-ana', name: 'Ana' },
    { id: 'p-ben', name: 'Ben' },
    { id: 'p-cem', name: 'Cem' },
  ]
  const at = (m: number) => T0 + m * MIN
  markOutcome(doc, ana, 'shape:v2', 'decision', at(37))
  markOutcome(doc, ben, 'shape:d1', 'action', at(38))
  volunteer(doc, cem, 'shape:d1', true, at(39))
  volunteer(doc, ben, 'shape:d1', true, at(40))
  setDueDate(doc, 'shape:d1', '2025-03-28')
  markOutcome(doc, ana, 'shape:r1', 'action', at(41))
  setDone(doc, ana, 'shape:r1', true, at(42))
  addComment(doc, ana, 'shape:v1', 'Is weekly too fast for @Ben?', at(20), 'c1')
  addComment(doc, ben, 'shape:v1', 'No: we ship\nsmall changes', at(21), 'c2')
  addComment(doc, cem, 'shape:d2', 'Fridays are fine now', at(22), 'c3')
  setResolved(doc, ana, 'shape:d2', true, at(23))
  addComment(doc, cem, 'shape:risks', 'Add hiring?', at(24), 'c4')
  // Threads on a note that was removed since: the open one stays in the report, the resolved one leaves it.
  commentsMap(doc).set('c5', { shapeId: 'shape:gone', by: 'p-ben', byName: 'Ben', at: at(25), text: 'Where did this go?' })
  commentsMap(doc).set('c6', { shapeId: 'shape:gone2', by: 'p-ben', byName: 'Ben', at: at(26), text: 'Settled' })
  setResolved(doc, ben, 'shape:gone2', true, at(27))
}
