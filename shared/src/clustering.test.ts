import { describe, expect, it } from 'vitest'
import { frameAround, notesByFrame, packGrid, stem, suggestClusters, tokenize } from './clustering.ts'

const NOTES = [
  { id: 'm1', text: 'Meetings run too long' },
  { id: 'o1', text: 'Onboarding docs are outdated' },
  { id: 'd1', text: 'Deploys break on Fridays' },
  { id: 'm2', text: 'Too many meetings every week' },
  { id: 'lunch', text: 'Great team lunch!' },
  { id: 'o2', text: 'Update the onboarding documentation' },
  { id: 'd2', text: 'Automate the deployment pipeline' },
  { id: 'm3', text: 'Shorter meetings with a clear agenda' },
  { id: 'd3', text: 'A deployment takes hours' },
  { id: 'o3', text: 'New hires need better onboarding' },
  { id: 'm4', text: 'Share the agenda before the meeting' },
  { id: 'empty', text: '' },
]

describe('suggestClusters', () => {
  it('groups a fixed set of notes into the expected themes and leaves the odd ones out', () => {
    const clusters = suggestClusters(NOTES)
    expect(clusters.map((c) => c.ids)).toEqual([
      ['m1', 'm2', 'm3', 'm4'],
      ['o1', 'o2', 'o3'],
      ['d1', 'd2', 'd3'],
    ])
  })

  it('labels each cluster with the words its notes share, as people wrote them', () => {
    const labels = suggestClusters(NOTES).map((c) => c.terms[0])
    expect(labels).toEqual(['meetings', 'onboarding', 'deployment'])
    expect(suggestClusters(NOTES)[0].label).toMatch(/^Meetings \/ /)
  })

  it('does not group notes that share only stop words', () => {
    const clusters = suggestClusters([
      { id: 'a', text: 'The team is the best at this' },
      { id: 'b', text: 'This is the plan for the quarter' },
      { id: 'c', text: 'We should all be there' },
    ])
    expect(clusters).toEqual([])
  })

  it('is case and punctuation insensitive and needs no more than two notes', () => {
    expect(
      suggestClusters([
        { id: 'a', text: 'CUSTOMER feedback!!' },
        { id: 'b', text: 'customer, feedback?' },
      ]).map((c) => c.ids),
    ).toEqual([['a', 'b']])
    expect(suggestClusters([])).toEqual([])
    expect(suggestClusters([{ id: 'a', text: 'alone' }])).toEqual([])
  })

  it('a stricter threshold splits loosely related notes apart', () => {
    const loose = [
      { id: 'a', text: 'customer interviews every month' },
      { id: 'b', text: 'customer support backlog' },
    ]
    expect(suggestClusters(loose, { threshold: 0.15 })).toHaveLength(1)
    expect(suggestClusters(loose, { threshold: 0.6 })).toHaveLength(0)
  })
})

describe('normalisation', () => {
  it('stems plurals and verb forms together', () => {
    expect(new Set(['meeting', 'meetings', 'meet'].map(stem)).size).toBe(1)
    expect(new Set(['deploys', 'deployment', 'deployments', 'deploy'].map(stem)).size).toBe(1)
    expect(new Set(['stories', 'story'].map(stem)).size).toBe(1)
    expect(new Set(['planned', 'planning', 'plans'].map(stem)).size).toBe(1)
    expect(stem('process')).toBe('process')
    expect(stem('status')).toBe('status')
  })

  it('drops stop words, apostrophes and bare numbers', () => {
    expect(tokenize("We don't have the 3 tools we need")).toEqual(['tool'])
  })
})

describe('frame geometry', () => {
  it('wraps boxes with padding on every side', () => {
    expect(
      frameAround(
        [
          { x: 0, y: 0, w: 100, h: 100 },
          { x: 200, y: 50, w: 100, h: 100 },
        ],
        10,
      ),
    ).toEqual({ x: -10, y: -10, w: 320, h: 170 })
    expect(() => frameAround([])).toThrow()
  })

  it('packs boxes in a near-square grid from an origin, without overlap', () => {
    const at = packGrid(
      [
        { w: 200, h: 200 },
        { w: 200, h: 240 },
        { w: 200, h: 200 },
      ],
      { x: 10, y: 20 },
      16,
    )
    expect(at).toEqual([
      { x: 10, y: 20 },
      { x: 226, y: 20 },
      { x: 10, y: 276 },
    ])
  })
})

