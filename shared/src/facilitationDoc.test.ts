import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import {
  addAgendaItem,
  moveAgendaItem,
  passBaton,
  readFacilitation,
  removeAgendaItem,
  startPhase,
  stepForward,
  timerAct,
} from './facilitationDoc.ts'
import { batonHolder } from './facilitation/log.ts'
import { remainingMs } from './facilitation/timer.ts'

const ann = { id: 'ann', name: 'Ann' }
const bob = { id: 'bob', name: 'Bob' }

function sync(a: Y.Doc, b: Y.Doc) {
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a))
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b))
}

describe('facilitation in the board doc', () => {
  it('two docs that step forward concurrently agree on one holder after merging', () => {
    for (const [annAt, bobAt] of [
      [1000, 1000],
      [1000, 1001],
      [1001, 1000],
    ]) {
      const a = new Y.Doc()
      const b = new Y.Doc()
      stepForward(a, ann, annAt)
      stepForward(b, bob, bobAt)
      sync(a, b)
      const holderA = batonHolder(readFacilitation(a).log)
      const holderB = batonHolder(readFacilitation(b).log)
      expect(holderA).toEqual(holderB)
      expect(holderA?.id).toBe(annAt > bobAt ? 'ann' : 'bob')
    }
  })

  it('a pass made after seeing the baton sorts after it even with a lagging clock', () => {
    const a = new Y.Doc()
    stepForward(a, ann, 10_000)
    passBaton(a, ann, bob, 9_000)
    expect(batonHolder(readFacilitation(a).log)?.id).toBe('bob')
  })

  it('timer acts write state and log together; no-ops log nothing', () => {
    const d = new Y.Doc()
    timerAct(d, ann, { type: 'pause' }, 0)
    expect(readFacilitation(d).log).toHaveLength(0)
    timerAct(d, ann, { type: 'start', durationMs: 120_000 }, 1_000)
    timerAct(d, bob, { type: 'pause' }, 31_000)
    timerAct(d, bob, { type: 'add' }, 32_000)
    const s = readFacilitation(d)
    expect(s.timer).toEqual({ status: 'paused', remainingMs: 150_000, durationMs: 180_000 })
    expect(s.log.map((e) => `${e.by} ${e.kind}`)).toEqual(['ann timer.start', 'bob timer.pause', 'bob timer.add'])
    timerAct(d, ann, { type: 'stop' }, 40_000)
    expect(readFacilitation(d).timer).toEqual({ status: 'idle' })
  })

  it('agenda: add, reorder, start a phase with its timebox, remove', () => {
    const d = new Y.Doc()
    const checkIn = addAgendaItem(d, { title: 'Check-in', minutes: '5' })
    const ideas = addAgendaItem(d, { title: 'Ideas', minutes: 10 })
    const wrap = addAgendaItem(d, { title: 'Wrap up' })
    moveAgendaItem(d, wrap, -1)
    expect(readFacilitation(d).agenda.map((i) => i.title)).toEqual(['Check-in', 'Wrap up', 'Ideas'])

    startPhase(d, bob, ideas, 50_000)
    let s = readFacilitation(d)
    expect(s.phase).toEqual({ id: ideas, startedAt: 50_000 })
    expect(remainingMs(s.timer, 50_000)).toBe(600_000)
    expect(s.log.at(-1)).toMatchObject({ kind: 'phase.start', phaseTitle: 'Ideas', by: 'bob' })

    // A phase without a timebox stops the timer.
    startPhase(d, bob, wrap, 60_000)
    expect(readFacilitation(d).timer).toEqual({ status: 'idle' })

    removeAgendaItem(d, wrap)
    s = readFacilitation(d)
    expect(s.phase).toBeUndefined()
    expect(s.agenda.map((i) => i.id)).toEqual([checkIn, ideas])
    expect(() => startPhase(d, bob, wrap, 0)).toThrow('removed')
  })
})
