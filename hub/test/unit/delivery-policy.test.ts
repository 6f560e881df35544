import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { CircuitBreaker, isPermanentRefusal, retryDelay } from '../../src/journal/delivery-policy.js';

describe('isPermanentRefusal', () => {
  it('gives up on a 4xx the EPJ means, but retries timeouts, throttling and server trouble', () => {
    expect([400, 401, 403, 404, 409, 413, 422].map(isPermanentRefusal)).toEqual(Array(7).fill(true));
    expect([408, 429, 500, 502, 503, 504].map(isPermanentRefusal)).toEqual(Array(6).fill(false));
  });
});

describe('retryDelay', () => {
  it('doubles from the base up to the cap, between half and all of each ceiling', () => {
    const lowest = (attempt: number) => retryDelay(attempt, 1000, 60_000, () => 0);
    const highest = (attempt: number) => retryDelay(attempt, 1000, 60_000, () => 0.999999);
    expect([1, 2, 3, 4].map(lowest)).toEqual([500, 1000, 2000, 4000]);
    expect([1, 2, 3, 4].map(highest)).toEqual([999, 1999, 3999, 7999]);
    expect(lowest(20)).toBe(30_000);
    expect(highest(20)).toBe(59_999);
  });

  it('spreads entries that failed together', () => {
    const delays = new Set(Array.from({ length: 20 }, () => retryDelay(5, 1000, 60_000)));
    expect(delays.size).toBeGreaterThan(10);
  });
});

describe('CircuitBreaker', () => {
  it('opens after the threshold of failures in a row, and admits nothing during the cool-down', () => {
    const breaker = new CircuitBreaker(3, 10_000);
    breaker.failed(0);
    breaker.failed(1);
    expect(breaker.admit(2)).toEqual({ allowed: true });
    breaker.failed(2);
    expect(breaker.state(3)).toBe('open');
    expect(breaker.admit(5_002)).toEqual({ allowed: false, retryInMs: 5_000 });
  });

  it('a success resets the count, so scattered failures never open it', () => {
    const breaker = new CircuitBreaker(2, 10_000);
    for (let at = 0; at < 10; at++) {
      breaker.failed(at);
      breaker.succeeded();
    }
    expect(breaker.state(10)).toBe('closed');
  });

  it('after the cool-down lets one trial through: its success closes it, its failure opens it again', () => {
    const breaker = new CircuitBreaker(1, 1_000);
    breaker.failed(0);
    expect(breaker.admit(1_000)).toEqual({ allowed: true });
    // Only one trial at a time while half-open.
    expect(breaker.admit(1_001).allowed).toBe(false);
    breaker.failed(1_100);
    expect(breaker.admit(1_200)).toEqual({ allowed: false, retryInMs: 900 });
    expect(breaker.admit(2_100)).toEqual({ allowed: true });
    breaker.succeeded();
    expect(breaker.state(2_200)).toBe('closed');
    expect(breaker.admit(2_200)).toEqual({ allowed: true });
  });

  it('gives up on a trial that never reports back after a cool-down, so the EPJ is not left alone for good', () => {
    const breaker = new CircuitBreaker(1, 1_000);
    breaker.failed(0);
    expect(breaker.admit(1_000).allowed).toBe(true);
    expect(breaker.admit(1_999).allowed).toBe(false);
    expect(breaker.admit(2_000).allowed).toBe(true);
  });

  it('lets the next call be the trial when the admitted one had nothing to send, and stays open meanwhile', () => {
    const breaker = new CircuitBreaker(1, 1_000);
    breaker.failed(0);
    expect(breaker.admit(1_000).allowed).toBe(true);
    breaker.released();
    expect(breaker.state(1_001)).toBe('half-open');
    expect(breaker.admit(1_001).allowed).toBe(true);
  });
});

describe('EPJ delivery settings', () => {
  it('needs a client id and secret with a token URL, and never echoes the secret', () => {
    expect(() => loadConfig({ EPJ_TOKEN_URL: 'http://127.0.0.1:1/token', EPJ_CLIENT_ID: 'hub' })).toThrow(/EPJ_TOKEN_URL needs EPJ_CLIENT_ID and EPJ_CLIENT_SECRET/);
    const config = loadConfig({ EPJ_TOKEN_URL: 'http://127.0.0.1:1/token', EPJ_CLIENT_ID: 'hub', EPJ_CLIENT_SECRET: 's3cret', EPJ_CIRCUIT_FAILURES: '3' });
    expect(config).toMatchObject({ EPJ_CLIENT_ID: 'hub', EPJ_CLIENT_SECRET: 's3cret', EPJ_CIRCUIT_FAILURES: 3 });
    expect(() => loadConfig({ EPJ_RATE_PER_SECOND: '0' })).toThrow(/EPJ_RATE_PER_SECOND must be a whole number from 1/);
  });
});
