import type { AlarmView, CloseIncidentRequest, IncidentView } from '@knutepunkt/hub/contract';
import { SvelteMap } from 'svelte/reactivity';
import { api } from './api';
import { foldedAlarmIds, isStaleIncident } from './incident-queue';

/** The incidents this console knows, by id: kept live from the socket, reloaded with the queue. */
export class IncidentBoard {
  readonly #incidents = new SvelteMap<string, IncidentView>();
  /** When each incident last changed through the socket; a list fetched earlier must not undo it. */
  readonly #touchedAt = new Map<string, number>();

  readonly all: IncidentView[] = $derived([...this.#incidents.values()]);
  /** Alarms that stand in their incident's row rather than their own. */
  readonly folded: ReadonlySet<string> = $derived(foldedAlarmIds(this.#incidents.values(), (id) => this.liveAlarm(id)));
  takingId = $state<string | null>(null);

  /** `liveAlarm`: the queue's copy of an alarm, newer than an incident's own list. */
  constructor(private readonly liveAlarm: (id: string) => AlarmView | undefined) {}

  upsert(incident: IncidentView, live = false): void {
    if (isStaleIncident(this.#incidents.get(incident.id), incident)) return;
    this.#incidents.set(incident.id, incident);
    if (live) this.#touchedAt.set(incident.id, Date.now());
  }

  /** The hub's list as the truth, except for incidents the socket changed after it was requested. */
  replaceAll(list: readonly IncidentView[], requestedAt: number): void {
    const listed = new Set(list.map((incident) => incident.id));
    for (const id of [...this.#incidents.keys()]) {
      if (!listed.has(id) && (this.#touchedAt.get(id) ?? 0) < requestedAt) {
        this.#incidents.delete(id);
        this.#touchedAt.delete(id);
      }
    }
    for (const incident of list) {
      if ((this.#touchedAt.get(incident.id) ?? 0) >= requestedAt) this.upsert(incident);
      else this.#incidents.set(incident.id, incident);
    }
  }

  /** Takes the incident and with it every alarm of it no one has taken; a refusal is thrown to the desk. */
  async take(id: string): Promise<void> {
    if (this.takingId === id) return;
    this.takingId = id;
    try {
      this.upsert(await api.takeIncident(id));
    } finally {
      this.takingId = null;
    }
  }

  async close(id: string, closing: CloseIncidentRequest): Promise<void> {
    this.upsert(await api.closeIncident(id, closing));
  }
}
