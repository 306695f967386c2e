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
  // A second pass frees what the first only found unreachable through objects it freed.
  gc()
  gc()
}
