import type { DeviceDetail, DeviceView, LoginResponse, RegisterDeviceRequest, DeviceCredentials } from '@knutepunkt/hub/contract';
import { api, ApiFailure } from './api';
import type { DeviceAction } from './device-health';
import { noticeFor, type Notice } from './notice';

/** Device health changes slowly (heartbeats come minutes apart), so polling is enough: no socket. */
export const DEVICE_REFRESH_MS = 10_000;

/** How the last action on a device went; shown in its detail until another action or device. */
export interface ActionOutcome {
  deviceId: string;
  action: DeviceAction;
  at: string;
  /** Null when it worked. */
  failure: Notice | null;
}

type StatusAction = Extract<DeviceAction, 'suspend' | 'resume' | 'retire'>;

const STATUS_CALLS: Record<StatusAction, (id: string) => Promise<DeviceView>> = {
  suspend: (id) => api.suspendDevice(id),
  resume: (id) => api.resumeDevice(id),
  retire: (id) => api.retireDevice(id),
};

/**
 * Device health for an admin or a vendor's account: the list in the hub's order (most urgent
 * first), the selected device's history, and the actions a manager takes. Components read its
 * state and call its methods; nothing else talks to the hub about devices.
 */
export class DeviceFleet {
  readonly operator: LoginResponse['operator'];

  devices = $state<DeviceView[]>([]);
  loaded = $state(false);
  refreshing = $state(false);
  refreshedAt = $state<string | null>(null);
  /** A failure to load the list or a detail; cleared by the next good refresh. */
  notice = $state<Notice | null>(null);

  selectedId = $state<string | null>(null);
  detail = $state<DeviceDetail | null>(null);
  detailLoading = $state(false);
  busy = $state<DeviceAction | null>(null);
  outcome = $state<ActionOutcome | null>(null);
  /** A new password, held only until it has been shown and dismissed, and never for another device. */
  issued = $state<{ deviceId: string; password: string } | null>(null);
  registering = $state(false);

  /** The selection as fetched with its history, or, until that arrives, its row in the list. */
  readonly selectedDevice: DeviceView | undefined = $derived.by(() => {
    const id = this.selectedId;
    if (id === null) return undefined;
    if (this.detail?.id === id) return this.detail;
    return this.devices.find((device) => device.id === id);
  });

  constructor(operator: LoginResponse['operator']) {
    this.operator = operator;
  }

  /** Load now and every DEVICE_REFRESH_MS; returns the function that stops. */
  start(): () => void {
    void this.refresh();
    const timer = setInterval(() => void this.refresh(), DEVICE_REFRESH_MS);
    return () => clearInterval(timer);
  }

  async refresh(): Promise<void> {
    if (this.refreshing) return;
    this.refreshing = true;
    const selected = this.selectedId;
    try {
      const [devices] = await Promise.all([api.listDevices(), selected ? this.#loadDetail(selected) : undefined]);
      this.devices = devices;
      this.loaded = true;
      this.refreshedAt = new Date().toISOString();
      this.notice = null;
    } catch (error) {
      this.#fail(error);
    } finally {
      this.refreshing = false;
    }
  }

  select(id: string): void {
    this.registering = false;
    if (this.selectedId === id) return;
    this.selectedId = id;
    this.detail = null;
    this.outcome = null;
    this.issued = null;
    void this.#loadDetail(id).catch((error: unknown) => {
      if (this.selectedId === id) this.#fail(error);
    });
  }

  deselect(): void {
    this.selectedId = null;
    this.detail = null;
    this.outcome = null;
    this.issued = null;
  }

  /** Move the selection through the list (arrow keys); returns the id now selected. */
  step(delta: 1 | -1): string | undefined {
    if (this.devices.length === 0) return undefined;
    const index = this.devices.findIndex((device) => device.id === this.selectedId);
    const next = index === -1 ? (delta === 1 ? 0 : this.devices.length - 1) : Math.min(this.devices.length - 1, Math.max(0, index + delta));
    const target = this.devices[next];
    if (target) this.select(target.id);
    return target?.id;
  }

  openRegistration(): void {
    this.deselect();
    this.registering = true;
  }

  closeRegistration(): void {
    this.registering = false;
  }

  async setStatus(action: StatusAction): Promise<void> {
    await this.#act(action, async (id) => this.#apply(await STATUS_CALLS[action](id)));
  }

  async rotateCredentials(): Promise<void> {
    await this.#act('rotate', async (id) => {
      const { device, password } = await api.rotateDeviceCredentials(id);
      this.#apply(device);
      if (this.selectedId === id) this.issued = { deviceId: id, password };
    });
  }

  async sendTest(): Promise<void> {
    await this.#act('test', async (id) => {
      await api.sendDeviceCommand(id, { kind: 'test' });
    });
  }

  dismissPassword(): void {
    this.issued = null;
  }

  /** Registers a device; the caller shows the password, which is returned this once. */
  async register(registration: RegisterDeviceRequest): Promise<DeviceCredentials> {
    const credentials = await api.registerDevice(registration);
    void this.refresh();
    return credentials;
  }

  dismissNotice(): void {
    this.notice = null;
  }

  async #act(action: DeviceAction, perform: (id: string) => Promise<void>): Promise<void> {
    const id = this.selectedId;
    if (id === null || this.busy) return;
    this.busy = action;
    this.outcome = null;
    let failure: Notice | null = null;
    try {
      await perform(id);
    } catch (error) {
      // A 401 has already ended the session; the login form is the message.
      if (error instanceof ApiFailure && error.status === 401) return;
      failure = noticeFor(error);
    } finally {
      this.busy = null;
    }
    if (this.selectedId !== id) return;
    this.outcome = { deviceId: id, action, at: new Date().toISOString(), failure };
    // The history (an outage ended by suspending, a closed placement) comes with the detail.
    await this.#loadDetail(id).catch(() => undefined);
  }

  /** Puts a device as the hub now describes it into the list and the open detail. */
  #apply(device: DeviceView): void {
    this.devices = this.devices.map((candidate) => (candidate.id === device.id ? device : candidate));
    if (this.detail?.id === device.id) this.detail = { ...this.detail, ...device };
  }

  async #loadDetail(id: string): Promise<void> {
    if (this.detail?.id !== id) this.detailLoading = true;
    try {
      const detail = await api.getDevice(id);
      if (this.selectedId === id) this.detail = detail;
    } finally {
      if (this.selectedId === id) this.detailLoading = false;
    }
  }

  #fail(error: unknown): void {
    if (error instanceof ApiFailure && error.status === 401) return;
    this.notice = noticeFor(error);
  }
}
