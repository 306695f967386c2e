import * as Y from 'yjs'
import { boardRecords, type JsonRecord } from '../boardDoc.ts'
import type { Actor } from '../facilitationDoc.ts'

/**
 * What comments and decisions/actions share: who acts, checks on what they write, and reading a
 * doc that any peer may have written anything into.
 */

/** A request that breaks a rule. Its message is written for the person who asked; nothing was written. */
export class OutcomeRuleError extends Error {}

/** Longest name kept with a comment or a volunteer (the name dialog allows fewer). */
export const MAX_NAME_LENGTH = 60

export function checkActor(actor: Actor): Actor {
  if (!actor.id || typeof actor.id !== 'string') throw new OutcomeRuleError('Who is acting is unknown')
  const name = String(actor.name ?? '').trim() || 'Someone'
  return { id: actor.id, name: name.slice(0, MAX_NAME_LENGTH) }
}

/** The shape record with this id, if it is on the board (drafts never are). */
export function shapeOnBoard(doc: Y.Doc, shapeId: unknown): (JsonRecord & { type?: string }) | undefined {
  if (typeof shapeId !== 'string' || !shapeId.startsWith('shape:')) return undefined
  const record = boardRecords(doc).get(shapeId)
  return record?.typeName === 'shape' ? record : undefined
}

export const isRecord = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v)
export const isString = (v: unknown, max: number): v is string => typeof v === 'string' && v.length <= max
export const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)
