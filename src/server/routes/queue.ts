/**
 * The routes over the whole queue, as bull-board's queue actions (pause, clean, retry-all) are:
 *
 *   GET  /api/queue          200 { paused, counts }
 *   POST /api/queue/pause    200 { paused: true }: engines (on every host) claim nothing; running jobs finish
 *   POST /api/queue/resume   200 { paused: false }
 *   POST /api/jobs/bulk      200 { action, state, done, requested }: body { action: 'cancel' | 'remove', state }
 *                            cancels every queued (or running) job, or removes every job in a state
 *                            that is not running; 400 for an action the state does not allow
 * Registered in the jobs routes' scope, where a JSON content type with no body is no body.
 */
import type { FastifyInstance } from 'fastify';
import type { BulkAction, JobState } from '../../index.js';
import { bulkBody } from '../schemas.js';
import type { ServerContext } from '../server-context.js';

export function queueRoutes(scope: FastifyInstance, ctx: ServerContext): void {
  const { queue } = ctx;

  scope.get('/api/queue', async () => {
    const [paused, counts] = await Promise.all([queue.isPaused(), queue.counts()]);
    return { paused, counts };
  });

  scope.post('/api/queue/pause', async () => {
    await queue.pause();
    return { paused: true };
  });

  scope.post('/api/queue/resume', async () => {
    await queue.resume();
    return { paused: false };
  });

  scope.post('/api/jobs/bulk', { schema: { body: bulkBody } }, async (request) => {
    const { action, state } = request.body as { action: BulkAction; state: JobState };
    return queue.bulk(action, state);
  });
}
