import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { newBoardId } from '@roundtable/shared'
import type { IncomingMessage } from 'node:http'
import { accessAllowed, loadOrCreateSecret, presentedAccessToken, VIEW_TOKEN_PATTERN, viewTokenFor } from './access.ts'

describe('server secret and view tokens', () => {
  it('creates the secret once, owner-only, and keeps it across restarts', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roundtable-secret-'))
    const first = loadOrCreateSecret(dir)
    const mode = fs.statSync(path.join(dir, 'server-secret')).mode & 0o777
    expect(mode).toBe(0o600)
    expect(loadOrCreateSecret(dir).equals(first)).toBe(true)
    expect(first.length).toBe(32)
  })

  it('derives a stable token per board that neither contains nor equals the board id', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roundtable-secret-'))
    const secret = loadOrCreateSecret(dir)
    const boardId = newBoardId()
    const token = viewTokenFor(secret, boardId)
    expect(token).toMatch(VIEW_TOKEN_PATTERN)
    expect(viewTokenFor(secret, boardId)).toBe(token)
    expect(token).not.toContain(boardId.slice(0, 8))
    expect(viewTokenFor(secret, newBoardId())).not.toBe(token)
    // Another server's secret gives another token.
    const other = loadOrCreateSecret(fs.mkdtempSync(path.join(os.tmpdir(), 'roundtable-secret-')))
    expect(viewTokenFor(other, boardId)).not.toBe(token)
  })
})

describe('access token check', () => {
  it('lets everything through when no token is configured', () => {
    expect(accessAllowed(undefined, undefined)).toBe(true)
  })
  it('requires the exact token when one is configured', () => {
    expect(accessAllowed('s3cret-token', 's3cret-token')).toBe(true)
    expect(accessAllowed('s3cret-token', undefined)).toBe(false)
    expect(accessAllowed('s3cret-token', 's3cret-toke')).toBe(false)
    expect(accessAllowed('s3cret-token', '')).toBe(false)
  })
})

describe('presented access token', () => {
  const presented = (cookie: string) => presentedAccessToken({ headers: { cookie } } as IncomingMessage, new URL('http://localhost/'))

  it('reads the cookie, percent-decoded', () => {
    expect(presented('a=1; roundtable_access=t%C3%A9st')).toEqual({ token: 'tést', via: 'cookie' })
  })
  it('treats a cookie that is not valid percent-encoding as absent instead of throwing', () => {
    for (const bad of ['%E0%A4%A', '%', '%zz']) {
      expect(presented(`roundtable_access=${bad}`)).toEqual({ token: undefined, via: undefined })
    }
  })
})
