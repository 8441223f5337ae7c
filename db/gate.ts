// The in-process gate in front of the one SQLite connection (docs/decisions/003).
//
// An async transaction on a single connection stays open across awaits, and between two
// awaits any other request's code may run. Without a gate its statements would silently
// run inside the open transaction (and roll back with it, or see its uncommitted rows), a
// second BEGIN would fail ("cannot start a transaction within a transaction"), and a
// second connection would block the event loop on the file lock that the first holder
// cannot release until the loop runs again. So:
// - one transaction at a time holds the gate (`exclusive`), in arrival order;
// - a statement outside it runs at once when no transaction is open, else waits until the
//   open one ends (`outside`);
// - a user that needs the connection across a few ticks but outside any transaction (the
//   rate limiter) takes it `shared`: many at once, never while a transaction is open.
// A turn is reserved at the moment it is granted, not when the waiter wakes, so nothing
// can slip in between the two.

type Waiter = { kind: "exclusive"; owner: object; grant: () => void } | { kind: "shared"; grant: () => void };

export class ConnectionGate {
  #owner: object | null = null;
  #shared = 0;
  readonly #queue: Waiter[] = [];

  /** The transaction that holds the connection now, if any. */
  get owner(): object | null {
    return this.#owner;
  }

  /** Run `run` as the one open transaction; `owner` identifies its statements. */
  async exclusive<T>(run: (owner: object) => Promise<T>): Promise<T> {
    const owner = {};
    if (this.#owner === null && this.#shared === 0 && this.#queue.length === 0) this.#owner = owner;
    else await new Promise<void>((grant) => this.#queue.push({ kind: "exclusive", owner, grant }));
    try {
      return await run(owner);
    } finally {
      this.#owner = null;
      this.#dispatch();
    }
  }

  /** Run a synchronous use of the connection that belongs to no transaction: now if none is open. */
  async outside<T>(use: () => T): Promise<T> {
    if (this.#owner === null) return use();
    await this.acquireShared();
    try {
      return use();
    } finally {
      this.releaseShared();
    }
  }

  /** Hold the connection outside any transaction until releaseShared(); waits for an open or queued one. */
  acquireShared(): Promise<void> {
    if (this.#owner === null && !this.#queue.some((w) => w.kind === "exclusive")) {
      this.#shared += 1;
      return Promise.resolve();
    }
    return new Promise<void>((grant) => this.#queue.push({ kind: "shared", grant }));
  }

  releaseShared(): void {
    this.#shared -= 1;
    this.#dispatch();
  }

  #dispatch(): void {
    while (this.#queue.length > 0 && this.#owner === null) {
      const next = this.#queue[0]!;
      if (next.kind === "exclusive") {
        if (this.#shared > 0) return;
        this.#queue.shift();
        this.#owner = next.owner;
        next.grant();
        return;
      }
      this.#queue.shift();
      this.#shared += 1;
      next.grant();
    }
  }
}
