import type { AlarmView, OperatorRef } from '@knutepunkt/hub/contract';
import { SvelteMap } from 'svelte/reactivity';
import { isStaleUpdate, orderQueue } from './queue-order';

/** How long a newly raised alarm stays highlighted. */
export const FRESH_MS = 8000;

/** The alarms this console knows, by id, kept in queue order. */
export class AlarmQueue {
  readonly #alarms = new SvelteMap<string, AlarmView>();
  /** When each alarm arrived over the socket as new; drives the highlight. */
  readonly #raisedLiveAt = new SvelteMap<string, number>();
  /** When each alarm last changed through the socket; a list fetched earlier must not undo it. */
  readonly #touchedAt = new Map<string, number>();

  loaded = $state(false);
  readonly ordered: AlarmView[] = $derived(orderQueue(this.#alarms.values()));

  get(id: string): AlarmView | undefined {
    return this.#alarms.get(id);
  }

  /** Insert or replace by id, unless the copy we hold is evidently newer. */
  upsert(alarm: AlarmView, via: 'rest' | 'raised' | 'updated' = 'rest'): void {
    if (isStaleUpdate(this.#alarms.get(alarm.id), alarm)) return;
    this.#alarms.set(alarm.id, alarm);
    if (via === 'rest') return;
    const now = Date.now();
    this.#touchedAt.set(alarm.id, now);
    if (via === 'raised') this.#raisedLiveAt.set(alarm.id, now);
  }

  /**
   * Take the hub's list as the truth, except for alarms the socket changed after the list was
   * requested: those may be newer than the list (or missing from it, if raised meanwhile).
   */
  replaceAll(list: readonly AlarmView[], requestedAt: number): void {
    const listed = new Set(list.map((alarm) => alarm.id));
    for (const id of [...this.#alarms.keys()]) {
      if (!listed.has(id) && (this.#touchedAt.get(id) ?? 0) < requestedAt) this.#forget(id);
    }
    for (const alarm of list) {
      const touchedLater = (this.#touchedAt.get(alarm.id) ?? 0) >= requestedAt;
      if (!touchedLater) this.#alarms.set(alarm.id, alarm);
      else this.upsert(alarm);
    }
    this.loaded = true;
  }

  /**
   * A take was refused because someone else has the alarm: show it as theirs at once rather than
   * waiting for the socket to say so.
   */
  markTakenElsewhere(id: string, takenBy: OperatorRef): void {
    const alarm = this.#alarms.get(id);
    if (!alarm || alarm.takenBy) return;
    this.#alarms.set(id, { ...alarm, takenBy, state: alarm.state === 'reported' ? 'being-handled' : alarm.state });
  }

  isFresh(id: string, now: number): boolean {
    const at = this.#raisedLiveAt.get(id);
    return at !== undefined && now - at < FRESH_MS;
  }

  clear(): void {
    this.#alarms.clear();
    this.#raisedLiveAt.clear();
    this.#touchedAt.clear();
    this.loaded = false;
  }

  #forget(id: string): void {
    this.#alarms.delete(id);
    this.#raisedLiveAt.delete(id);
    this.#touchedAt.delete(id);
  }
}
