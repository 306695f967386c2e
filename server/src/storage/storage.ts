/**
 * Moved to ./boards.ts (beside the snapshot and ballot interfaces); this re-export keeps the sync
 * code that still names this file compiling until its imports are updated. Import from ./boards.ts.
 */
export type * from './boards.ts'
