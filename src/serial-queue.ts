/**
 * Runs calls one at a time (one model instance, one thread); close waits for the last one. Calls after
 * close reject with `closedError()`. Shared by the detectors and the crop networks.
 */
export function serialQueue(closedError: () => Error) {
  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;
  return {
    run<T>(task: () => Promise<T>): Promise<T> {
      if (closed) return Promise.reject(closedError());
      const job = queue.then(task);
      queue = job.catch(() => undefined);
      return job;
    },
    async close(): Promise<void> {
      closed = true;
      await queue;
    },
  };
}
