/**
 * One shared second tick for every counting age in the queue, so that a hundred rows cost one
 * timer, and all ages turn over together.
 */
class Clock {
  now = $state(Date.now());
  #timer: ReturnType<typeof setInterval> | undefined;
  #users = 0;

  /** Start ticking; the returned function stops it when the last user is gone. */
  start(): () => void {
    this.#users += 1;
    if (this.#users === 1) {
      this.now = Date.now();
      this.#timer = setInterval(() => (this.now = Date.now()), 1000);
    }
    return () => {
      this.#users -= 1;
      if (this.#users === 0) clearInterval(this.#timer);
    };
  }
}

export const clock = new Clock();
