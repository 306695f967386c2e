import { layoutTemplate, type BuildOptions, type TemplateSpec } from './layout.ts'
import type { ShapeRecord } from './records.ts'

export * from './records.ts'
export type { AreaSpec, BuildOptions, TemplateSpec } from './layout.ts'
export { layoutTemplate } from './layout.ts'

export interface Template {
  id: string
  title: string
  description: string
  build(opts: BuildOptions): ShapeRecord[]
}

const template = (id: string, description: string, spec: TemplateSpec): Template => ({
  id,
  title: spec.title,
  description,
  build: (opts) => layoutTemplate(spec, opts),
})

export const visionMap = template('vision-map', 'Where we are going and how we start', {
  title: 'Vision map',
  // Tall enough for a row of sticky notes under the prompts.
  cell: { w: 360, h: 300 },
  areas: [
    {
      name: 'Vision',
      prompt: 'What future do we want to create together?\nImagine it is three years from now: what do you see?',
      col: 0,
      row: 0,
      colSpan: 4,
    },
    { name: 'Values', prompt: 'What matters to us on the way?\nHow do we want to work together?', col: 0, row: 1, rowSpan: 2 },
    {
      name: 'Goals',
      prompt: 'What must be true for the vision to be real?\nHow would we know we are getting there?',
      col: 1,
      row: 1,
      rowSpan: 2,
    },
    { name: 'Initiatives', prompt: 'Which projects move us toward the goals?', col: 2, row: 1, rowSpan: 2 },
    { name: 'First steps', prompt: 'What can we start next week?\nWho will take it?', col: 3, row: 1, rowSpan: 2 },
  ],
})

export const retrospective = template('retrospective', 'Look back together, then decide what to change', {
  title: 'Retrospective',
  cell: { w: 320, h: 520 },
  areas: [
    { name: 'Went well', prompt: 'What helped us?\nWhat should we keep doing?', col: 0, row: 0 },
    { name: 'To improve', prompt: 'What got in the way?\nWhat was frustrating?', col: 1, row: 0 },
    { name: 'Ideas', prompt: 'What could we try next time?', col: 2, row: 0 },
    { name: 'Actions', prompt: 'What will we do, and who owns it?', col: 3, row: 0 },
  ],
})

export const affinityMap = template('affinity-map', 'Park every idea, then sort them into themes', {
  title: 'Affinity map',
  cell: { w: 320, h: 260 },
  areas: [
    { name: 'Parking area', prompt: 'Put every idea here first, one per sticky note.', col: 0, row: 0, rowSpan: 2 },
    { name: 'Theme 1', prompt: 'Move related notes here and rename the theme.', col: 1, row: 0, rowSpan: 2 },
    { name: 'Theme 2', prompt: 'Move related notes here and rename the theme.', col: 2, row: 0, rowSpan: 2 },
    { name: 'Theme 3', prompt: 'Move related notes here and rename the theme.', col: 3, row: 0, rowSpan: 2 },
  ],
})

export const swot = template('swot', 'Strengths, weaknesses, opportunities, threats', {
  title: 'SWOT',
  cell: { w: 440, h: 300 },
  areas: [
    { name: 'Strengths', prompt: 'What do we do well? What do others see as our strengths?', col: 0, row: 0 },
    { name: 'Weaknesses', prompt: 'Where do we fall short? What should we avoid?', col: 1, row: 0 },
    { name: 'Opportunities', prompt: 'What trends or openings could we use?', col: 0, row: 1 },
    { name: 'Threats', prompt: 'What could get in our way? What are others doing?', col: 1, row: 1 },
  ],
})

export const empathyMap = template('empathy-map', 'Step into someone else’s shoes', {
  title: 'Empathy map',
  cell: { w: 440, h: 300 },
  areas: [
    { name: 'Says', prompt: 'What do they say out loud? Quote them.', col: 0, row: 0 },
    { name: 'Thinks', prompt: 'What occupies their mind that they might not say?', col: 1, row: 0 },
    { name: 'Does', prompt: 'What do they do? What behaviour do we observe?', col: 0, row: 1 },
    { name: 'Feels', prompt: 'What worries or excites them?', col: 1, row: 1 },
  ],
})

export const nowNextLater = template('now-next-later', 'A roadmap without false dates', {
  title: 'Now / Next / Later',
  cell: { w: 360, h: 520 },
  areas: [
    { name: 'Now', prompt: 'What are we working on right now?', col: 0, row: 0 },
    { name: 'Next', prompt: 'What comes once the current work is done?', col: 1, row: 0 },
    { name: 'Later', prompt: 'What matters, but not yet?', col: 2, row: 0 },
  ],
})

export const polarityMap = template('polarity-map', 'Hold a tension between two goods', {
  title: 'Polarity map',
  cell: { w: 440, h: 260 },
  areas: [
    {
      name: 'Higher purpose',
      prompt: 'Why does balancing these two poles matter? What do we gain by holding both?',
      col: 0,
      row: 0,
      colSpan: 2,
    },
    { name: 'Pole A: upsides', prompt: 'Name pole A. What do we gain when we focus on it?', col: 0, row: 1 },
    { name: 'Pole B: upsides', prompt: 'Name pole B. What do we gain when we focus on it?', col: 1, row: 1 },
    { name: 'Pole A: downsides', prompt: 'What happens when we over-focus on pole A and neglect B?', col: 0, row: 2 },
    { name: 'Pole B: downsides', prompt: 'What happens when we over-focus on pole B and neglect A?', col: 1, row: 2 },
  ],
})

export const TEMPLATES: readonly Template[] = [visionMap, retrospective, affinityMap, swot, empathyMap, nowNextLater, polarityMap]
