// A web server that runs jobs in the background: node examples/dist/server.js ./data 3000
//   curl -X POST 'http://127.0.0.1:3000/jobs?file=sales.csv'   202 {"id":"1"}, at once
//   curl http://127.0.0.1:3000/jobs/1                           {"state":"running","progress":{...}}, later "done"
// The job runs on worker threads, so this thread stays free to answer while it runs.
import { realpath } from 'node:fs/promises';
import { createServer, type ServerResponse } from 'node:http';
import { resolve, sep } from 'node:path';
import { count, processDataset, sum, type AggregateResult, type Progress } from 'chunkmill';

interface JobRecord {
  state: 'running' | 'done' | 'failed';
  progress: Progress | null;
  result?: AggregateResult;
  error?: { code: string; message: string };
}

const dataDir = await realpath(process.argv[2] ?? '.');
const jobs = new Map<string, JobRecord>();
let lastId = 0;

/** The file a request names, confined to the data directory (symlinks resolved before the check). */
async function dataFile(name: string | null): Promise<string | null> {
  if (name === null) return null;
  const path = await realpath(resolve(dataDir, name)).catch(() => null);
  return path?.startsWith(dataDir + sep) ? path : null;
}

function startJob(input: string): string {
  const id = String(++lastId);
  const record: JobRecord = { state: 'running', progress: null };
  jobs.set(id, record);
  const job = processDataset({
    input,
    aggregate: { groupBy: ['region'], measures: { orders: count(), revenue: sum('amount') } },
  });
  job.on('progress', (p) => {
    record.progress = p;
  });
  job.result.then(
    (result) => Object.assign(record, { state: 'done', result }),
    (e: { code: string; message: string }) =>
      Object.assign(record, { state: 'failed', error: { code: e.code, message: e.message } }),
  );
  return id;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method === 'POST' && url.pathname === '/jobs') {
    const input = await dataFile(url.searchParams.get('file'));
    if (input === null)
      return send(res, 400, { error: 'the query parameter "file" must name a file in the data directory' });
    return send(res, 202, { id: startJob(input) });
  }
  const record = /^\/jobs\/(\d+)$/.exec(url.pathname)?.[1];
  if (req.method === 'GET' && record !== undefined) {
    const job = jobs.get(record);
    return job === undefined ? send(res, 404, { error: `no job ${record}` }) : send(res, 200, job);
  }
  send(res, 404, { error: `no route ${req.method} ${url.pathname}` });
});

server.listen(Number(process.argv[3] ?? 3000), '127.0.0.1', () => {
  const address = server.address();
  if (typeof address === 'object' && address !== null) console.log(`listening on http://127.0.0.1:${address.port}`);
});
process.on('SIGTERM', () => server.close());
