import type { ServerResponse } from 'node:http'
import {
  boardToFile,
  boardToTldr,
  buildReport,
  docFromUpdate,
  downloadBaseName,
  readMeta,
  reportInputFromDoc,
  TLDR_MIME_TYPE,
} from '@roundtable/shared'
import { InvalidInputError } from '../errors.ts'

const FORMATS = ['json', 'md', 'tldr'] as const
type Format = (typeof FORMATS)[number]

/** The `?format=` asked for among `formats` (the first when none). */
export function formatOf<F extends string = Format>(url: URL, formats: readonly F[] = FORMATS as readonly string[] as F[]): F {
  const format = url.searchParams.get('format') ?? formats[0]
  if (!(formats as readonly string[]).includes(format)) throw new InvalidInputError(`format must be one of ${formats.join(', ')}`)
  return format as F
}

/** Offers a download named `name` (shown inline by browsers that can). */
export const contentDisposition = (name: string) =>
  `inline; filename="${name.replace(/[^\x20-\x7e]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`

/**
 * tldraw's schema, for a .tldr or JSON file of a board no canvas has written yet. Loaded on the
 * first export: tldraw's schema package alone would add a third to the server's start-up.
 */
let defaultSchema: unknown
const fallbackSchema = async () => (defaultSchema ??= (await import('@tldraw/tlschema')).createTLSchema().serialize())

/**
 * Sends a board (held as one Yjs update) in the asked format. A report is of the session's time,
 * or of the moment a snapshot was taken.
 */
export async function sendBoard(res: ServerResponse, state: Uint8Array, format: Format, snapshot?: { name: string; createdAt: number }) {
  const schema = format === 'md' ? undefined : await fallbackSchema()
  const doc = docFromUpdate(state)
  try {
    const [type, body, ext] =
      format === 'md'
        ? ['text/markdown; charset=utf-8', buildReport(reportInputFromDoc(doc, snapshot?.createdAt)), '.md']
        : format === 'tldr'
          ? [TLDR_MIME_TYPE, JSON.stringify(boardToTldr(doc, schema)), '.tldr']
          : ['application/json; charset=utf-8', JSON.stringify(boardToFile(doc, Date.now(), schema)), '.json']
    const name = `${downloadBaseName(readMeta(doc).title, snapshot?.name)}${ext}`
    res.writeHead(200, {
      'content-type': type,
      'cache-control': 'no-store',
      'content-disposition': contentDisposition(name),
    })
    res.end(body)
  } finally {
    doc.destroy()
  }
}
