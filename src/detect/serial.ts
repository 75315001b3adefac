import { DetectError } from '../errors.js';

/** Runs detector calls one at a time (one model instance, one thread); close waits for the last one. */
export function serialQueue() {
  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;
  return {
    run<T>(task: () => Promise<T>): Promise<T> {
      if (closed) return Promise.reject(new DetectError('DETECTOR_CLOSED', 'face detector is closed'));
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
