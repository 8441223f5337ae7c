import "server-only";
import { AsyncLocalStorage } from "node:async_hooks";

// Work that a request's writes leave for after its answer, once they are committed: today,
// delivering the emails it queued (docs/decisions/027). The outbox row is written in the
// caller's transaction; `whenCommitted` notes the delivery where the code runs, so no
// result type has to carry an email id up to the route, and no route can forget one.
//
// - Inside writeTransaction (lib/db.ts), a task waits in the transaction's frame and joins
//   the request's only if the transaction commits: a rolled-back or retried attempt's mail
//   is never sent (its row is gone too).
// - Outside one (an autocommitted statement), it joins the request's at once.
// - apiRoute (lib/http/route.ts) opens the request's scope and hands what is in it to
//   Next's `after()` once the handler has answered. With no scope (a CLI, a test calling
//   lib/ directly), nothing runs here: the outbox worker delivers within a minute
//   (lib/startup.ts), as after a crash.

export type AfterCommitTask = () => Promise<unknown>;

const request = new AsyncLocalStorage<AfterCommitTask[]>();
const transaction = new AsyncLocalStorage<AfterCommitTask[]>();

/**
 * Run `fn` as one request: what its committed writes leave to do is pushed onto `tasks`
 * (also when `fn` throws after a commit).
 */
export function collectAfterCommit<T>(tasks: AfterCommitTask[], fn: () => Promise<T>): Promise<T> {
  return request.run(tasks, fn);
}

/**
 * Run one attempt of a transaction's body: its tasks are kept apart, and returned for
 * `committed` to pass on once the transaction has committed.
 */
export async function inTransactionFrame<T>(run: () => Promise<T>): Promise<{ result: T; tasks: AfterCommitTask[] }> {
  const tasks: AfterCommitTask[] = [];
  const result = await transaction.run(tasks, run);
  return { result, tasks };
}

/** The transaction whose attempt left `tasks` has committed: they join the request's. */
export function committed(tasks: readonly AfterCommitTask[]): void {
  // Outside a transaction frame: a nested writeTransaction would hand them to the outer one.
  (transaction.getStore() ?? request.getStore())?.push(...tasks);
}

/** Run `task` after the answer, if the writes around this call commit. */
export function whenCommitted(task: AfterCommitTask): void {
  (transaction.getStore() ?? request.getStore())?.push(task);
}
