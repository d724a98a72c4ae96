/**
 * The end of a bench module run by spawn.ts's runModule: the result goes back over IPC as
 * `{ result }`, a failure as `{ error }` (then exit code 1). Run alone (no IPC channel), the result
 * is printed as JSON instead, so the module can be tried by hand.
 */
export async function replyToParent(measure: () => Promise<unknown>): Promise<void> {
  try {
    const result = await measure();
    if (process.send) process.send({ result }, () => process.disconnect());
    else console.log(JSON.stringify(result, null, 2));
  } catch (e) {
    const message = e instanceof Error ? (e.stack ?? e.message) : String(e);
    if (process.send) process.send({ error: message }, () => process.disconnect());
    else console.error(message);
    process.exitCode = 1;
  }
}
