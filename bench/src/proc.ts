import fs from 'node:fs'
import os from 'node:os'

const TICKS_PER_SECOND = 100 // USER_HZ; 100 on every Linux this runs on.

/**
 * User + system CPU time a process has used so far, in milliseconds: the sum over its threads of
 * /proc/<pid>/task/<tid>/schedstat (nanoseconds on a CPU). /proc/<pid>/stat counts the same time
 * in 10 ms ticks, too coarse for a run that costs the server 50 ms; a Node server's threads
 * (main, libuv pool, V8 helpers, LevelDB's) live as long as it does, so none drop out of the sum.
 */
export function cpuMs(pid: number): number {
  let ns = 0
  let tasks: string[]
  try {
    tasks = fs.readdirSync(`/proc/${pid}/task`)
  } catch {
    return cpuTicksMs(pid)
  }
  for (const tid of tasks) {
    try {
      ns += Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0])
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return ns > 0 ? ns / 1e6 : cpuTicksMs(pid)
}

/** User + system CPU time from /proc/<pid>/stat, in ms (10 ms resolution). */
export function cpuTicksMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
  // The command name (field 2) may hold spaces; count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const utime = Number(fields[11])
  const stime = Number(fields[12])
  return ((utime + stime) * 1000) / TICKS_PER_SECOND
}

/** Resident set size of a process, in bytes (VmRSS from /proc/<pid>/status). */
export function rssBytes(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status)
  if (!match) throw new Error(`no VmRSS for pid ${pid}`)
  return Number(match[1]) * 1024
}

/** Whole-machine CPU busy fraction over an interval, to say whether others were using it. */
export function machineCpuSample(): { busy: number; total: number } {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]
  const v = line.trim().split(/\s+/).slice(1).map(Number)
  const idle = v[3] + (v[4] ?? 0)
  const total = v.reduce((a, b) => a + b, 0)
  return { busy: total - idle, total }
}

export function describeMachine() {
  const cpus = os.cpus()
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
  }
}
