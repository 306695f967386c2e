import type { JsonRecord } from '../boardDoc.ts'

/** Where a link on a board may lead: web pages and mail, never script. */
const LINK_PROTOCOLS = new Set(['http:', 'https:', 'mailto:'])
/** Where an image, video or bookmark picture may come from. */
const SOURCE_PROTOCOLS = new Set(['http:', 'https:', 'asset:'])
/** data: sources that can hold nothing but pixels or video (SVG is checked on its own). */
const PASSIVE_DATA = /^data:(?:image\/(?:png|jpeg|gif|webp|avif|bmp)|video\/[a-z0-9.+-]+)[;,]/i

function protocolOf(url: string): string | undefined {
  try {
    return new URL(url).protocol.toLowerCase()
  } catch {
    return undefined
  }
}

/** An http(s) or mailto link, or empty: `javascript:`, `data:` and the like are not. */
export function isSafeLink(url: string): boolean {
  return url === '' || LINK_PROTOCOLS.has(protocolOf(url.trim()) ?? '')
}

/** SVG markup that could run script or navigate when opened on its own. */
export function svgHasActiveContent(svg: string): boolean {
  // Script, markup that embeds another document, event handlers, script links, and links at all
  // (an SVG opened on its own is a page whose links navigate); entities could hide any of these.
  return /<\s*(?:script|foreignObject|iframe|object|embed|a)\b|\son[a-z]+\s*=|javascript:|<!ENTITY/i.test(svg)
}

function decodeDataUrl(url: string): string | undefined {
  const comma = url.indexOf(',')
  if (comma < 0) return undefined
  const body = url.slice(comma + 1)
  try {
    return /;base64$/i.test(url.slice(0, comma)) ? atob(body) : decodeURIComponent(body)
  } catch {
    return undefined
  }
}

/** An image or video source that cannot run script: http(s), tldraw's asset:, raster data:, or SVG without script. */
export function isSafeSource(url: string): boolean {
  const trimmed = url.trim()
  if (trimmed === '') return true
  if (PASSIVE_DATA.test(trimmed)) return true
  if (/^data:image\/svg\+xml[;,]/i.test(trimmed)) {
    const svg = decodeDataUrl(trimmed)
    return svg !== undefined && !svgHasActiveContent(svg)
  }
  return SOURCE_PROTOCOLS.has(protocolOf(trimmed) ?? '')
}

/** Props that hold a link someone may follow, and those that hold a picture's source. */
const LINK_PROPS = ['url']
const SOURCE_PROPS = ['src', 'image', 'favicon']

/**
 * A tldraw record (shape, asset, …) with every unsafe link and source emptied: a link becomes ""
 * (no link), a source becomes null where tldraw allows it (assets' `src`) or "". Returns the same
 * record when nothing had to change, and how many values were emptied.
 */
export function neutraliseRecord(record: JsonRecord): { record: JsonRecord; neutralised: number } {
  const props = record.props
  if (!props || typeof props !== 'object' || Array.isArray(props)) return { record, neutralised: 0 }
  const fixed: Record<string, unknown> = { ...(props as Record<string, unknown>) }
  let neutralised = 0
  for (const key of LINK_PROPS) {
    if (typeof fixed[key] === 'string' && !isSafeLink(fixed[key])) {
      fixed[key] = ''
      neutralised++
    }
  }
  for (const key of SOURCE_PROPS) {
    if (typeof fixed[key] === 'string' && !isSafeSource(fixed[key])) {
      fixed[key] = key === 'src' && record.typeName === 'asset' ? null : ''
      neutralised++
    }
  }
  return neutralised === 0 ? { record, neutralised } : { record: { ...record, props: fixed }, neutralised }
}
