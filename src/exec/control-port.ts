/**
 * The coordinator's end of a chunk's control channel to a worker thread: a MessagePort whose
 * other end travels with the chunk request, with the job's ControlChannel exposed on it over comlink.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import * as Comlink from 'comlink';
import type { ControlChannel } from '../kinds/user/context.js';
import type { ControlApi } from './protocol.js';

/** One chunk's channel: this end is exposed here, the returned end goes to the worker. */
export function controlPort(channel: ControlChannel): MessagePort {
  const { port1, port2 } = new MessageChannel();
  const api: ControlApi = { log: channel.log, progress: channel.progress, flush: () => {} };
  Comlink.expose(api, port1 as unknown as Comlink.Endpoint);
  port1.unref(); // the pool keeps the job alive; a forgotten port must not keep the process
  return port2;
}
