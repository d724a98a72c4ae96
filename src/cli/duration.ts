/** A duration flag (`--link-ttl 24h`): a whole number with its unit, as milliseconds. */
import { InvalidArgumentError } from 'commander';

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `500ms`, `90s`, `30m`, `24h`, `7d`. The unit is required: a bare number could mean either ms or s. */
export function parseDuration(text: string): number {
  const match = /^\s*(\d+)\s*(ms|s|m|h|d)\s*$/.exec(text);
  const ms = match === null ? Number.NaN : Number(match[1]) * UNITS[match[2]!]!;
  if (!Number.isSafeInteger(ms) || ms < 1)
    throw new InvalidArgumentError('expected a duration with its unit: 90s, 30m, 24h, 7d');
  return ms;
}
