import { browser } from '$app/environment';
import type {
  AddLogStepRequest,
  AlarmDetail,
  AlarmView,
  CallOutReport,
  CallOutRequest,
  ChangePriorityRequest,
  CloseAlarmRequest,
  CloseIncidentRequest,
  LoginResponse,
  OperatorRef,
  ResponderTeamView,
} from '@knutepunkt/hub/contract';
import { AlarmQueue } from './alarm-queue.svelte';
import { IncidentBoard } from './incident-board.svelte';
import { soundsForAlarm, soundsForIncident } from './incident-queue';
import { api, ApiFailure } from './api';
import { chime } from './chime';
import { noticeFor, type Notice } from './notice';
import { pickAlarmToTake } from './queue-order';
import { connectRealtime } from './realtime';
import { dismissSupervisorAlert, receiveSupervisorAlert, type SupervisorAlertEntry } from './supervisor-alerts';

export type { Notice } from './notice';

const SOUND_KEY = 'knutepunkt.sound';

/**
 * One operator's desk: the live queue, the selected alarm with its resident, and the actions
 * an operator takes. Components read its state and call its methods; nothing else talks to the hub.
 */
export class AlarmDesk {
  readonly queue = new AlarmQueue();
  /** Outage incidents: each one row in the queue instead of its alarms. */
  readonly incidents = new IncidentBoard((id) => this.queue.get(id));
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
  /** The municipality's responder teams, fetched the first time a call-out is prepared. */
  teams = $state<ResponderTeamView[] | null>(null);
  /** Supervisors and admins: alarms waiting too long and responders late, newest first. */
  supervisorAlerts = $state<SupervisorAlertEntry[]>([]);

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
        if (raised && this.soundOn && soundsForAlarm(alarm, this.incidents.folded)) chime();
      },
      incident: (incident, event) => {
        this.incidents.upsert(incident, true);
        if (this.soundOn && soundsForIncident(incident, event)) chime();
      },
      escalated: (alarm) => {
        this.queue.upsert(alarm, 'raised');
        if (this.soundOn) chime();
      },
      supervisorAlert: (alert) => {
        this.supervisorAlerts = receiveSupervisorAlert(this.supervisorAlerts, alert);
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
      const [alarms, incidents] = await Promise.all([api.listAlarms(), api.listIncidents()]);
      this.queue.replaceAll(alarms, requestedAt);
      this.incidents.replaceAll(incidents, requestedAt);
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
    const alarm = pickAlarmToTake(this.queue.ordered.filter((candidate) => !this.incidents.folded.has(candidate.id)), this.selectedId);
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

  addLogStep(id: string, step: AddLogStepRequest): Promise<boolean> {
    return this.#apply(() => api.addLogStep(id, step));
  }

  close(id: string, closing: CloseAlarmRequest): Promise<boolean> {
    return this.#apply(() => api.closeAlarm(id, closing));
  }

  /** Take an incident, and with it each of its alarms no one has taken. */
  async takeIncident(id: string): Promise<void> {
    try {
      await this.incidents.take(id);
    } catch (error) {
      this.#fail(error);
    }
  }

  /** Close an incident: its alarms this operator holds or no one took close as technical. */
  async closeIncident(id: string, closing: CloseIncidentRequest): Promise<boolean> {
    try {
      await this.incidents.close(id, closing);
      return true;
    } catch (error) {
      this.#fail(error);
      return false;
    }
  }

  /** Put the alarm back in the queue for another operator. */
  release(id: string, note?: string): Promise<boolean> {
    return this.#apply(() => api.releaseAlarm(id, noted(note)));
  }

  /** Take a closed alarm up again; the reopener handles it. */
  reopen(id: string, note?: string): Promise<boolean> {
    return this.#apply(() => api.reopenAlarm(id, noted(note)));
  }

  /** Send a responder team; without a team the hub sends the one serving the resident's zone. */
  callOut(id: string, callOut: CallOutRequest): Promise<boolean> {
    return this.#apply(() => api.callOut(id, callOut));
  }

  cancelCallOut(id: string, note?: string): Promise<boolean> {
    return this.#apply(() => api.cancelCallOut(id, noted(note)));
  }

  /** Report for a team that phones in: accepted, on site, done. */
  reportCallOut(id: string, report: CallOutReport): Promise<boolean> {
    return this.#apply(() => api.respondToCallOut(id, report));
  }

  /** The teams a call-out can go to; fetched once per desk. */
  async loadTeams(): Promise<void> {
    if (this.teams !== null) return;
    try {
      this.teams = await api.listResponderTeams();
    } catch (error) {
      this.#fail(error);
    }
  }

  dismissSupervisorAlert(key: string): void {
    this.supervisorAlerts = dismissSupervisorAlert(this.supervisorAlerts, key);
  }

  /** Override triage's severity; the hub logs and audits the change with its reason. */
  changePriority(id: string, change: ChangePriorityRequest): Promise<boolean> {
    return this.#apply(() => api.changePriority(id, change));
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

  /** One action on an alarm: the hub's answer replaces the queue's copy, a refusal becomes the notice. */
  async #apply(action: () => Promise<AlarmView>): Promise<boolean> {
    try {
      this.queue.upsert(await action());
      return true;
    } catch (error) {
      this.#fail(error);
      return false;
    }
  }

  #fail(error: unknown): void {
    // A 401 has already ended the session; the login form is the message.
    if (error instanceof ApiFailure && error.status === 401) return;
    this.notice = noticeFor(error);
  }
}

function noted(note: string | undefined): { note?: string } {
  const trimmed = note?.trim();
  return trimmed ? { note: trimmed } : {};
}
