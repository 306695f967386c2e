// The benchmark's smoke mode, so the harness does not rot: every workload still runs against
// every server and produces numbers. Not a timed test; the figures themselves are not judged.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { BenchResults, LoadResults } from './src/report.ts'
import { SERVER_LABEL, type ServerKind } from './src/servers.ts'

const ROOT = path.resolve(import.meta.dirname, '..')
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'roundtable-bench-smoke-'))
afterAll(() => fs.rmSync(out, { recursive: true, force: true }))

function bench(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/src/main.ts', '--smoke', `--out=${out}`, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 240_000,
  })
  expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0)
}

describe('bench --smoke', () => {
  it('runs every workload against every server and reports numbers', () => {
    bench()
    const results = JSON.parse(fs.readFileSync(path.join(out, 'results.smoke.json'), 'utf8')) as BenchResults
    expect(Object.keys(results.workloads).sort()).toEqual([
      'client',
      'clusterFanout',
      'cold',
      'coldPostgres',
      'failover',
      'fanout',
      'fanoutFlood',
      'fanoutPaced',
      'landing',
      'memory',
      'presence',
    ])
    const servers = (w: string) => Object.keys(Object.values(results.workloads[w].metrics)[0].values).sort()
    expect(servers('fanout')).toEqual(['floor', 'hocuspocus', 'reference', 'roundtable'])
    expect(servers('fanoutPaced')).toEqual(['floor', 'hocuspocus', 'reference', 'roundtable'])
    expect(servers('fanoutFlood')).toEqual(['floor', 'hocuspocus', 'reference', 'roundtable'])
    expect(servers('landing')).toEqual(['board', 'landing'])
    expect(servers('presence')).toEqual(['floor', 'hocuspocus', 'reference', 'roundtable'])
    expect(servers('cold')).toEqual(['hocuspocus', 'reference', 'roundtable'])
    expect(servers('memory')).toEqual(['hocuspocus', 'reference', 'roundtable'])
    expect(servers('client')).toEqual(['bare', 'roundtable'])
    expect(servers('clusterFanout')).toEqual(['cluster', 'roundtable'])
    expect(results.workloads.failover.metrics.failoverMs.values.cluster.median).toBeGreaterThan(0)
    for (const w of Object.values(results.workloads)) {
      for (const m of Object.values(w.metrics)) {
        for (const s of Object.values(m.values)) {
          expect(s.runs).toHaveLength(results.runs)
          for (const v of s.runs) expect(Number.isFinite(v), `${w.title}: ${m.label}`).toBe(true)
        }
      }
    }
    // Things that cannot be zero if anything was measured at all.
    expect(results.workloads.fanout.metrics.deliveriesPerSec.values.roundtable.median).toBeGreaterThan(0)
    expect(results.workloads.cold.metrics.restartMs.values.roundtable.median).toBeGreaterThan(0)
    expect(results.workloads.cold.metrics.connectMs.values.reference.median).toBeGreaterThan(0)
    // Every storing server really stored the seeded board (200 stickies are tens of KiB; an empty
    // LevelDB folder holds well under 1 KiB of bookkeeping files).
    for (const [kind, bytes] of Object.entries(results.workloads.cold.details!.storedBytes)) expect(bytes, kind).toBeGreaterThan(10_000)
    expect(Object.keys(results.workloads.cold.details!.storedBytes).sort()).toEqual(['hocuspocus', 'reference', 'roundtable'])
    expect(results.workloads.client.metrics.ttiMs.values.roundtable.median).toBeGreaterThan(0)
    expect(results.workloads.client.metrics.panFps.values.bare.median).toBeGreaterThan(0)
    expect(results.workloads.client.metrics.panPx.values.roundtable.median).toBeGreaterThan(0)
    // The landing page fetched some JavaScript, all of it compressed, and less than a board page.
    const landing = results.workloads.landing.metrics
    expect(landing.jsGzipkB.values.landing.median).toBeGreaterThan(0)
    expect(landing.uncompressedFiles.values.landing.max).toBe(0)
    expect(landing.jsGzipkB.values.landing.median).toBeLessThan(landing.jsGzipkB.values.board.median)
    // How cost grows: every curve has a point per size and server, and its chart.
    expect(Object.keys(results.growth!).sort()).toEqual(['cold', 'fanoutCpu', 'fanoutP99', 'memory'])
    for (const [name, curve] of Object.entries(results.growth!)) {
      expect(Object.keys(curve.points).sort(), name).toEqual(['reference', 'roundtable'])
      for (const points of Object.values(curve.points)) for (const p of points!) expect(p.y, name).toBeGreaterThan(0)
      expect(fs.readFileSync(path.join(out, 'charts-smoke', `growth-${name}.svg`), 'utf8')).toMatch(/^<svg[^>]*>[\s\S]*<\/svg>\s*$/)
    }
    const md = fs.readFileSync(path.join(out, 'RESULTS.smoke.md'), 'utf8')
    // Memory: every client still connected when RSS was read, or the reconnections are reported.
    const mem = results.workloads.memory
    const boards = mem.details!.settings.boards
    for (const kind of ['hocuspocus', 'reference', 'roundtable']) {
      const reconnects = mem.metrics.reconnects.values[kind].max
      if (reconnects > 0) expect(md).toContain(`${SERVER_LABEL[kind as ServerKind]}: its idle clients were disconnected and reconnected`)
      else expect(mem.metrics.connected.values[kind].min, kind).toBe(boards)
    }
    expect(md).toMatch(/## Goals/)
    expect(md).toMatch(/## How cost grows/)
    expect(md).toMatch(/grows (?:sub|super)?linearly with readers/)
    expect(md).toMatch(/\| Fan-out, paced \(60 Hz\) \| Server CPU per delivery vs reference \| [\d.]+× /)
    expect(md).toMatch(/\| Roundtable \(SQLite\) \| [\d.,]+ \(/)
    expect(md).toMatch(/^- Machine: \d+ cores \(.+\), [\d.]+ GiB memory, .+, Node v\d+/m)
  }, 240_000)

  it('runs the load run and checks that every client converged', () => {
    bench('--load')
    const load = JSON.parse(fs.readFileSync(path.join(out, 'load-results.smoke.json'), 'utf8')) as LoadResults
    expect(load.result.editsSent).toBeGreaterThan(0)
    expect(load.result.convergedBoards).toBe(load.result.boards)
    expect(load.result.convergedClients).toBe(load.result.connections)
    expect(Number.isFinite(load.result.latencyP99Ms)).toBe(true)
    expect(fs.readFileSync(path.join(out, 'RESULTS.smoke.md'), 'utf8')).toMatch(/## Load run/)
  }, 240_000)
})
