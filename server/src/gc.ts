import v8 from 'node:v8'
import vm from 'node:vm'

let gc: (() => void) | undefined

/**
 * A full, compacting garbage collection that hands freed pages back to the system. V8 collects
 * only when something allocates, so a quiet server would keep the memory of boards it just let
 * go of; a plain collection frees it for V8 but keeps it resident.
 */
export function collectGarbage(): void {
  if (!gc) {
    v8.setFlagsFromString('--expose-gc')
    gc = vm.runInNewContext('gc') as () => void
  }
  for (let i = 0; i < Number(process.env.GC_PASSES ?? 2); i++) gc()
}
