import { describe, expect, it } from 'vitest'
import { CloseCode } from '@roundtable/shared'
import { closeNotice } from './ConnectionNotice.tsx'

describe('why the server closed the connection', () => {
  const limits = { maxFrameBytes: 10 * 1024 * 1024, maxBoardBytes: 64 * 1024 * 1024, maxRecordBytes: 512 * 1024 }

  it('a change too big to send or a full board waits for the person: retrying alone would be refused again', () => {
    expect(closeNotice(CloseCode.tooLarge, limits)).toMatchObject({
      retry: 'reconnect',
      text: expect.stringContaining('over 10 MB at once'),
    })
    expect(closeNotice(CloseCode.boardTooLarge, limits)).toMatchObject({
      retry: 'reconnect',
      text: expect.stringContaining('size limit (64 MB)'),
    })
    expect(closeNotice(CloseCode.recordTooLarge, limits)).toMatchObject({
      retry: 'reconnect',
      text: expect.stringContaining('bigger than the server takes (512 KB per shape or note)'),
    })
    expect(closeNotice(CloseCode.viewOnly, limits)?.retry).toBe('reload')
  })

  it('every other limit says so while the page retries; a restart is routine', () => {
    for (const code of [
      CloseCode.rateLimited,
      CloseCode.boardFull,
      CloseCode.tooManyFromAddress,
      CloseCode.serverBusy,
      CloseCode.storageFailed,
    ]) {
      expect(closeNotice(code, limits)?.retry, String(code)).toBe('auto')
    }
    expect(closeNotice(CloseCode.restarting, limits)).toBeUndefined()
    expect(closeNotice(CloseCode.clientIdInUse, limits)).toBeUndefined()
    expect(closeNotice(1006, limits)).toBeUndefined()
  })
})
