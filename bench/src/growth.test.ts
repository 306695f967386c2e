import { describe, expect, it } from 'vitest'
import { growthExponent, growthStatement, growthWord } from './growth.ts'

describe('growth', () => {
  it('names the exponent of total cost, a per-item figure counting one more power', () => {
    // Total doubles when the size does: linear.
    expect(
      growthExponent(
        [
          { x: 10, y: 5 },
          { x: 20, y: 10 },
          { x: 1000, y: 500 },
        ],
        false,
      ),
    ).toBeCloseTo(1)
    // The same cost per delivery at every size: the total grows linearly too.
    expect(
      growthExponent(
        [
          { x: 10, y: 3 },
          { x: 200, y: 3 },
        ],
        true,
      ),
    ).toBeCloseTo(1)
    // Per delivery falling as 1/√size: total ∝ √size.
    expect(
      growthExponent(
        [
          { x: 1, y: 8 },
          { x: 100, y: 0.8 },
        ],
        true,
      ),
    ).toBeCloseTo(0.5)
    expect([0.5, 0.9, 1.1, 1.3].map(growthWord)).toEqual(['sublinear', 'linear', 'linear', 'superlinear'])
  })

  it('says so when a reading is too small to tell', () => {
    const curve = {
      label: 'RSS',
      xLabel: 'boards',
      unit: 'MiB',
      perItem: false,
      points: {
        roundtable: [
          { x: 100, y: -1 },
          { x: 1000, y: 20 },
        ],
      },
    }
    expect(growthStatement(curve, 'roundtable')).toMatch(/too small to tell/)
    curve.points.roundtable = [
      { x: 100, y: 2 },
      { x: 1000, y: 20 },
    ]
    expect(growthStatement(curve, 'roundtable')).toMatch(/grows linearly with boards \(∝ boards\^1\.00/)
  })
})
