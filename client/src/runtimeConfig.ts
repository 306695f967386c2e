import { DEFAULT_SYNC_LIMITS, type SyncLimits } from '@roundtable/shared'

/** What the server puts into the page at run time (see server/src/http/handler.ts). */
interface RuntimeConfig extends Partial<SyncLimits> {
  tldrawLicenseKey: string | null
}

declare global {
  interface Window {
    __ROUNDTABLE_CONFIG__?: RuntimeConfig
  }
}

const config: RuntimeConfig | undefined = typeof window === 'undefined' ? undefined : window.__ROUNDTABLE_CONFIG__

export const licenseKey = config?.tldrawLicenseKey ?? undefined

/** The server's limits; the defaults when the page was not served by it (e.g. Vite's dev server). */
export const serverLimits: SyncLimits = {
  maxFrameBytes: config?.maxFrameBytes ?? DEFAULT_SYNC_LIMITS.maxFrameBytes,
  maxBoardBytes: config?.maxBoardBytes ?? DEFAULT_SYNC_LIMITS.maxBoardBytes,
}
