import { describe, expect, it } from 'vitest'
import { decodeLinkFrame, encodeBroadcast, encodeClose, encodeFrame, encodeOpen, LinkFrame } from './linkFrames.ts'

describe('board link frames', () => {
  it('carry a client frame unchanged, with its number on the link', () => {
    const payload = new Uint8Array([0, 2, 5, 1, 2, 3, 255])
    expect(decodeLinkFrame(encodeFrame(300, payload))).toEqual({ type: LinkFrame.frame, id: 300, payload })
    expect(decodeLinkFrame(encodeBroadcast(7, payload))).toEqual({ type: LinkFrame.broadcast, except: 7, payload })
    expect(decodeLinkFrame(encodeBroadcast(0, new Uint8Array()))).toEqual({
      type: LinkFrame.broadcast,
      except: 0,
      payload: new Uint8Array(),
    })
  })

  it('say who joined (and whether view-only) and who left, with the close code and reason', () => {
    expect(decodeLinkFrame(encodeOpen(1, true))).toEqual({ type: LinkFrame.open, id: 1, readOnly: true })
    expect(decodeLinkFrame(encodeOpen(2, false))).toEqual({ type: LinkFrame.open, id: 2, readOnly: false })
    expect(decodeLinkFrame(encodeClose(9, 4403, 'view-only link'))).toEqual({
      type: LinkFrame.close,
      id: 9,
      code: 4403,
      reason: 'view-only link',
    })
    expect(decodeLinkFrame(encodeClose(9))).toEqual({ type: LinkFrame.close, id: 9, code: 1000, reason: '' })
  })

  it('refuse what is not a link frame', () => {
    expect(() => decodeLinkFrame(new Uint8Array([9, 1]))).toThrow(/unknown link frame type 9/)
    expect(() => decodeLinkFrame(new Uint8Array([]))).toThrow()
  })
})
