import crypto from 'node:crypto'

/**
 * What logs and errors call a board instead of its id, which is its edit link's key: the first 12
 * hex digits of SHA-256 of the id. Ids are unguessable, so the tag cannot be turned back into one;
 * anyone holding an id computes its tag (`printf %s <id> | sha256sum | cut -c1-12`).
 */
export function boardTag(boardId: string): string {
  return crypto.createHash('sha256').update(boardId).digest('hex').slice(0, 12)
}

/** A path segment that may be a key: a board id (16-64 of A-Za-z0-9_-) or a view token (24 of them). */
const KEY_SEGMENT = /^[A-Za-z0-9_-]{16,64}$/

/**
 * A request path fit for a log line: every segment that could be a board id or view token is
 * replaced by its tag (`~<tag>`), so `/api/boards/<id>/export` logs as `/api/boards/~1a2b…/export`.
 */
export function redactPath(pathname: string | undefined): string {
  return (pathname ?? '')
    .split('?')[0]
    .slice(0, 200)
    .split('/')
    .map((segment) => (KEY_SEGMENT.test(segment) ? `~${boardTag(segment)}` : segment))
    .join('/')
}
