import { memo, useEffect, useRef, useState } from 'react'
import type * as Y from 'yjs'
import {
  formatRemaining,
  isTimeUp,
  parseDuration,
  remainingMs,
  timerAct,
  TIMER_PRESETS_MIN,
  type Actor,
  type TimerAction,
  type TimerState,
} from '@roundtable/shared'
import { useNow, useServerClock } from '../board/serverClock.tsx'
import { Icon } from '../icons.tsx'

const SOUND_KEY = 'roundtable:timer-sound'

/** The shared timer, top centre: everyone sees the same remaining time, computed from server time. */
export const TimerBar = memo(function TimerBar({
  doc,
  me,
  timer,
  phaseTitle,
}: {
  doc: Y.Doc
  me: Actor
  timer: TimerState
  phaseTitle?: string
}) {
  const clock = useServerClock()
  const now = useNow(250, timer.status === 'running')
  const [custom, setCustom] = useState('')
  const [error, setError] = useState<string>()
  const [sound, setSound] = useState(() => localStorage.getItem(SOUND_KEY) === 'on')
  const left = remainingMs(timer, now)
  const done = isTimeUp(timer, now)
  const act = (action: TimerAction) => timerAct(doc, me, action, clock.now())

  // Chime once when the timer reaches zero while we watch (not when opening a long-finished one).
  const wasRunningWithTimeLeft = useRef(false)
  const hasTimeLeft = left > 0
  useEffect(() => {
    if (timer.status === 'running' && hasTimeLeft) wasRunningWithTimeLeft.current = true
    else if (done && wasRunningWithTimeLeft.current) {
      wasRunningWithTimeLeft.current = false
      if (sound) chime()
    } else wasRunningWithTimeLeft.current = false
  }, [timer.status, hasTimeLeft, done, sound])

  const startCustom = () => {
    const ms = parseDuration(custom)
    if (!ms) return setError('Try 7, 7:30 or 90s')
    setError(undefined)
    setCustom('')
    act({ type: 'start', durationMs: ms })
  }

  const label = timer.status === 'idle' ? undefined : (timer.label ?? phaseTitle)
  return (
    <section
      className={`fac-timer fac-panel${done ? ' fac-timer-done' : ''}`}
      aria-label="Shared timer"
      data-timer-status={done ? 'done' : timer.status}
    >
      {timer.status === 'idle' ? (
        <>
          {phaseTitle && <span className="fac-timer-label">{phaseTitle}</span>}
          <span className="fac-muted">Timer</span>
          {TIMER_PRESETS_MIN.map((m) => (
            <button key={m} onClick={() => act({ type: 'start', durationMs: m * 60_000 })} aria-label={`${m}m: start a ${m} minute timer`}>
              {m}m
            </button>
          ))}
          <form
            className="fac-inline-form"
            onSubmit={(e) => {
              e.preventDefault()
              startCustom()
            }}
          >
            <input
              value={custom}
              onChange={(e) => setCustom(e.target.value)}
              placeholder="mm:ss"
              aria-label="Custom timer length"
              size={5}
              aria-invalid={!!error}
            />
            <button type="submit">Start</button>
          </form>
          {error && (
            <span className="fac-error" role="alert">
              {error}
            </span>
          )}
        </>
      ) : (
        <>
          {label && <span className="fac-timer-label">{label}</span>}
          <span className="fac-time" role="timer" data-remaining-ms={Math.round(left)}>
            {done ? "Time's up" : formatRemaining(left)}
          </span>
          {timer.status === 'paused' && <span className="fac-muted">paused</span>}
          {timer.status === 'running' && !done && <button onClick={() => act({ type: 'pause' })}>Pause</button>}
          {timer.status === 'paused' && <button onClick={() => act({ type: 'resume' })}>Resume</button>}
          <button onClick={() => act({ type: 'add' })} title="Add a minute">
            +1 min
          </button>
          <button onClick={() => act({ type: 'stop' })}>{done ? 'Clear' : 'Stop'}</button>
        </>
      )}
      <button
        className="fac-icon"
        aria-pressed={sound}
        aria-label={sound ? 'Sound at zero: on' : 'Sound at zero: off'}
        title={sound ? 'Chime at zero (on)' : 'Chime at zero (off)'}
        onClick={() => {
          localStorage.setItem(SOUND_KEY, sound ? 'off' : 'on')
          setSound(!sound)
          if (!sound) chime(0.05)
        }}
      >
        <Icon name={sound ? 'bell' : 'bellOff'} />
      </button>
    </section>
  )
})

/** A short two-tone chime made with WebAudio: no sound files, nothing fetched. */
function chime(volume = 0.2) {
  try {
    const ctx = new AudioContext()
    const tones = [880, 660]
    tones.forEach((freq, i) => {
      const osc = ctx.createOscillator()
      const gain = ctx.createGain()
      osc.frequency.value = freq
      const start = ctx.currentTime + i * 0.25
      gain.gain.setValueAtTime(volume, start)
      gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.4)
      osc.connect(gain).connect(ctx.destination)
      osc.start(start)
      osc.stop(start + 0.45)
    })
    setTimeout(() => ctx.close(), 1000)
  } catch {
    // No audio on this device: the visual is enough.
  }
}
