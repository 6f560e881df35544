import type { ConsoleToServerEvents, HandoverNoteView, HandoverSignal, ServerToConsoleEvents, ShiftPlanView, WriteHandoverNoteRequest } from '@knutepunkt/hub/contract';
import { io, type Socket } from 'socket.io-client';
import { api, ApiFailure } from './api';
import { orderForHandover, unreadCount, withNote, withoutNote } from './handover';
import { noticeFor, type Notice } from './notice';

/** Called with the note a handover event named, or null after a (re)connect, when events may have been missed. */
type SignalListener = (signal: HandoverSignal | null) => void;

/**
 * One socket for every handover view of the console (the page, the desk's reminder, the
 * resident panel), opened while any of them listens.
 */
let signals: { token: string; socket: Socket<ServerToConsoleEvents, ConsoleToServerEvents>; listeners: Set<SignalListener> } | null = null;

function listenForHandover(token: string, listener: SignalListener): () => void {
  if (signals?.token !== token) {
    signals?.socket.disconnect();
    const socket: Socket<ServerToConsoleEvents, ConsoleToServerEvents> = io({ auth: { token } });
    const listeners = new Set<SignalListener>();
    const tell = (signal: HandoverSignal | null) => listeners.forEach((each) => each(signal));
    socket.on('handover:noted', tell);
    socket.on('handover:resolved', tell);
    // The first connect is covered by the listener's own load; a reconnect may have missed events.
    let connectedBefore = false;
    socket.on('connect', () => {
      if (connectedBefore) tell(null);
      connectedBefore = true;
    });
    signals = { token, socket, listeners };
  }
  const current = signals;
  current.listeners.add(listener);
  return () => {
    current.listeners.delete(listener);
    if (current.listeners.size === 0 && signals === current) {
      current.socket.disconnect();
      signals = null;
    }
  };
}

/** The boards on screen: a read receipt is the operator's own, so no event tells the others; this does. */
const boards = new Set<HandoverNotes>();

/**
 * The current handover notes as one view shows them: all of the operator's municipalities, or
 * one resident's. Events name a note, never its text, so any event for this view reloads it.
 */
export class HandoverNotes {
  notes = $state<HandoverNoteView[]>([]);
  shifts = $state<ShiftPlanView[]>([]);
  loaded = $state(false);
  loading = $state(false);
  writing = $state(false);
  /** Notes with a read or resolve on its way, so a button is not pressed twice. */
  pending = $state<string[]>([]);
  notice = $state<Notice | null>(null);
  readonly ordered = $derived(orderForHandover(this.notes));
  readonly unread = $derived(unreadCount(this.notes));
  /** Only the answer to the latest load is shown: a slow answer must not overwrite a newer one. */
  private latestLoad = 0;

  constructor(private readonly residentId?: string) {}

  /** Loads now and again whenever a note of this view is written or resolved; returns the stop function. */
  start(token: string): () => void {
    void this.load();
    boards.add(this);
    const stop = listenForHandover(token, (signal) => {
      if (signal === null || !this.residentId || signal.residentId === this.residentId) void this.load();
    });
    return () => {
      boards.delete(this);
      stop();
    };
  }

  async load(): Promise<void> {
    const request = ++this.latestLoad;
    this.loading = true;
    try {
      const board = await api.getHandover(this.residentId);
      if (request !== this.latestLoad) return;
      this.notes = board.notes;
      this.shifts = board.shifts;
      this.loaded = true;
    } catch (error) {
      if (request === this.latestLoad) this.fail(error);
    } finally {
      if (request === this.latestLoad) this.loading = false;
    }
  }

  /** True when the hub took the note; on refusal the notice says why and the draft stays. */
  async write(note: WriteHandoverNoteRequest): Promise<boolean> {
    this.writing = true;
    try {
      const written = await api.writeHandoverNote(note);
      if (!this.residentId || written.resident?.id === this.residentId) this.notes = withNote(this.notes, written, Date.now());
      this.notice = null;
      return true;
    } catch (error) {
      this.fail(error);
      return false;
    } finally {
      this.writing = false;
    }
  }

  markRead(id: string): Promise<void> {
    return this.act(id, () => api.markHandoverNoteRead(id));
  }

  resolve(id: string): Promise<void> {
    return this.act(id, () => api.resolveHandoverNote(id));
  }

  dismissNotice(): void {
    this.notice = null;
  }

  private async act(id: string, call: () => Promise<HandoverNoteView>): Promise<void> {
    if (this.pending.includes(id)) return;
    this.pending = [...this.pending, id];
    try {
      const changed = await call();
      for (const board of boards) if (board !== this) board.take(changed);
      this.notes = withNote(this.notes, changed, Date.now());
      this.notice = null;
    } catch (error) {
      // Gone meanwhile (resolved, out of time, or another municipality's): drop it from the board.
      if (error instanceof ApiFailure && error.status === 404) this.notes = withoutNote(this.notes, id);
      else this.fail(error);
    } finally {
      this.pending = this.pending.filter((each) => each !== id);
    }
  }

  /** A note another board on screen changed: taken over if this board shows it. */
  private take(changed: HandoverNoteView): void {
    if (this.notes.some((note) => note.id === changed.id)) this.notes = withNote(this.notes, changed, Date.now());
  }

  private fail(error: unknown): void {
    // A 401 has already ended the session; the login form is the message.
    if (!(error instanceof ApiFailure && error.status === 401)) this.notice = noticeFor(error);
  }
}
