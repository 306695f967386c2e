import { describe, expect, it } from 'vitest'
import { timeboxMinutes, timeboxMs } from './panelParts.tsx'

describe('timebox typed in minutes', () => {
  it('reads minutes, and none for empty, zero or not a number', () => {
    expect(timeboxMinutes('5')).toBe(5)
    expect(timeboxMinutes(' 2.5 ')).toBe(2.5)
    expect(timeboxMinutes('')).toBeNull()
    expect(timeboxMinutes('  ')).toBeNull()
    expect(timeboxMinutes('0')).toBeNull()
    expect(timeboxMinutes('-1')).toBeNull()
    expect(timeboxMinutes('abc')).toBeNull()
  })

  it('sends whole milliseconds, or null for none', () => {
    expect(timeboxMs(2.5)).toBe(150_000)
    expect(timeboxMs(1 / 7)).toBe(8571)
    expect(timeboxMs(null)).toBeNull()
  })
})
