import type { AlarmView, CallOutDetail, CallOutReport, LoginResponse } from '@knutepunkt/hub/contract';
import { api, ApiFailure } from './api';
import { applyCallOutUpdate, orderCallOuts } from './call-out-list';
import { chime } from './chime';
import { noticeFor, type Notice } from './notice';
import { connectRealtime } from './realtime';

/**
 * A responder's phone: the team's call-outs, live, and the responder's three reports on them.
 * The hub sends each change as an AlarmView; the resident's details come with the list.
 */
export class ResponderBoard {
  readonly responder: LoginResponse['operator'];
  callOuts = $state<CallOutDetail[]>([]);
  loaded = $state(false);
  connected = $state(false);
  /** The call-out a report is being sent for; its buttons wait meanwhile. */
  reportingId = $state<string | null>(null);
  notice = $state<Notice | null>(null);
  /** Updates received while a list is being fetched: the list may be older than they are. */
  #updates: AlarmView[] | null = null;
  /** Only the answer to the latest fetch counts. */
  #latestReload = 0;

  constructor(responder: LoginResponse['operator']) {
    this.responder = responder;
  }

  start(token: string): () => void {
    void this.reload();
    return connectRealtime(token, {
      callOut: (alarm) => this.#receive(alarm),
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
    const request = ++this.#latestReload;
    this.#updates ??= [];
    const from = this.#updates.length;
    try {
      let list = orderCallOuts(await api.listCallOuts());
      if (request !== this.#latestReload) return;
      for (const alarm of this.#updates.slice(from)) list = applyCallOutUpdate(list, alarm, this.#teamId).list;
      this.callOuts = list;
      this.loaded = true;
    } catch (error) {
      if (request === this.#latestReload) this.#fail(error);
    } finally {
      if (request === this.#latestReload) this.#updates = null;
    }
  }

  async report(id: string, report: CallOutReport): Promise<void> {
    if (this.reportingId === id) return;
    this.reportingId = id;
    try {
      this.#apply(await api.respondToCallOut(id, report));
    } catch (error) {
      this.#fail(error);
      // A refusal means the list is behind (a colleague was quicker, the operator cancelled).
      void this.reload();
    } finally {
      this.reportingId = null;
    }
  }

  dismissNotice(): void {
    this.notice = null;
  }

  get #teamId(): string | null {
    return this.responder.team?.id ?? null;
  }

  #receive(alarm: AlarmView): void {
    this.#updates?.push(alarm);
    const known = this.callOuts.some((detail) => detail.alarm.id === alarm.id);
    if (this.#apply(alarm) && !known) chime();
  }

  /** Applies a change; a call-out not yet listed is fetched with its resident. Returns whether it is a new call-out. */
  #apply(alarm: AlarmView): boolean {
    const { list, unknown } = applyCallOutUpdate(this.callOuts, alarm, this.#teamId);
    this.callOuts = list;
    if (unknown) void this.reload();
    return unknown;
  }

  #fail(error: unknown): void {
    if (error instanceof ApiFailure && error.status === 401) return;
    this.notice = noticeFor(error);
  }
}
