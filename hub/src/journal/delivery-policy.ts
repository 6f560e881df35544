/**
 * How the hub treats an EPJ that fails: which answers are worth another attempt, how long to
 * wait before it, and when to leave the EPJ alone for a while. Pure, so it is tested on its own.
 */

/** The EPJ refused the entry itself (a 4xx other than 408 or 429): repeating it would be refused again. */
export function isPermanentRefusal(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/**
 * Exponential backoff with full jitter: attempt n waits a random time up to base·2^(n-1),
 * capped, so entries that failed together do not all come back at the same moment.
 */
export function retryDelay(attemptsMade: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attemptsMade - 1));
  // Never less than half the ceiling: jitter spreads retries but must not make them eager.
  return Math.floor(ceiling / 2 + random() * (ceiling / 2));
}

export type CircuitState = 'closed' | 'open' | 'half-open';

export type Admission = { allowed: true } | { allowed: false; retryInMs: number };

/**
 * A circuit breaker for one EPJ. After `threshold` failures in a row it opens: no call goes
 * out for `cooldownMs`. Then one trial call is let through (half-open); its success closes the
 * circuit, its failure opens it for another cool-down. Refusals of an entry are not failures of
 * the EPJ (it answered), so only transport errors, timeouts, 5xx, 408 and 429 count.
 */
export class CircuitBreaker {
  private failuresInRow = 0;
  private openUntil = 0;
  /** When the half-open trial call went out; one that never reports back is given up after a cool-down. */
  private trialSince: number | null = null;

  constructor(
    private readonly threshold: number,
    private readonly cooldownMs: number,
  ) {}

  state(now: number): CircuitState {
    if (this.failuresInRow < this.threshold) return 'closed';
    return now < this.openUntil ? 'open' : 'half-open';
  }

  /** Whether a call may go out now; if not, how long until one may. */
  admit(now: number): Admission {
    const state = this.state(now);
    if (state === 'closed') return { allowed: true };
    if (state === 'open') return { allowed: false, retryInMs: this.openUntil - now };
    if (this.trialSince !== null && now - this.trialSince < this.cooldownMs) return { allowed: false, retryInMs: Math.min(this.cooldownMs, 1000) };
    this.trialSince = now;
    return { allowed: true };
  }

  succeeded(): void {
    this.failuresInRow = 0;
    this.trialSince = null;
  }

  /** A call that was admitted but never made (nothing was left to send): it tells nothing about the EPJ. */
  released(): void {
    this.trialSince = null;
  }

  failed(now: number): void {
    this.failuresInRow += 1;
    this.trialSince = null;
    if (this.failuresInRow >= this.threshold) this.openUntil = now + this.cooldownMs;
  }
}
