import * as Y from 'yjs'
import { COMMENTS_KEY, THREADS_KEY } from '../docKeys.ts'
import type { Actor } from '../facilitationDoc.ts'
import { randomId } from '../facilitation/log.ts'
import { checkActor, isRecord, isString, isTime, MAX_NAME_LENGTH, OutcomeRuleError, shapeOnBoard } from './validate.ts'

/**
 * Comment threads on shapes. Each comment is its own entry in the `comments` map (so two people
 * replying at once both land), signed with its author's participant id and name, even on a note
 * published anonymously: only the note is anonymous. A shape's comments, oldest first, are its
 * thread; whether the thread is resolved sits in `commentThreads` by shape id. Times are server time.
 */

export const MAX_COMMENT_LENGTH = 2000

export interface Comment {
  id: string
  shapeId: string
  by: string
  byName: string
  at: number
  text: string
  editedAt?: number
}

export interface ThreadStatus {
  resolved: boolean
  by: string
  byName: string
  at: number
}

export interface Thread {
  shapeId: string
  comments: Comment[]
  status?: ThreadStatus
}

export const commentsMap = (doc: Y.Doc): Y.Map<unknown> => doc.getMap(COMMENTS_KEY)
export const threadsMap = (doc: Y.Doc): Y.Map<unknown> => doc.getMap(THREADS_KEY)

/** A comment's text as stored: trimmed, not empty, within the limit, no control characters but line breaks and tabs. */
export function checkCommentText(text: unknown): string {
  if (typeof text !== 'string') throw new OutcomeRuleError('A comment must be text')
  const trimmed = text.replace(/\r\n?/g, '\n').trim()
  if (!trimmed) throw new OutcomeRuleError('Write something first')
  if (trimmed.length > MAX_COMMENT_LENGTH) throw new OutcomeRuleError(`A comment can be at most ${MAX_COMMENT_LENGTH} characters`)
  if (/[^\P{Cc}\t\n]/u.test(trimmed)) throw new OutcomeRuleError('A comment cannot contain control characters')
  return trimmed
}

function readComment(id: string, v: unknown): Comment | undefined {
  if (!isRecord(v) || typeof v.shapeId !== 'string' || typeof v.by !== 'string' || !isTime(v.at)) return undefined
  if (!isString(v.text, MAX_COMMENT_LENGTH) || !v.text || !isString(v.byName, MAX_NAME_LENGTH)) return undefined
  return {
    id,
    shapeId: v.shapeId,
    by: v.by,
    byName: v.byName,
    at: v.at,
    text: v.text,
    ...(isTime(v.editedAt) ? { editedAt: v.editedAt } : {}),
  }
}

function readStatus(v: unknown): ThreadStatus | undefined {
  if (!isRecord(v) || typeof v.resolved !== 'boolean' || typeof v.by !== 'string' || !isTime(v.at)) return undefined
  return { resolved: v.resolved, by: v.by, byName: isString(v.byName, MAX_NAME_LENGTH) ? v.byName : 'Someone', at: v.at }
}

/** Every thread with at least one comment, by shape id; comments oldest first. What a peer wrote malformed is left out. */
export function readThreads(doc: Y.Doc): Map<string, Thread> {
  const threads = new Map<string, Thread>()
  commentsMap(doc).forEach((value, id) => {
    const comment = readComment(id, value)
    if (!comment) return
    const thread = threads.get(comment.shapeId) ?? { shapeId: comment.shapeId, comments: [] }
    thread.comments.push(comment)
    threads.set(comment.shapeId, thread)
  })
  const statuses = threadsMap(doc)
  for (const thread of threads.values()) {
    thread.comments.sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1))
    const status = readStatus(statuses.get(thread.shapeId))
    if (status) thread.status = status
  }
  return threads
}

export const isResolved = (thread: Thread) => !!thread.status?.resolved

/** Adds a comment to a shape's thread (a reply when it has one). Reopens a resolved thread: a new comment wants an answer. */
export function addComment(doc: Y.Doc, author: Actor, shapeId: string, text: string, serverNow: number, id = randomId()): Comment {
  const who = checkActor(author)
  const body = checkCommentText(text)
  if (!shapeOnBoard(doc, shapeId)) throw new OutcomeRuleError('That shape is not on the board (it was removed, or is a private draft)')
  const comment: Comment = { id, shapeId, by: who.id, byName: who.name, at: serverNow, text: body }
  doc.transact(() => {
    const { id: _id, ...stored } = comment
    commentsMap(doc).set(id, stored)
    if (readThreads(doc).get(shapeId)?.status?.resolved) setResolved(doc, who, shapeId, false, serverNow)
  })
  return comment
}

function ownComment(doc: Y.Doc, author: Actor, commentId: string): Comment {
  const comment = readComment(commentId, commentsMap(doc).get(commentId))
  if (!comment) throw new OutcomeRuleError('That comment was deleted')
  if (comment.by !== checkActor(author).id) throw new OutcomeRuleError('Only its author can change a comment')
  return comment
}

export function editComment(doc: Y.Doc, author: Actor, commentId: string, text: string, serverNow: number) {
  const { id: _id, ...comment } = ownComment(doc, author, commentId)
  const body = checkCommentText(text)
  if (body === comment.text) return
  commentsMap(doc).set(commentId, { ...comment, text: body, editedAt: serverNow })
}

export function deleteComment(doc: Y.Doc, author: Actor, commentId: string) {
  ownComment(doc, author, commentId)
  commentsMap(doc).delete(commentId)
}

/** Resolves or reopens a thread; anyone may. A thread on a removed shape can still be resolved (so it leaves the report). */
export function setResolved(doc: Y.Doc, actor: Actor, shapeId: string, resolved: boolean, serverNow: number) {
  const who = checkActor(actor)
  const thread = readThreads(doc).get(shapeId)
  if (!thread) throw new OutcomeRuleError('That thread has no comments')
  if (isResolved(thread) === resolved) return
  threadsMap(doc).set(shapeId, { resolved, by: who.id, byName: who.name, at: serverNow } satisfies ThreadStatus)
}

export interface TextPart {
  text: string
  /** The participant name mentioned, as written in the list of names. */
  mention?: string
}

/**
 * Splits a comment into text and `@Name` mentions of the given names (people on the board).
 * Case does not matter; the longest name wins ("@Ana Lu" over "@Ana"), and a name must end at a
 * word boundary ("@Anabel" does not mention Ana).
 */
export function mentionParts(text: string, names: readonly string[]): TextPart[] {
  const sorted = [...new Set(names.map((n) => n.trim()).filter(Boolean))].sort((a, b) => b.length - a.length)
  const parts: TextPart[] = []
  let plain = ''
  for (let i = 0; i < text.length;) {
    const before = text[i - 1]
    const found =
      text[i] === '@' && (i === 0 || !/[\p{L}\p{N}_]/u.test(before))
        ? sorted.find((name) => {
            const candidate = text.slice(i + 1, i + 1 + name.length)
            const after = text[i + 1 + name.length]
            return candidate.toLowerCase() === name.toLowerCase() && (after === undefined || !/[\p{L}\p{N}_]/u.test(after))
          })
        : undefined
    if (!found) {
      plain += text[i++]
      continue
    }
    if (plain) parts.push({ text: plain })
    plain = ''
    parts.push({ text: text.slice(i, i + 1 + found.length), mention: found })
    i += 1 + found.length
  }
  if (plain) parts.push({ text: plain })
  return parts
}

/** Whether a comment mentions this name. */
export const mentions = (text: string, name: string) => mentionParts(text, [name]).some((p) => p.mention)
