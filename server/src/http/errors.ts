import { ConflictError, InvalidInputError, NotFoundError, UnavailableError } from '../errors.ts'
import { BoardsFullError } from '../sync/rooms.ts'

/**
 * Refusals only HTTP can decide, so they are not domain errors: which link a URL presents (a
 * view-only token cannot write) and how large a body is are facts of the request, and no
 * feature ever sees either.
 */
export class ViewOnlyError extends Error {}
export class BodyTooLargeError extends Error {}

type ErrorClass = abstract new (...args: never[]) => Error

/**
 * The one place an error becomes a status code. The answer's body is `{ error: message }`;
 * anything not listed is a bug: logged, and answered 500 without details.
 */
const ANSWERS: { type: ErrorClass; status: number; message?: string; headers?: Record<string, string> }[] = [
  { type: InvalidInputError, status: 400 },
  { type: ViewOnlyError, status: 403 },
  { type: NotFoundError, status: 404 },
  { type: ConflictError, status: 409 },
  // The rest of the body is not read after a 413: the connection cannot be reused.
  { type: BodyTooLargeError, status: 413, headers: { connection: 'close' } },
  { type: UnavailableError, status: 503 },
  // Its own message counts boards, which is the operator's business, not the asker's.
  { type: BoardsFullError, status: 503, message: 'the server has too many boards open; try again soon' },
]

/** How to answer an error, or undefined when it is not one a request may end in. */
export function answerFor(err: unknown): { status: number; body: { error: string }; headers: Record<string, string> } | undefined {
  const answer = ANSWERS.find(({ type }) => err instanceof type)
  if (!answer) return undefined
  return { status: answer.status, body: { error: answer.message ?? (err as Error).message }, headers: answer.headers ?? {} }
}