describe('notesByFrame', () => {
  it('groups notes under their frames (nested frames as a path), frames in reading order, loose notes last', () => {
    const text = (props: unknown) => (props as { t: string }).t
    const shapes = [
      { id: 'loose', type: 'note', parentId: 'page:p', x: 0, y: 900, props: { t: 'stray idea' } },
      { id: 'vision', type: 'frame', parentId: 'page:p', x: 0, y: 10, props: { name: 'Vision' } },
      { id: 'goals', type: 'frame', parentId: 'page:p', x: 400, y: 5, props: { name: 'Goals' } },
      { id: 'deploy', type: 'frame', parentId: 'vision', x: 10, y: 2, props: { name: 'Deployment' } },
      { id: 'n2', type: 'note', parentId: 'deploy', x: 220, y: 0, props: { t: 'takes hours' } },
      { id: 'n1', type: 'note', parentId: 'deploy', x: 0, y: 0, props: { t: 'automate it' } },
      { id: 'n3', type: 'note', parentId: 'goals', x: 0, y: 0, props: { t: 'ship weekly' } },
      { id: 'label', type: 'text', parentId: 'goals', x: 0, y: 0, props: { t: 'not a note' } },
    ]
    expect(notesByFrame(shapes, text)).toEqual([
      // Goals (y 5) before Deployment (y 10 + 2 inside Vision): page space, not local.
      { path: ['Goals'], notes: ['ship weekly'], ids: ['n3'] },
      { path: ['Vision', 'Deployment'], notes: ['automate it', 'takes hours'], ids: ['n1', 'n2'] },
      { path: [], notes: ['stray idea'], ids: ['loose'] },
    ])
  })

  it('counts a note inside a tldraw group as in the frame around the group, in one loose section otherwise', () => {
    const text = (props: unknown) => (props as { t: string }).t
    const shapes = [
      { id: 'frame', type: 'frame', parentId: 'page:p', x: 0, y: 0, props: { name: 'Ideas' } },
      { id: 'group', type: 'group', parentId: 'frame', x: 0, y: 0, props: {} },
      { id: 'in-group', type: 'note', parentId: 'group', x: 0, y: 0, props: { t: 'grouped' } },
      { id: 'loose-group', type: 'group', parentId: 'page:p', x: 0, y: 500, props: {} },
      { id: 'a', type: 'note', parentId: 'page:p', x: 0, y: 400, props: { t: 'loose' } },
      { id: 'b', type: 'note', parentId: 'loose-group', x: 0, y: 0, props: { t: 'loose in a group' } },
    ]
    expect(notesByFrame(shapes, text)).toEqual([
      { path: ['Ideas'], notes: ['grouped'], ids: ['in-group'] },
      { path: [], notes: ['loose', 'loose in a group'], ids: ['a', 'b'] },
    ])
  })

  it('survives parent links a peer could write: a cycle, and a chain deeper than the stack', () => {
    const text = () => 'x'
    const cycle = [
      { id: 'f1', type: 'frame', parentId: 'f2', props: { name: 'one' } },
      { id: 'f2', type: 'frame', parentId: 'f1', props: { name: 'two' } },
      { id: 'n', type: 'note', parentId: 'f1', props: {} },
    ]
    expect(notesByFrame(cycle, text)).toEqual([{ path: ['two', 'one'], notes: ['x'], ids: ['n'] }])
    const deep = Array.from({ length: 50_000 }, (_, i) => ({
      id: `f${i}`,
      type: 'frame',
      parentId: i ? `f${i - 1}` : 'page:p',
      props: { name: '' },
    }))
    deep.push({ id: 'n', type: 'note', parentId: 'f49999', props: { name: '' } })
    expect(notesByFrame(deep, text)[0].path).toHaveLength(50_000)
  })
})
