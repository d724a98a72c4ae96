// An Express 5 app with chunkmill mounted in it: uploads, a durable queue, live progress, retry.
//   node examples/dist/web-app.js ./data 3000        then open http://127.0.0.1:3000/
//
// - chunkmill's API and dashboard live under /chunkmill (the dashboard at /chunkmill/);
// - jobs are kept in a SQLite file (jobs.db): they survive a restart, and a job that was running
//   resumes from its checkpoint;
// - the app's own routes hold the token: the browser uploads through POST /uploads and starts a
//   report with POST /reports, and gets back only the job's link token, good for that one job's
//   progress (an EventSource) and result, never the token itself;
// - a failed report can be retried (POST /reports/:id/retry).
import { randomBytes } from 'node:crypto';
import { realpath } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { chunkmillMiddleware } from 'chunkmill/server';

const dataDir = await realpath(process.argv[2] ?? '.');
const port = Number(process.argv[3] ?? 3000);
// The server's secret: from the environment in production; made up here for a local try.
const token = process.env.CHUNKMILL_TOKEN ?? randomBytes(24).toString('hex');

const jobs = chunkmillMiddleware({ store: 'jobs.db', dataDir, token, workers: 2, logLevel: 'warn' });
const app = express();
app.use('/chunkmill', jobs); // before any body parser: uploads are streamed, never buffered
app.use(express.json());

/** A call to chunkmill's API, mounted above, with the token (which never leaves this process). */
function chunkmill(path: string, init: RequestInit & { duplex?: 'half' } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${token}`);
  return fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/chunkmill/api${path}`, { ...init, headers });
}

/** chunkmill's answer, status and body, passed on to the browser. */
async function relay(response: Response, res: express.Response, pick?: (body: JobCreated) => unknown): Promise<void> {
  const body = (await response.json()) as JobCreated;
  res.status(response.status).json(response.ok && pick ? pick(body) : body);
}

interface JobCreated {
  id: string;
  links: { events: string; result: string };
}

/** What the browser gets for a report: its id and its links (each with its own expiring token). */
const report = (job: JobCreated) => ({ id: job.id, events: job.links.events, result: job.links.result });

// A file from the browser's FormData (multipart), streamed through to chunkmill's upload route.
app.post('/uploads', async (req, res) => {
  const response = await chunkmill('/uploads', {
    method: 'POST',
    headers: { 'content-type': req.headers['content-type'] ?? '' },
    body: req as unknown as ReadableStream, // Node's fetch takes a readable request as the body
    duplex: 'half',
  });
  await relay(response, res);
});

// A report: orders and revenue by region of one uploaded file. The spec is the app's, not the
// browser's: it names only the file.
app.post('/reports', async (req, res) => {
  const file = (req.body as { file?: unknown } | undefined)?.file;
  if (typeof file !== 'string') {
    res.status(400).json({ error: { message: 'file: expected the name an upload returned' } });
    return;
  }
  const spec = {
    input: file,
    aggregate: {
      groupBy: ['region'],
      measures: { orders: { kind: 'count' }, revenue: { kind: 'sum', column: 'amount' } },
    },
  };
  const response = await chunkmill('/jobs', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ spec, name: `report of ${file}` }),
  });
  await relay(response, res, report);
});

// A failed or cancelled report runs again, as a new job with links of its own.
app.post('/reports/:id/retry', async (req, res) => {
  const response = await chunkmill(`/jobs/${encodeURIComponent(req.params.id)}/retry`, { method: 'POST' });
  await relay(response, res, report);
});

app.get('/', (_req, res) => {
  res.type('html').send(PAGE);
});

const server = app.listen(port, '127.0.0.1', () => {
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  console.log(`listening on ${url}; chunkmill's dashboard at ${url}/chunkmill/`);
});
await jobs.ready();
process.on('SIGTERM', () => {
  // Running jobs keep their checkpoints and resume when the app starts again.
  server.close();
  void jobs.close();
});

/** The page: upload with progress, start the report, follow it live, retry it if it failed. */
const PAGE = `<!doctype html><meta charset="utf-8"><title>Reports</title>
<h1>Orders by region</h1>
<input type="file" id="file" accept=".csv"> <progress id="sent" max="1" value="0"></progress>
<p id="status"></p><progress id="done" max="1" value="0"></progress>
<button id="retry" hidden>Retry</button><pre id="rows"></pre>
<script type="module">
const $ = (id) => document.getElementById(id);
let current = null;
$('file').onchange = () => {
  const form = new FormData();
  form.append('file', $('file').files[0]);
  const xhr = new XMLHttpRequest(); // fetch() cannot report upload progress
  xhr.open('POST', 'uploads');
  xhr.upload.onprogress = (e) => ($('sent').value = e.loaded / e.total);
  xhr.onload = async () => {
    const upload = JSON.parse(xhr.responseText);
    if (xhr.status !== 201) return ($('status').textContent = upload.error.message);
    follow(await post('reports', { file: upload.name }));
  };
  xhr.send(form);
};
$('retry').onclick = async () => follow(await post('reports/' + current.id + '/retry'));
async function post(path, body) {
  const init = { method: 'POST' };
  if (body) Object.assign(init, { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return (await fetch(path, init)).json();
}
function follow(job) {
  current = job;
  $('retry').hidden = true;
  const events = new EventSource(job.events); // the link token is in the URL: no header needed
  events.addEventListener('progress', (e) => ($('done').value = JSON.parse(e.data).data.bytesDone / JSON.parse(e.data).data.bytesTotal));
  events.addEventListener('state', (e) => ($('status').textContent = 'report ' + job.id + ': ' + JSON.parse(e.data).data.state));
  events.addEventListener('failed', (e) => ($('status').textContent = JSON.parse(e.data).data.message));
  events.addEventListener('end', async () => {
    events.close();
    const ended = $('status').textContent.endsWith('succeeded');
    $('retry').hidden = ended;
    if (ended) $('rows').textContent = JSON.stringify((await (await fetch(job.result)).json()).rows, null, 2);
  });
}
</script>`;
