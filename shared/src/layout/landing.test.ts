import { describe, expect, it } from 'vitest'
import { landingBox, presenceViewport } from './landing.ts'

const content = { x: 1000, y: 2000, w: 800, h: 600 }

describe('presenceViewport', () => {
  it('turns a camera and a screen into the page area seen', () => {
    expect(presenceViewport({ camera: { x: -100, y: -50, z: 2 }, screenBounds: { w: 1280, h: 800 } })).toEqual({
      x: 100,
      y: 50,
      w: 640,
      h: 400,
    })
  })
  it('knows nothing from a presence without a camera or a screen', () => {
    expect(presenceViewport({})).toBeUndefined()
    expect(presenceViewport({ camera: { x: 0, y: 0, z: 0 }, screenBounds: { w: 10, h: 10 } })).toBeUndefined()
    expect(presenceViewport({ camera: { x: 0, y: 0, z: 1 }, screenBounds: { w: 0, h: 10 } })).toBeUndefined()
  })
})

describe('landingBox', () => {
  it('shows a viewer the content, wherever the others are', () => {
    expect(landingBox({ viewOnly: true, content, others: [{ x: 0, y: 0, w: 100, h: 100 }] })).toEqual({ box: content, of: 'content' })
  })
  it('lands someone alone on the content, and on nothing on an empty board', () => {
    expect(landingBox({ viewOnly: false, content, others: [] })).toEqual({ box: content, of: 'content' })
    expect(landingBox({ viewOnly: false, others: [] })).toBeUndefined()
  })
  it('lands someone joining where most of the group looks', () => {
    const stray = { x: -5000, y: -5000, w: 1000, h: 800 }
    const group = [
      { x: 0, y: 0, w: 1000, h: 800 },
      { x: 100, y: 50, w: 1000, h: 800 },
      { x: 1000, y: 700, w: 100, h: 100 },
    ]
    expect(landingBox({ viewOnly: false, content, others: [stray, ...group] })).toEqual({ box: group[1], of: 'group' })
    expect(landingBox({ viewOnly: false, content, others: [stray] })).toEqual({ box: stray, of: 'group' })
  })
})
