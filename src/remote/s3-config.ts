/**
 * Where an S3 request goes and how it is signed: explicit settings (the `s3` option) over the
 * standard AWS configuration, the same order as the AWS CLI and SDKs, so that a machine set up
 * for them needs nothing more for chunkmill.
 *
 * Each process resolves its own: a cluster worker takes credentials from its own environment,
 * and nothing resolved here ever travels in a work item.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type { S3Credentials, S3Settings } from '../api/s3-settings.js';
import { ChunkmillError } from '../errors.js';

export type { S3Credentials, S3Settings } from '../api/s3-settings.js';

/** Settings resolved: every field known (credentials are checked when a request needs them). */
export interface S3Config {
  /** null: AWS itself (`s3.<region>.amazonaws.com`). */
  endpoint: URL | null;
  region: string;
  credentials: S3Credentials | null;
  forcePathStyle: boolean;
  /** The profile the files were read for, to name in messages. */
  profile: string;
}

type Env = Record<string, string | undefined>;
type Section = Record<string, unknown>;

/**
 * Explicit settings win; then AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN (unless
 * AWS_PROFILE names a profile: then, as in the AWS SDK v3, that profile's keys), AWS_REGION or
 * AWS_DEFAULT_REGION, AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL; then the profile's entries in
 * ~/.aws/credentials and ~/.aws/config (AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE).
 */
export function resolveS3Settings(settings: S3Settings = {}, env: Env = process.env): S3Config {
  const profile = nonEmpty(env.AWS_PROFILE) ?? 'default';
  const files = readProfile(profile, env);
  const endpointText =
    nonEmpty(settings.endpoint) ??
    nonEmpty(env.AWS_ENDPOINT_URL_S3) ??
    nonEmpty(env.AWS_ENDPOINT_URL) ??
    str(files.endpoint_url);
  const endpoint = endpointText === undefined ? null : parseEndpoint(endpointText);
  const region =
    nonEmpty(settings.region) ??
    nonEmpty(env.AWS_REGION) ??
    nonEmpty(env.AWS_DEFAULT_REGION) ??
    str(files.region) ??
    'us-east-1';
  return {
    endpoint,
    region,
    credentials: settings.credentials ?? credentialsFrom(env, files, nonEmpty(env.AWS_PROFILE) !== undefined),
    forcePathStyle: settings.forcePathStyle ?? endpoint !== null,
    profile,
  };
}

/** The credentials of a request, or a coded error that says how to give them. */
export function requireCredentials(config: S3Config, url: string): S3Credentials {
  if (config.credentials !== null) return config.credentials;
  throw new ChunkmillError({
    code: 'ERR_OBJECT_AUTH',
    file: url,
    message: `No S3 credentials to read ${url} (profile "${config.profile}" has none)`,
    hint: 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary ones), or AWS_PROFILE with a profile in ~/.aws/credentials, or the s3.credentials option',
  });
}

/**
 * The HTTP URL of `key` in `bucket` (key '' : the bucket itself), with `query` appended.
 * Each key segment is percent-encoded, so a key with spaces, `?` or `#` stays one path.
 */
export function s3HttpUrl(config: S3Config, bucket: string, key: string, query = ''): string {
  const path = key
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/');
  const q = query === '' ? '' : `?${query}`;
  if (config.endpoint !== null) {
    const base = config.endpoint;
    const prefix = base.pathname.replace(/\/+$/, '');
    if (config.forcePathStyle) return `${base.protocol}//${base.host}${prefix}/${bucket}/${path}${q}`;
    return `${base.protocol}//${bucket}.${base.host}${prefix}/${path}${q}`;
  }
  const host = `s3.${config.region}.amazonaws.com`;
  // A bucket name with dots does not match AWS's wildcard certificate as a host name.
  if (config.forcePathStyle || bucket.includes('.')) return `https://${host}/${bucket}/${path}${q}`;
  return `https://${bucket}.${host}/${path}${q}`;
}

function credentialsFrom(env: Env, files: Section, profileNamed: boolean): S3Credentials | null {
  const fromEnv = (): S3Credentials | null => {
    const accessKeyId = nonEmpty(env.AWS_ACCESS_KEY_ID);
    const secretAccessKey = nonEmpty(env.AWS_SECRET_ACCESS_KEY);
    if (accessKeyId === undefined || secretAccessKey === undefined) return null;
    const sessionToken = nonEmpty(env.AWS_SESSION_TOKEN);
    return sessionToken === undefined
      ? { accessKeyId, secretAccessKey }
      : { accessKeyId, secretAccessKey, sessionToken };
  };
  const fromFiles = (): S3Credentials | null => {
    const accessKeyId = str(files.aws_access_key_id);
    const secretAccessKey = str(files.aws_secret_access_key);
    if (accessKeyId === undefined || secretAccessKey === undefined) return null;
    const sessionToken = str(files.aws_session_token);
    return sessionToken === undefined
      ? { accessKeyId, secretAccessKey }
      : { accessKeyId, secretAccessKey, sessionToken };
  };
  return profileNamed ? (fromFiles() ?? fromEnv()) : (fromEnv() ?? fromFiles());
}

/**
 * The profile's entries: the config file's `[profile name]` (or `[default]`), overlaid by the
 * credentials file's `[name]` (the AWS CLI's precedence). A missing file is no error.
 */
function readProfile(profile: string, env: Env): Section {
  const home = nonEmpty(env.HOME) ?? homedir();
  const configPath = nonEmpty(env.AWS_CONFIG_FILE) ?? join(home, '.aws', 'config');
  const credentialsPath = nonEmpty(env.AWS_SHARED_CREDENTIALS_FILE) ?? join(home, '.aws', 'credentials');
  const config = readIni(configPath);
  const credentials = readIni(credentialsPath);
  const configSection = (profile === 'default' ? config.default : config[`profile ${profile}`]) ?? config[profile];
  return { ...asSection(configSection), ...asSection(credentials[profile]) };
}

function readIni(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return {};
  }
  // ini is loaded by the first read of an AWS file (s3:// only): every job imports this module.
  const { parse } = createRequire(import.meta.url)('ini') as typeof import('ini');
  return parse(text);
}

function parseEndpoint(text: string): URL {
  try {
    const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(url.protocol);
    return url;
  } catch {
    throw new ChunkmillError({
      code: 'ERR_INVALID_OPTION',
      option: 's3.endpoint',
      message: `Invalid option "s3.endpoint": ${JSON.stringify(text)} is not an http(s) URL`,
    });
  }
}

function asSection(v: unknown): Section {
  return typeof v === 'object' && v !== null ? (v as Section) : {};
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? nonEmpty(v) : undefined;
}

function nonEmpty(v: string | undefined): string | undefined {
  const t = v?.trim();
  return t === undefined || t === '' ? undefined : t;
}
