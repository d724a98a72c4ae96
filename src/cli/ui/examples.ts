/**
 * Examples for `--help`, as commander's addHelpText('after') wants them. Apart from flags.ts
 * (which loads the engine) so that program.ts builds `--version` and the top help without it.
 */
export function examples(lines: string[]): string {
  return '\nExamples:\n' + lines.map((l) => (l === '' ? '' : '  ' + l)).join('\n') + '\n';
}
