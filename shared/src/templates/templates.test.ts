import { describe, expect, it } from 'vitest'
import { createShapeId, createTLStore, defaultBindingUtils, defaultShapeUtils, PageRecordType, type TLRecord } from 'tldraw'
import { plainText, TEMPLATES, type ShapeRecord } from './index.ts'

const PAGE = PageRecordType.createId('page')

function build(t: (typeof TEMPLATES)[number], center = { x: 1000, y: -400 }) {
  return t.build({ center, newId: () => createShapeId(), parentId: PAGE })
}

function overlaps(a: ShapeRecord, b: ShapeRecord) {
  const [aw, ah, bw, bh] = [a.props.w, a.props.h, b.props.w, b.props.h] as number[]
  return a.x < b.x + bw && b.x < a.x + aw && a.y < b.y + bh && b.y < a.y + ah
}

describe.each(TEMPLATES.map((t) => [t.id, t] as const))('template %s', (_id, template) => {
  it('produces records the real tldraw schema accepts', () => {
    const store = createTLStore({ shapeUtils: defaultShapeUtils, bindingUtils: defaultBindingUtils })
    store.put([PageRecordType.create({ id: PAGE, name: 'Page 1', index: 'a1' as never })])
    const records = build(template)
    // store.put validates every record against the schema and throws on the first bad one.
    store.put(records as unknown as TLRecord[])
    expect(store.query.records('shape').get()).toHaveLength(records.length)
  })

  it('has named frames that do not overlap, each with a prompt inside, centred on the given point', () => {
    const records = build(template)
    const frames = records.filter((r) => r.type === 'frame')
    expect(frames.length).toBeGreaterThanOrEqual(3)
    for (const f of frames) expect(String(f.props.name)).not.toBe('')
    for (let i = 0; i < frames.length; i++)
      for (let j = i + 1; j < frames.length; j++) {
        expect(overlaps(frames[i], frames[j]), `${frames[i].props.name} overlaps ${frames[j].props.name}`).toBe(false)
      }
    for (const f of frames) {
      const prompts = records.filter((r) => r.parentId === f.id)
      expect(prompts).toHaveLength(1)
      expect(plainText(prompts[0].props.richText).length).toBeGreaterThan(5)
      expect((prompts[0].props.w as number) + prompts[0].x).toBeLessThanOrEqual(f.props.w as number)
    }
    const minX = Math.min(...records.filter((r) => r.parentId === PAGE).map((r) => r.x))
    const maxX = Math.max(...frames.map((f) => f.x + (f.props.w as number)))
    expect(Math.abs((minX + maxX) / 2 - 1000)).toBeLessThanOrEqual(1)
    expect(new Set(records.map((r) => r.id)).size).toBe(records.length)
  })
})

it('offers the templates the facilitators asked for', () => {
  expect(TEMPLATES.map((t) => t.title)).toEqual([
    'Vision map',
    'Retrospective',
    'Affinity map',
    'SWOT',
    'Empathy map',
    'Now / Next / Later',
    'Polarity map',
  ])
  const vision = build(TEMPLATES[0])
    .filter((r) => r.type === 'frame')
    .map((r) => r.props.name)
  expect(vision).toEqual(['Vision', 'Values', 'Goals', 'Initiatives', 'First steps'])
})
