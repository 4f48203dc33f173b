import { pino, type Logger } from 'pino';
import { LogLevel, type Logger as SlackLogger } from '@slack/logger';

export type { Logger };

/** Paths pino blanks out wherever they appear in a log object. */
const REDACT = [
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'req.headers.authorization',
  'botToken',
  '*.botToken',
  'signingSecret',
  '*.signingSecret',
  'appToken',
  '*.appToken',
  'ingestToken',
  '*.ingestToken',
];

export function createLogger(opts: {
  level: string;
  format: 'auto' | 'json' | 'pretty';
  destination?: pino.DestinationStream;
}): Logger {
  const pretty =
    opts.format === 'pretty' || (opts.format === 'auto' && process.stdout.isTTY === true);
  const base: pino.LoggerOptions = {
    level: opts.level,
    redact: { paths: REDACT, censor: '[redacted]' },
    base: { app: 'falco-triage' },
  };
  if (pretty && !opts.destination) {
    // pino-pretty is a dev dependency: readable logs in a terminal, JSON everywhere else.
    try {
      return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true } } });
    } catch {
      return pino(base);
    }
  }
  return opts.destination ? pino(base, opts.destination) : pino(base);
}

const toSlackLevel: Record<string, LogLevel> = {
  trace: LogLevel.DEBUG,
  debug: LogLevel.DEBUG,
  info: LogLevel.INFO,
  warn: LogLevel.WARN,
  error: LogLevel.ERROR,
  fatal: LogLevel.ERROR,
  silent: LogLevel.ERROR,
};

/** Bolt and the Web API client log through this, so their lines join ours. */
export function slackLogger(log: Logger): SlackLogger {
  let name = 'slack';
  const child = () => log.child({ module: name });
  return {
    debug: (...msg: unknown[]) => child().debug(msg.map(String).join(' ')),
    info: (...msg: unknown[]) => child().info(msg.map(String).join(' ')),
    warn: (...msg: unknown[]) => child().warn(msg.map(String).join(' ')),
    error: (...msg: unknown[]) => child().error(msg.map(String).join(' ')),
    setLevel: () => {
      /* the level is pino's, set once from LOG_LEVEL */
    },
    getLevel: () => toSlackLevel[log.level] ?? LogLevel.INFO,
    setName: (n: string) => {
      name = n;
    },
  };
}
