import { describe, expect, it } from 'vitest'
import { adjacentPhase, normalizeItem, orderAtEnd, orderForMove, readAgendaItem, sortAgenda, type AgendaItem } from './agenda.ts'

const items: AgendaItem[] = [
  { id: 'c', title: 'Vote', order: 3 },
  { id: 'a', title: 'Check-in', order: 1, minutes: 5 },
  { id: 'b', title: 'Ideas', order: 2, minutes: 10 },
]

function titlesAfter(id: string, dir: -1 | 1) {
  const order = orderForMove(items, id, dir)!
  return sortAgenda(items.map((i) => (i.id === id ? { ...i, order } : i))).map((i) => i.title)
}

describe('agenda', () => {
  it('orders by order then id', () => {
    expect(sortAgenda(items).map((i) => i.id)).toEqual(['a', 'b', 'c'])
    expect(
      sortAgenda([
        { id: 'y', title: '', order: 1 },
        { id: 'x', title: '', order: 1 },
      ]).map((i) => i.id),
    ).toEqual(['x', 'y'])
    expect(orderAtEnd(items)).toBe(4)
    expect(orderAtEnd([])).toBe(1)
  })

  it('moves one place up or down by rewriting one item', () => {
    expect(titlesAfter('c', -1)).toEqual(['Check-in', 'Vote', 'Ideas'])
    expect(titlesAfter('a', 1)).toEqual(['Ideas', 'Check-in', 'Vote'])
    expect(titlesAfter('b', -1)).toEqual(['Ideas', 'Check-in', 'Vote'])
    expect(titlesAfter('b', 1)).toEqual(['Check-in', 'Vote', 'Ideas'])
    expect(orderForMove(items, 'a', -1)).toBeUndefined()
    expect(orderForMove(items, 'c', 1)).toBeUndefined()
    expect(orderForMove(items, 'zz', 1)).toBeUndefined()
  })

  it('finds the next and previous phase', () => {
    expect(adjacentPhase(items, undefined, 1)?.id).toBe('a')
    expect(adjacentPhase(items, 'a', 1)?.id).toBe('b')
    expect(adjacentPhase(items, 'b', -1)?.id).toBe('a')
    expect(adjacentPhase(items, 'c', 1)).toBeUndefined()
    expect(adjacentPhase(items, 'a', -1)).toBeUndefined()
    expect(adjacentPhase(items, 'gone', 1)?.id).toBe('a')
  })

  it('cleans input and explains what is wrong', () => {
    expect(normalizeItem({ title: '  Ideas ', minutes: '10', notes: ' quietly ' })).toEqual({
      title: 'Ideas',
      minutes: 10,
      notes: 'quietly',
    })
    expect(normalizeItem({ title: 'Break', minutes: '' })).toEqual({ title: 'Break' })
    expect(() => normalizeItem({ title: '   ' })).toThrow('title')
    expect(() => normalizeItem({ title: 'x', minutes: 'lots' })).toThrow('timebox')
    expect(() => normalizeItem({ title: 'x', minutes: -1 })).toThrow('timebox')
  })

  it('reads only well-formed items', () => {
    expect(readAgendaItem('a', { title: 'A', order: 1, minutes: 3 })).toEqual({ id: 'a', title: 'A', order: 1, minutes: 3 })
    expect(readAgendaItem('a', { title: 'A' })).toBeUndefined()
    expect(readAgendaItem('a', 'hello')).toBeUndefined()
  })
})
