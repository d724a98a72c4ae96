/** A job's labels on the command line: `--meta userId=u-7`, repeatable (submit sets them, jobs list filters on them). */
import { InvalidArgumentError } from 'commander';

/** One `key=value`, added to the labels given before it. */
export function parseLabel(text: string, labels: Record<string, string> = {}): Record<string, string> {
  const at = text.indexOf('=');
  if (at < 1) throw new InvalidArgumentError('expected key=value');
  return { ...labels, [text.slice(0, at)]: text.slice(at + 1) };
}
