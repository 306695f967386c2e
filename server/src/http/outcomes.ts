import type { ServerResponse } from 'node:http'
import { docFromUpdate, downloadBaseName, outcomesCsv, outcomesJson, readMeta, readOutcomes } from '@roundtable/shared'
import { sendJson } from './json.ts'
import { contentDisposition } from './boardFile.ts'

/** A board's decisions and actions (held as one Yjs update), as JSON or as CSV to paste into a tracker. */
export function sendOutcomes(res: ServerResponse, state: Uint8Array, format: 'json' | 'csv') {
  const doc = docFromUpdate(state)
  try {
    const outcomes = readOutcomes(doc)
    if (format === 'json') return sendJson(res, 200, outcomesJson(outcomes))
    const name = `${downloadBaseName(readMeta(doc).title)}-actions.csv`
    res.writeHead(200, {
      'content-type': 'text/csv; charset=utf-8',
      'cache-control': 'no-store',
      'content-disposition': contentDisposition(name),
    })
    res.end(outcomesCsv(outcomes))
  } finally {
    doc.destroy()
  }
}
