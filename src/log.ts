import { type Logger, pino } from 'pino';

export type { Logger };

/** JSON logs on stderr (stdout is reserved for command output such as the run summary). */
export function createLogger(level: string, name = 'aupipe'): Logger {
  return pino({ name, level, base: undefined }, pino.destination({ fd: 2, sync: true }));
}
