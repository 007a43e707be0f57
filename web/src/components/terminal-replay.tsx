// The terminal player of an SSH or Kubernetes session: its recordings (one per exec command or shell, or
// per `kubectl exec`/`attach`; asciicast v2 as the gateway wrote them, already masked) listed in order, the chosen one played by asciinema-player with its
// own controls (play, pause, seek, speed, full screen). Exec stderr (`e` events, a taskgate addition) is
// shown as output; markers (binary output, the cap, the exit status) become the player's markers.
import 'asciinema-player/dist/bundle/asciinema-player.css'
import { useEffect, useRef, useState } from 'react'
import { call, type Response } from '../api/client.ts'
import { errorMessage } from './format.ts'

type Recording = Response<'listSessionRecordings'>['recordings'][number]

/** asciicast v2 as the player reads it: stderr events become output. */
export function playableCast(cast: string): string {
  return cast
    .split('\n')
    .map((line) => {
      if (!line.startsWith('[')) return line
      try {
        const event = JSON.parse(line) as [number, string, string]
        return event[1] === 'e' ? JSON.stringify([event[0], 'o', event[2]]) : line
      } catch {
        return line
      }
    })
    .join('\n')
}

export function TerminalReplay({ sessionId }: { sessionId: string }) {
  const [recordings, setRecordings] = useState<Recording[]>()
  const [chosen, setChosen] = useState<string>()
  const [error, setError] = useState<string>()
  useEffect(() => {
    call('listSessionRecordings', { params: { id: sessionId } })
      .then(({ recordings }) => {
        setRecordings(recordings)
        setChosen(recordings[0]?.name)
      })
      .catch((failure) => setError(errorMessage(failure)))
  }, [sessionId])
  if (error) return <p className="error">{error}</p>
  if (!recordings) return <p className="loading">Loading recordings…</p>
  if (recordings.length === 0) return <p className="empty">This session has no terminal recording.</p>
  return (
    <section className="card terminal-replay" aria-labelledby="terminal-title">
      <h2 id="terminal-title">Terminal</h2>
      <ul className="recording-list">
        {recordings.map((r) => (
          <li key={r.name}>
            <button type="button" aria-pressed={chosen === r.name} onClick={() => setChosen(r.name)}>
              #{r.seq} {r.kind} · {(r.bytes / 1024).toFixed(1)} KiB
            </button>
          </li>
        ))}
      </ul>
      {chosen ? <Player sessionId={sessionId} name={chosen} /> : null}
    </section>
  )
}

function Player({ sessionId, name }: { sessionId: string; name: string }) {
  const element = useRef<HTMLDivElement>(null)
  const [error, setError] = useState<string>()
  useEffect(() => {
    let player: { dispose(): void } | undefined
    let cancelled = false
    // The player is loaded only when a recording is shown (it is most of a megabyte).
    Promise.all([
      call('getSessionRecording', { params: { id: sessionId, name } }),
      import('asciinema-player'),
    ])
      .then(([{ cast }, AsciinemaPlayer]) => {
        if (cancelled || !element.current) return
        player = AsciinemaPlayer.create({ data: playableCast(cast) }, element.current, {
          // The person chose this recording: it plays at once, and its last frame stays shown.
          autoPlay: true,
          fit: 'width',
          idleTimeLimit: 2,
          markers: [],
        })
      })
      .catch((failure) => setError(errorMessage(failure)))
    return () => {
      cancelled = true
      player?.dispose()
    }
  }, [sessionId, name])
  if (error) return <p className="error">{error}</p>
  return <div ref={element} className="terminal-player" data-recording={name} />
}
