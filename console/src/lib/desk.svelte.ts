import { browser } from '$app/environment';
import type {
  AddLogStepRequest,
  AlarmDetail,
  AlarmView,
  ChangePriorityRequest,
  CloseAlarmRequest,
  LoginResponse,
  OperatorRef,
} from '@knutepunkt/hub/contract';
import { AlarmQueue } from './alarm-queue.svelte';
import { api, ApiFailure } from './api';
import { chime } from './chime';
import { noticeFor, type Notice } from './notice';
import { pickAlarmToTake } from './queue-order';
import { connectRealtime } from './realtime';

export type { Notice } from './notice';

const SOUND_KEY = 'knutepunkt.sound';

/**
 * One operator's desk: the live queue, the selected alarm with its resident, and the actions
 * an operator takes. Components read its state and call its methods; nothing else talks to the hub.
 */
export class AlarmDesk {
  readonly queue = new AlarmQueue();
  readonly operator: LoginResponse['operator'];

  selectedId = $state<string | null>(null);
  /** Alarm and resident as last fetched for the selection; the alarm part goes stale, the queue's copy is live. */
  detail = $state<AlarmDetail | null>(null);
  detailLoading = $state(false);
  connected = $state(false);
  takingId = $state<string | null>(null);
  conflict = $state<{ alarmId: string; takenBy: OperatorRef } | null>(null);
  notice = $state<Notice | null>(null);
  soundOn = $state(browser ? localStorage.getItem(SOUND_KEY) !== 'off' : true);

  readonly selectedAlarm: AlarmView | undefined = $derived.by(() => {
    const id = this.selectedId;
    if (id === null) return undefined;
    return this.queue.get(id) ?? (this.detail?.alarm.id === id ? this.detail.alarm : undefined);
  });

  constructor(operator: LoginResponse['operator']) {
    this.operator = operator;
  }

  /** Load the queue and follow it live; returns the function that stops following. */
  start(token: string): () => void {
    void this.reload();
    return connectRealtime(token, {
      alarm: (alarm, raised) => {
        this.queue.upsert(alarm, raised ? 'raised' : 'updated');
        if (raised && this.soundOn && alarm.state !== 'closed') chime();
      },
      escalated: (alarm) => {
        this.queue.upsert(alarm, 'raised');
        if (this.soundOn) chime();
      },
      connected: () => {
        this.connected = true;
        void this.reload();
      },
      disconnected: () => {
        this.connected = false;
      },
      refused: () => void this.reload(),
    });
  }

  async reload(): Promise<void> {
    const requestedAt = Date.now();
    try {
      this.queue.replaceAll(await api.listAlarms(), requestedAt);
    } catch (error) {
      this.#fail(error);
    }
  }

  isMine(alarm: AlarmView): boolean {
    return alarm.takenBy?.id === this.operator.id;
  }

  /** Open an alarm's detail; the resident's data is fetched (and audited by the hub) once per selection. */
  select(id: string): void {
    if (this.selectedId === id && (this.detail?.alarm.id === id || this.detailLoading)) return;
    this.selectedId = id;
    this.detail = null;
    void this.#loadDetail(id);
  }

  /** Move the selection through the visible queue (arrow keys). */
  step(visible: readonly AlarmView[], delta: 1 | -1): string | undefined {
    if (visible.length === 0) return undefined;
    const index = visible.findIndex((alarm) => alarm.id === this.selectedId);
    const next = index === -1 ? (delta === 1 ? 0 : visible.length - 1) : Math.min(visible.length - 1, Math.max(0, index + delta));
    const target = visible[next];
    if (target) this.select(target.id);
    return target?.id;
  }

  /** `t`: take the selected alarm if it is free, else the most urgent free one. */
  async takeNext(): Promise<void> {
    const alarm = pickAlarmToTake(this.queue.ordered, this.selectedId);
    if (alarm) await this.take(alarm.id);
  }

  async take(id: string): Promise<void> {
    if (this.takingId === id) return;
    this.conflict = null;
    this.takingId = id;
    this.select(id);
    try {
      this.queue.upsert(await api.takeAlarm(id));
    } catch (error) {
      const takenBy = error instanceof ApiFailure && error.status === 409 ? error.body?.takenBy : undefined;
      if (takenBy) {
        this.conflict = { alarmId: id, takenBy };
        this.queue.markTakenElsewhere(id, takenBy);
      } else {
        this.#fail(error);
      }
    } finally {
      this.takingId = null;
    }
  }

  async addLogStep(id: string, step: AddLogStepRequest): Promise<boolean> {
    try {
      this.queue.upsert(await api.addLogStep(id, step));
      return true;
    } catch (error) {
      this.#fail(error);
      return false;
    }
  }

  async close(id: string, closing: CloseAlarmRequest): Promise<boolean> {
    try {
      this.queue.upsert(await api.closeAlarm(id, closing));
      return true;
    } catch (error) {
      this.#fail(error);
      return false;
    }
  }

  /** Override triage's severity; the hub logs and audits the change with its reason. */
  async changePriority(id: string, change: ChangePriorityRequest): Promise<boolean> {
    try {
      this.queue.upsert(await api.changePriority(id, change));
      return true;
    } catch (error) {
      this.#fail(error);
      return false;
    }
  }

  toggleSound(): void {
    this.soundOn = !this.soundOn;
    if (browser) localStorage.setItem(SOUND_KEY, this.soundOn ? 'on' : 'off');
  }

  dismissNotice(): void {
    this.notice = null;
  }

  async #loadDetail(id: string): Promise<void> {
    this.detailLoading = true;
    try {
      const detail = await api.getAlarm(id);
      if (this.selectedId !== id) return;
      this.queue.upsert(detail.alarm);
      this.detail = detail;
    } catch (error) {
      if (this.selectedId === id) this.#fail(error);
    } finally {
      if (this.selectedId === id) this.detailLoading = false;
    }
  }

  #fail(error: unknown): void {
    // A 401 has already ended the session; the login form is the message.
    if (error instanceof ApiFailure && error.status === 401) return;
    this.notice = noticeFor(error);
  }
}
