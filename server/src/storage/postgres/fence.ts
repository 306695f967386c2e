import type pg from 'pg'
import { FencedError } from '../boards.ts'
import type { Fence } from '../../cluster/ownership.ts'

/**
 * Inside a write's transaction: proceeds only while this process owns the board under the epoch
 * it took it with, and keeps the owner row locked (FOR SHARE) until the transaction ends, so a
 * takeover cannot slip in between. A board nobody owns (a fork being created) may be written by
 * a process holding no epoch for it. Without a fence (one process), every write proceeds.
 */
export async function checkFence(client: pg.PoolClient, fence: Fence | undefined, boardId: string): Promise<void> {
  if (!fence) return
  const epoch = fence.epochOf(boardId)
  const { rows } = await client.query<{ owner_id: string; epoch: string }>(
    'SELECT owner_id, epoch FROM board_owners WHERE board_id = $1 FOR SHARE',
    [boardId],
  )
  const row = rows[0]
  const ours = epoch === undefined ? row === undefined : row?.owner_id === fence.ownerId && Number(row.epoch) === epoch
  if (!ours) throw new FencedError(boardId)
}
