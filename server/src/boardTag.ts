import { boardTag } from '@roundtable/shared'

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
