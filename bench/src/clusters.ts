// `npm run bench:clusters`: cluster suggestions, measured. How close they come to a facilitator's
// groups (tests/fixtures/workshop-notes.json), by meaning and by shared words; and on a board of
// 2,000 notes, the time from the click to the suggestions and how long the page's main thread
// was blocked meanwhile (long tasks), in Chromium against the built server. Writes bench/CLUSTERS.md.
import fs from 'node:fs'
import path from 'node:path'
import {
  boardRecords,
  DEFAULT_SIMILARITY,
  meaningModel,
  newBoardId,
  parseWordVectors,
  suggestionsAt,
  wordsModel,
  type NoteText,
} from '@roundtable/shared'
import { loadWorkshops, score } from '../../tests/support/clusterScore.ts'
import { launchBrowser } from '../../tests/support/browser.ts'
import { startServerProcess } from '../../tests/support/server.ts'
import { connectClient, whenSynced } from '../../tests/support/yclient.ts'
import { baseRecords, noteRecord, recordCount, writeRecords } from './records.ts'

const NOTES = 2000
const RUNS = 3
const table = parseWordVectors(fs.readFileSync(path.resolve(import.meta.dirname, '../../shared/vectors/word-vectors-en.bin')))

const workshops = loadWorkshops()
const quality = (['meaning', 'words'] as const).map((method) => {
  const s = score(
    workshops.map((w) => ({
      truth: w.truth,
      clusters: suggestionsAt(method === 'meaning' ? meaningModel(w.notes, table) : wordsModel(w.notes), DEFAULT_SIMILARITY).map(
        (c) => c.ids,
      ),
    })),
  )
  return { method, ...s }
})
// The best any position of the "How similar?" slider does (by adjusted Rand index): what the way of
// comparing notes allows, whatever the default.
const bestCut = (['meaning', 'words'] as const).map((method) => {
  const models = workshops.map((w) => ({ w, model: method === 'meaning' ? meaningModel(w.notes, table) : wordsModel(w.notes) }))
  const cuts = Array.from({ length: 19 }, (_, k) => k * 0.05).map((similarity) => ({
    similarity,
    ...score(models.map(({ w, model }) => ({ truth: w.truth, clusters: suggestionsAt(model, similarity).map((c) => c.ids) }))),
  }))
  return { method, ...cuts.reduce((a, b) => (b.ari > a.ari ? b : a)) }
})
const GOAL = { precision: 0.8, recall: 0.6 }
const meaning = quality.find((q) => q.method === 'meaning')!

/** 2,000 distinct notes: the fixture's, each with two more words from other notes. */
const texts = workshops.flatMap((w) => w.notes.map((n) => n.text))
const big: NoteText[] = Array.from({ length: NOTES }, (_, i) => {
  const extra = [texts[(i * 7) % texts.length], texts[(i * 13 + 5) % texts.length]].map((t) => t.split(' ').slice(-1)[0])
  return { id: `n${i}`, text: `${texts[i % texts.length]} ${extra.join(' ')}` }
})
const timeNode = (f: () => unknown) => {
  const t0 = performance.now()
  f()
  return performance.now() - t0
}
const nodeMs = {
  meaning: Math.min(...Array.from({ length: RUNS }, () => timeNode(() => suggestionsAt(meaningModel(big, table))))),
  words: Math.min(...Array.from({ length: RUNS }, () => timeNode(() => suggestionsAt(wordsModel(big))))),
}

