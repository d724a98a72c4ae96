// `node --import ./module-log.mjs ...`: logs every module the process loads (module-log-hooks.mjs).
import { register } from 'node:module';

register(new URL('./module-log-hooks.mjs', import.meta.url));
