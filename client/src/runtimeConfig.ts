import { DEFAULT_SYNC_LIMITS, type SyncLimits } from '@roundtable/shared'

/** What the server puts into the page at run time (see server/src/http/handler.ts). */
interface RuntimeConfig extends Partial<SyncLimits> {
  tldrawLicenseKey: string | null
}

/** The server writes it into a meta element: the page's CSP lets no inline script run. */
function readConfig(): RuntimeConfig | undefined {
  if (typeof document === 'undefined') return undefined
  const content = document.querySelector('meta[name="roundtable-config"]')?.getAttribute('content')
  if (!content) return undefined
  try {
    return JSON.parse(content) as RuntimeConfig
  } catch {
    return undefined
  }
}

const config = readConfig()

export const licenseKey = config?.tldrawLicenseKey ?? undefined

/** The server's limits; the defaults when the page was not served by it (e.g. Vite's dev server). */
export const serverLimits: SyncLimits = {
  maxFrameBytes: config?.maxFrameBytes ?? DEFAULT_SYNC_LIMITS.maxFrameBytes,
  maxBoardBytes: config?.maxBoardBytes ?? DEFAULT_SYNC_LIMITS.maxBoardBytes,
  maxRecordBytes: config?.maxRecordBytes ?? DEFAULT_SYNC_LIMITS.maxRecordBytes,
}
