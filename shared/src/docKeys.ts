/**
 * Every top-level type of a board's Y.Doc, in one place. Anything else a client writes at the
 * top level is carried in exports but means nothing to Roundtable.
 */

/** tldraw's records (shapes, pages, bindings, assets) in a YKeyValue over a Y.Array; everyone writes. */
export const RECORDS_KEY = 'records'
/** Y.Map: title, created-at, the tldraw schema the records were written with, model version. */
export const META_KEY = 'meta'
/** Y.Map: everyone who took part, by participant id (name, colour, first seen). */
export const PARTICIPANTS_KEY = 'participants'
/** Y.Map: the baton, the shared timer and the current phase. */
export const FACILITATION_KEY = 'facilitation'
/** Y.Map: the agenda's timeboxed phases. */
export const AGENDA_KEY = 'agenda'
/** Y.Array: the session log (who led when, votes, reveals), append-only. */
export const SESSION_LOG_KEY = 'sessionLog'
/** Y.Map: published vote state and results; written by the server only (ballots never are in the doc). */
export const VOTES_KEY = 'votes'
/** Y.Map: the silent round; written by the server only. */
export const BRAINSTORM_KEY = 'brainstorm'
/** Y.Map: comments on shapes, by comment id; a shape's comments are its thread. */
export const COMMENTS_KEY = 'comments'
/** Y.Map: whether a shape's comment thread is resolved, by shape id. */
export const THREADS_KEY = 'commentThreads'
/** Y.Map: notes marked as decisions or actions, with volunteers, due dates and done (flat keys, see outcomes/decisions.ts). */
export const OUTCOMES_KEY = 'outcomes'
