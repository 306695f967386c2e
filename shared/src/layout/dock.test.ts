import { describe, expect, it } from 'vitest'
import { DOCK_CLOSED, parseDockState, toggleDockPanel } from './dock.ts'

const IDS = ['people', 'vote']

describe('dock state', () => {
  it('reads what was remembered', () => {
    expect(parseDockState(JSON.stringify({ open: 'vote', hidden: true }), IDS)).toEqual({ open: 'vote', hidden: true })
  })
  it('reads nothing, garbage or a panel that is gone as closed', () => {
    expect(parseDockState(null, IDS)).toEqual(DOCK_CLOSED)
    expect(parseDockState('{not json', IDS)).toEqual(DOCK_CLOSED)
    expect(parseDockState('42', IDS)).toEqual(DOCK_CLOSED)
    expect(parseDockState(JSON.stringify({ open: 'agenda-v0', hidden: 'yes' }), IDS)).toEqual(DOCK_CLOSED)
  })
  it('opens one panel at a time, and closes the open one', () => {
    const people = toggleDockPanel(DOCK_CLOSED, 'people')
    expect(people).toEqual({ open: 'people', hidden: false })
    expect(toggleDockPanel(people, 'vote')).toEqual({ open: 'vote', hidden: false })
    expect(toggleDockPanel(people, 'people')).toEqual(DOCK_CLOSED)
  })
  it('shows a hidden dock when a panel is asked for', () => {
    expect(toggleDockPanel({ open: null, hidden: true }, 'vote')).toEqual({ open: 'vote', hidden: false })
  })
})
