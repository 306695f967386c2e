import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { newBoardId } from '@roundtable/shared'
import { accessAllowed, loadOrCreateSecret, VIEW_TOKEN_PATTERN, viewTokenFor } from './access.ts'

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
