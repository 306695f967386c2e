import { describe, expect, it } from 'vitest'
import { landingBox, presenceViewport } from './landing.ts'

const content = { x: 1000, y: 2000, w: 800, h: 600 }
const view = { x: 0, y: 0, w: 1280, h: 800 }

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
    expect(landingBox({ viewOnly: true, content, others: [{ x: 0, y: 0, w: 100, h: 100 }], view })).toEqual({ box: content, of: 'content' })
  })
  it('lands someone alone on the content, and on nothing on an empty board', () => {
    expect(landingBox({ viewOnly: false, content, others: [], view })).toEqual({ box: content, of: 'content' })
    expect(landingBox({ viewOnly: false, others: [], view })).toBeUndefined()
  })
  it('leaves someone alone where they are when some content is already in view', () => {
    const big = { x: -100, y: -100, w: 11000, h: 8800 }
    expect(landingBox({ viewOnly: false, content: big, others: [], view })).toBeUndefined()
    expect(landingBox({ viewOnly: true, content: big, others: [], view })).toEqual({ box: big, of: 'content' })
  })
  it('lands someone joining where most of the group looks', () => {
    const stray = { x: -5000, y: -5000, w: 1000, h: 800 }
    const group = [
      { x: 0, y: 0, w: 1000, h: 800 },
      { x: 100, y: 50, w: 1000, h: 800 },
      { x: 1000, y: 700, w: 100, h: 100 },
    ]
    expect(landingBox({ viewOnly: false, content, others: [stray, ...group], view })).toEqual({ box: group[1], of: 'group' })
    expect(landingBox({ viewOnly: false, content, others: [stray], view })).toEqual({ box: stray, of: 'group' })
  })
})
