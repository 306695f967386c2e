import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

/**
 * A small real file system (tmpfs) to produce real "disk full" and "read-only" faults. Needs
 * the right to mount (root in a container that allows it); `canMount` says whether we have it.
 */
export interface SmallFs {
  dir: string
  remount(mode: 'ro' | 'rw'): void
  unmount(): void
}

export function mountSmallFs(sizeKb: number): SmallFs {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roundtable-smallfs-'))
  const run = (...args: string[]) => {
    const r = spawnSync('mount', args, { encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`mount ${args.join(' ')} failed: ${r.stderr}`)
  }
  run('-t', 'tmpfs', '-o', `size=${sizeKb}k`, 'tmpfs', dir)
  return {
    dir,
    remount: (mode) => run('-o', `remount,${mode}`, dir),
    unmount() {
      spawnSync('umount', ['-l', dir])
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}

export const canMount: boolean = (() => {
  try {
    mountSmallFs(64).unmount()
    return true
  } catch {
    return false
  }
})()

/** Fills the file system until it has no space left; returns the filler file's path. */
export function fill(dir: string): string {
  const file = path.join(dir, 'filler')
  const fd = fs.openSync(file, 'a')
  const chunk = Buffer.alloc(4096, 1)
  try {
    for (;;) fs.writeSync(fd, chunk)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err
  } finally {
    fs.closeSync(fd)
  }
  return file
}
