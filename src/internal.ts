/**
 * The internal entry: what the CLI (src/cli/) and the server (src/server/) need beyond the public
 * index. It is not in package.json's exports, so no user can import it; cli/ and server/ import
 * it by relative path, and nothing else that is not public (.dependency-cruiser.cjs). Its names
 * may change in any release.
 *
 * Re-exports only; nothing is defined here.
 */
export { invalidOption } from './errors.js';
export { bigIntegerOf } from './csv/big-integer.js';
export { fileColumns } from './input/file-columns.js';
export { DEFAULT_DISTINCT_LIMIT, typedValue } from './kinds/builtin/index.js';
export { suggestColumn, unknownColumn } from './kinds/unknown-column.js';
export { splitGroupList } from './kinds/expr/parse.js';
export { groupItemColumns, groupOutputName } from './kinds/expr/group-item.js';
export { ROWS_PER_PAGE } from './queue/queue.js';
export { META_KEY, QUEUEING_SCHEMAS, specSchemaOn } from './api/job-model/index.js';
export type { HttpSpec, StoredSpec } from './api/job-model/index.js';
export type { ApiErrorData, DataFile, ErrorPlace, JobList, StreamEventName } from './api/wire.js';
export { safeUploadName, STREAM_EVENT_NAMES, streamEventName } from './api/wire.js';
export { isPostgresUrl } from './store/postgres-url.js';
export { formatOfName } from './plan/resolve-input.js';
export { isObjectUrl } from './remote/object-url.js';
export { readObjectRange } from './remote/object-range.js';
export { statObject } from './remote/object-stat.js';
export {
  createObjectUpload,
  deleteObject,
  type ObjectSink,
  type ObjectUploadStream,
  openObjectSink,
} from './remote/object-upload.js';
export { listPrefixEntries, type ListedObject } from './remote/object-list.js';
export { openObjectStream } from './remote/object-stream.js';
export { displayUrl, parseObjectUrl } from './remote/object-url.js';