// In the browser: the built server, a board seeded with the notes, Chromium clicking the button.
process.env.ROUNDTABLE_SERVER = 'bundle'
const server = await startServerProcess()
const browser = await launchBrowser()
const browserRuns: { ms: number; blockedMs: number; longestMs: number; progressShown: boolean }[] = []
try {
  const boardId = newBoardId()
  const seeder = connectClient(server.wsUrl, boardId)
  await whenSynced(seeder)
  const records = [...baseRecords(), ...big.map((n, i) => noteRecord(i, (i % 50) * 220, Math.floor(i / 50) * 220, n.text))]
  writeRecords(seeder.doc, records, 200)
  while (recordCount(seeder.doc) < records.length || boardRecords(seeder.doc).map.size < records.length)
    await new Promise((r) => setTimeout(r, 50))
  await new Promise((r) => setTimeout(r, 1000))
  seeder.destroy()
  for (let run = 0; run < RUNS; run++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
    const page = await context.newPage()
    await page.goto(`${server.url}/b/${boardId}`)
    await page.getByLabel('Your name').fill('Bench')
    await page.getByRole('button', { name: 'Join board' }).click()
    await page.locator('.tl-canvas').waitFor()
    await page.waitForFunction(() => document.querySelector('[data-connection]')?.getAttribute('data-connection') === 'connected')
    await page.waitForTimeout(2000)
    await page.evaluate(() => {
      const w = window as unknown as { longTasks: number[] }
      w.longTasks = []
      new PerformanceObserver((list) => list.getEntries().forEach((e) => w.longTasks.push(e.duration))).observe({ type: 'longtask' })
    })
    const t0 = Date.now()
    await page.getByRole('button', { name: 'Suggest clusters' }).click()
    let progressShown = false
    for (;;) {
      if (await page.locator('.sm-progress').count()) progressShown = true
      if (/suggested cluster|No similar/.test((await page.locator('.sm-message').textContent()) ?? '')) break
      await page.waitForTimeout(10)
    }
    const ms = Date.now() - t0
    const longTasks = await page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks)
    browserRuns.push({
      ms,
      blockedMs: longTasks.reduce((s, d) => s + Math.max(0, d - 50), 0),
      longestMs: Math.max(0, ...longTasks),
      progressShown,
    })
    await context.close()
  }
} finally {
  await browser.close()
  await server.stop()
}

const f2 = (x: number) => x.toFixed(2)
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const md = `# Cluster suggestions

Generated by \`npm run bench:clusters\` (${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC); do not edit by hand.

## Agreement with a facilitator's groups

${workshops.reduce((n, w) => n + w.notes.length, 0)} notes from ${workshops.length} workshops (\`tests/fixtures/workshop-notes.json\`), each workshop one board, at the default "How similar?" (${DEFAULT_SIMILARITY}). Pairwise precision: of the note pairs put in one cluster, the share the facilitator put together; recall: of the pairs the facilitator put together, the share suggested together; adjusted Rand index: 1 is the facilitator's grouping, 0 is chance. A note in no suggestion stands alone.

| Method | Pairwise precision | Pairwise recall | Adjusted Rand index |
| --- | --- | --- | --- |
${quality.map((q) => `| ${q.method === 'meaning' ? 'By meaning (word vectors)' : 'By shared words (TF-IDF)'} | ${f2(q.precision)} | ${f2(q.recall)} | ${f2(q.ari)} |`).join('\n')}

Goal (pairwise precision ≥ ${GOAL.precision}, recall ≥ ${GOAL.recall}): ${meaning.precision >= GOAL.precision && meaning.recall >= GOAL.recall ? 'met' : '**not met**'}.

The best position of the slider for each method (by adjusted Rand index), so the default is not what holds a method back:

| Method | Similarity | Pairwise precision | Pairwise recall | Adjusted Rand index |
| --- | --- | --- | --- | --- |
${bestCut.map((q) => `| ${q.method === 'meaning' ? 'By meaning (word vectors)' : 'By shared words (TF-IDF)'} | ${q.similarity.toFixed(2)} | ${f2(q.precision)} | ${f2(q.recall)} | ${f2(q.ari)} |`).join('\n')}

## 2,000 notes

Node, one board of ${NOTES} loose notes, best of ${RUNS}: by meaning ${nodeMs.meaning.toFixed(0)} ms, by shared words ${nodeMs.words.toFixed(0)} ms (vectors, similarities, tree and the default cut).

Chromium (the built server, a board of ${NOTES} notes, a new profile each run so the word vectors are fetched each time), median of ${RUNS}: from the click on "Suggest clusters" until the suggestions are shown **${median(browserRuns.map((r) => r.ms))} ms** (${browserRuns.map((r) => r.ms).join(', ')}); main thread blocked meanwhile (long-task time beyond 50 ms each) **${median(browserRuns.map((r) => r.blockedMs)).toFixed(0)} ms**, longest task ${median(browserRuns.map((r) => r.longestMs)).toFixed(0)} ms; progress shown: ${browserRuns.map((r) => (r.progressShown ? 'yes' : 'no')).join(', ')}.
`
fs.writeFileSync(path.resolve(import.meta.dirname, '../CLUSTERS.md'), md)
console.log(md)
