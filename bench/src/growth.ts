// "How cost grows": the same figure at three sizes, per server, its growth named from the
// measured points, and drawn as SVG charts (vega-lite compiled and rendered in Node).
import fs from 'node:fs'
import path from 'node:path'
import * as vega from 'vega'
import * as vl from 'vega-lite'
import { SERVER_LABEL, type ServerKind } from './servers.ts'

export interface GrowthPoint {
  /** The size: readers, stickies or boards. */
  x: number
  /** The figure at that size. */
  y: number
}

export interface GrowthCurve {
  /** What grows, for a sentence: "server CPU per delivery". */
  label: string
  /** What x counts: "readers". */
  xLabel: string
  unit: string
  /** Whether the figure is per item (per delivery, per board): flat means the total grows linearly. */
  perItem: boolean
  /** By server kind, ascending x. */
  points: Partial<Record<ServerKind, GrowthPoint[]>>
}

export type GrowthResults = Record<string, GrowthCurve>

/**
 * The exponent b of total cost ∝ size^b between the smallest and the largest size (a per-item
 * figure counts one more power of the size).
 */
export function growthExponent(points: GrowthPoint[], perItem: boolean): number {
  const a = points[0]
  const z = points[points.length - 1]
  return Math.log(z.y / a.y) / Math.log(z.x / a.x) + (perItem ? 1 : 0)
}

/** Linear within ±15% of the exponent; sublinear or superlinear beyond. */
export function growthWord(exponent: number): 'sublinear' | 'linear' | 'superlinear' {
  if (exponent < 0.85) return 'sublinear'
  if (exponent > 1.15) return 'superlinear'
  return 'linear'
}

/** One line per server: how its total cost grows with the size. */
export function growthStatement(curve: GrowthCurve, kind: ServerKind): string | undefined {
  const points = curve.points[kind]
  if (!points || points.length < 2) return undefined
  const b = growthExponent(points, curve.perItem)
  const a = points[0]
  const z = points[points.length - 1]
  // A reading at or below zero (memory lost in the noise) has no exponent.
  if (!Number.isFinite(b))
    return `${SERVER_LABEL[kind]}: ${curve.label} ${fmt(a.y)} → ${fmt(z.y)} ${curve.unit}; too small to tell how it grows.`
  const total = curve.perItem ? `total ${curve.label.replace(/ per \w+$/, '')}` : curve.label
  return `${SERVER_LABEL[kind]}: ${total} grows ${growthWord(b)}ly with ${curve.xLabel} (∝ ${curve.xLabel}^${b.toFixed(2)}; ${curve.label} ${fmt(a.y)} → ${fmt(z.y)} ${curve.unit} from ${a.x.toLocaleString('en')} to ${z.x.toLocaleString('en')}).`
}

const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2))

/** An SVG line chart of one curve, both axes logarithmic, one line per server. */
export async function growthChart(curve: GrowthCurve): Promise<string> {
  const values = Object.entries(curve.points).flatMap(([kind, points]) =>
    (points ?? []).map((p) => ({ server: SERVER_LABEL[kind as ServerKind], x: p.x, y: p.y })),
  )
  const spec: vl.TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 360,
    height: 220,
    background: 'white',
    title: `${curve.label} (${curve.unit}) by ${curve.xLabel}`,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'x', type: 'quantitative', scale: { type: 'log' }, title: curve.xLabel },
      y: { field: 'y', type: 'quantitative', scale: { type: 'log' }, title: curve.unit },
      color: { field: 'server', type: 'nominal', legend: { orient: 'bottom', title: null, labelLimit: 0, columns: 1 } },
    },
  }
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' })
  try {
    return await view.toSVG()
  } finally {
    view.finalize()
  }
}

/** Writes one SVG per curve into `dir`; returns their file names by curve name. */
export async function writeGrowthCharts(growth: GrowthResults, dir: string): Promise<Record<string, string>> {
  fs.mkdirSync(dir, { recursive: true })
  const files: Record<string, string> = {}
  for (const [name, curve] of Object.entries(growth)) {
    files[name] = `growth-${name}.svg`
    fs.writeFileSync(path.join(dir, files[name]), await growthChart(curve))
  }
  return files
}
