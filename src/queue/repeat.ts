/**
 * Repeat rules: when a rule's cron expression comes due next (cron-parser reads the expression;
 * five fields, or six with seconds first, and @daily-style names).
 */
import { createRequire } from 'node:module';
import { invalidOption, messageOf } from '../errors.js';

/** A repeat rule's slots: each time one comes, the rule fires and queues a job. */
export interface RepeatOptions {
  /** A cron expression: `'0 3 * * *'` (03:00 every day), `'*\/10 * * * * *'` (every 10 s, seconds first). */
  cron: string;
  /** IANA time zone to read the expression in, e.g. 'Europe/Paris'. @default the engine's local time */
  tz?: string;
}

/** The first slot strictly after `after`, or null when the expression has none (an end date passed). */
export function nextSlot(cron: string, tz: string | null, after: number): number | null {
  // Loaded by the first repeat rule, not by every `import 'chunkmill'` (the queue is in its graph).
  const { CronExpressionParser } = createRequire(import.meta.url)('cron-parser') as typeof import('cron-parser');
  const expression = CronExpressionParser.parse(cron, { currentDate: new Date(after), ...(tz ? { tz } : {}) });
  if (!expression.hasNext()) return null;
  return expression.next().getTime();
}

/** Checks a repeat option; throws ERR_INVALID_OPTION naming repeat.cron or repeat.tz. */
export function checkRepeat(repeat: unknown): RepeatOptions {
  if (repeat === null || typeof repeat !== 'object') throw invalidOption('repeat', "expected { cron: '0 3 * * *' }");
  const { cron, tz } = repeat as { cron?: unknown; tz?: unknown };
  if (typeof cron !== 'string' || cron.trim() === '')
    throw invalidOption('repeat.cron', "expected a cron expression, e.g. '0 3 * * *'");
  if (tz !== undefined && (typeof tz !== 'string' || tz === ''))
    throw invalidOption('repeat.tz', "expected an IANA time zone name, e.g. 'Europe/Paris'");
  for (const [option, zone] of [
    ['repeat.cron', null],
    ['repeat.tz', tz ?? null],
  ] as const) {
    try {
      nextSlot(cron, zone, Date.now());
    } catch (e) {
      throw invalidOption(
        option,
        option === 'repeat.tz' ? `not a time zone cron-parser knows (${messageOf(e)})` : messageOf(e),
      );
    }
  }
  return tz === undefined ? { cron } : { cron, tz };
}
