import { useEffect, useState } from 'react'
import type { WebsocketProvider } from 'y-websocket'
import { CloseCode, formatBytes, type SyncLimits } from '@roundtable/shared'
import { serverLimits } from '../runtimeConfig.ts'

export interface CloseNotice {
  text: string
  /** `auto`: the page retries by itself. Otherwise retrying on its own would only be refused again, so the person decides. */
  retry: 'auto' | 'reconnect' | 'reload'
}

/** Closes the page recovers from by itself, retrying: it only says why it is waiting. */
const RETRYING: Partial<Record<number, string>> = {
  [CloseCode.rateLimited]: 'This page sent too many changes at once; reconnecting after a pause…',
  [CloseCode.boardFull]: 'This board has as many people as the server allows; retrying until someone leaves…',
  [CloseCode.tooManyFromAddress]: 'Too many connections from your network; retrying…',
  [CloseCode.serverBusy]: 'The server has too many boards open; retrying…',
  [CloseCode.storageFailed]: 'The server could not save this board; retrying. Your changes are kept on this device.',
}

const PRESENCE_REFUSED = 'The server closed this page’s connection because of the presence it sent. Reload the page to reconnect.'

/** Closes only a reload mends: the page as it is would be refused again. */
const NEEDS_RELOAD: Partial<Record<number, string>> = {
  [CloseCode.viewOnly]: 'This link is view-only: the server refused a change from this page. Reload to see the board as it is.',
  [CloseCode.serverOwned]:
    'This page is out of date: it wrote vote or round state that only the server writes now. Reload to get the current version.',
  [CloseCode.presenceNotYours]: PRESENCE_REFUSED,
  [CloseCode.presenceTooLarge]: PRESENCE_REFUSED,
  [CloseCode.malformed]: 'The server could not read a message from this page. Reload the page to reconnect.',
}

/** What to tell people when the server closed the connection with `code`; undefined for a routine close. */
export function closeNotice(code: number, limits: SyncLimits = serverLimits): CloseNotice | undefined {
  const kept = 'It is kept on this device only: others do not see it.'
  if (code === CloseCode.tooLarge)
    return {
      retry: 'reconnect',
      text: `Your last change was too big for the server (over ${formatBytes(limits.maxFrameBytes)} at once), so it was not saved there. ${kept} Undo it, then reconnect.`,
    }
  if (code === CloseCode.boardTooLarge)
    return {
      retry: 'reconnect',
      text: `This board has reached the server’s size limit (${formatBytes(limits.maxBoardBytes)}), so your last change was refused. ${kept} Remove something or undo it, then reconnect.`,
    }
  if (code === CloseCode.recordTooLarge)
    return {
      retry: 'reconnect',
      text: `Your last change made one item bigger than the server takes (${formatBytes(limits.maxRecordBytes)} per shape or note), so it was refused. ${kept} Undo it, then reconnect.`,
    }
  const retrying = RETRYING[code]
  if (retrying) return { retry: 'auto', text: retrying }
  const reload = NEEDS_RELOAD[code]
  return reload ? { retry: 'reload', text: reload } : undefined
}

/**
 * Says why the server closed this board's connection when a limit did, instead of letting the
 * page reconnect silently (and, for a change too big to send, in a loop that never ends).
 */
export function ConnectionNotice({ provider }: { provider: WebsocketProvider | undefined }) {
  const [notice, setNotice] = useState<CloseNotice>()
  useEffect(() => {
    if (!provider) return
    // y-websocket stops after 4400-4499 by itself; a frame too big (1009) would only repeat.
    const shouldReconnect = provider.shouldReconnect
    provider.shouldReconnect = (event, p) => event.code !== CloseCode.tooLarge && shouldReconnect(event, p)
    const onClose = (event: CloseEvent | null) => {
      const found = event && closeNotice(event.code)
      if (found) setNotice(found)
    }
    const onSync = (synced: boolean) => synced && setNotice(undefined)
    provider.on('connection-close', onClose)
    provider.on('sync', onSync)
    return () => {
      provider.off('connection-close', onClose)
      provider.off('sync', onSync)
      provider.shouldReconnect = shouldReconnect
      setNotice(undefined)
    }
  }, [provider])

  if (!notice) return null
  return (
    <div className="banner connection-notice" role="alert">
      {notice.text} {notice.retry === 'reconnect' && <button onClick={() => (setNotice(undefined), provider?.connect())}>Reconnect</button>}
      {notice.retry === 'reload' && <button onClick={() => location.reload()}>Reload</button>}
    </div>
  )
}
