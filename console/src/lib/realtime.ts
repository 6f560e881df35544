import type { AlarmView, ConsoleToServerEvents, IncidentView, ServerToConsoleEvents, SupervisorAlert } from '@knutepunkt/hub/contract';
import { io, type Socket } from 'socket.io-client';

export interface RealtimeHandlers {
  /** A full AlarmView; `raised` is true for a new alarm, false for a change to a known one. */
  alarm?(alarm: AlarmView, raised: boolean): void;
  /** An alarm passed its answer limit untaken: it must be heard and seen again. */
  escalated?(alarm: AlarmView): void;
  /** A responder's phone: a call-out to its team was made or changed (or ended). */
  callOut?(alarm: AlarmView): void;
  /** An incident (a possible power or network outage) opened, changed or escalated. */
  incident?(incident: IncidentView, event: 'incident:opened' | 'incident:updated' | 'incident:escalated'): void;
  /** Supervisors and admins: an alarm waits too long, or a responder is late. */
  supervisorAlert?(alert: SupervisorAlert): void;
  /** Fired on every (re)connect: events missed while disconnected must be fetched again. */
  connected(): void;
  disconnected(): void;
  /** The hub refused the connection (e.g. an expired token); a REST call will tell which. */
  refused(): void;
}

const RETRY_AFTER_REFUSAL_MS = 5000;

/** Subscribe to the rooms the hub puts this login in (its tenants', or a responder's team's); returns a function that disconnects. */
export function connectRealtime(token: string, handlers: RealtimeHandlers): () => void {
  const socket: Socket<ServerToConsoleEvents, ConsoleToServerEvents> = io({ auth: { token } });
  let retry: ReturnType<typeof setTimeout> | undefined;

  socket.on('alarm:raised', (alarm) => handlers.alarm?.(alarm, true));
  socket.on('alarm:updated', (alarm) => handlers.alarm?.(alarm, false));
  socket.on('alarm:escalated', (alarm) => handlers.escalated?.(alarm));
  socket.on('call-out:updated', (alarm) => handlers.callOut?.(alarm));
  socket.on('supervisor:alert', (alert) => handlers.supervisorAlert?.(alert));
  for (const event of ['incident:opened', 'incident:updated', 'incident:escalated'] as const) {
    socket.on(event, (incident) => handlers.incident?.(incident, event));
  }
  socket.on('connect', () => handlers.connected());
  socket.on('disconnect', () => handlers.disconnected());
  socket.on('connect_error', () => {
    handlers.disconnected();
    // socket.io retries transport errors itself, but not a refusal by the server's middleware.
    if (!socket.active) {
      handlers.refused();
      clearTimeout(retry);
      retry = setTimeout(() => socket.connect(), RETRY_AFTER_REFUSAL_MS);
    }
  });

  return () => {
    clearTimeout(retry);
    socket.removeAllListeners();
    socket.disconnect();
  };
}
