/**
 * Object URLs (what is an object, what a message shows) and the S3 settings resolved against the
 * standard AWS configuration: explicit settings over AWS_* variables over the shared files, a
 * named profile's keys over the variables' (as the AWS SDK v3), path style for an endpoint.
 */
import type { IncomingMessage } from 'node:http';
import { describe, expect, test } from 'vitest';
import { displayUrl, isObjectUrl, parseObjectUrl } from '../../src/remote/object-url.ts';
import { requireCredentials, resolveS3Settings, s3HttpUrl } from '../../src/remote/s3-config.ts';
import { checkSigV4 } from '../helpers/sigv4.ts';
import { tempDir } from '../helpers/tmp.ts';

const { file } = tempDir('chunkmill-aws-');
const credentialsFile = file(
  'credentials',
  '[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = FILESECRET\n\n[work]\naws_access_key_id = WORKKEY\naws_secret_access_key = WORKSECRET\naws_session_token = WORKTOKEN\n',
);
const configFile = file(
  'config',
  '[default]\nregion = eu-west-3\n\n[profile work]\nregion = ap-south-1\nendpoint_url = http://minio.local:9000\n',
);
const files = { AWS_SHARED_CREDENTIALS_FILE: credentialsFile, AWS_CONFIG_FILE: configFile };

describe('object URLs', () => {
  test('isObjectUrl tells objects from local paths', () => {
    for (const s of ['s3://b/k.csv', 'S3://b/k', 'https://h/x.csv', 'http://h:8080/x'])
      expect(isObjectUrl(s)).toBe(true);
    for (const s of ['data.csv', '/abs/s3://x', './https/x.csv', 'C:\\data.csv', 's3:/b/k'])
      expect(isObjectUrl(s)).toBe(false);
  });

  test('parse: bucket and key as written; errors for what is not usable', () => {
    expect(parseObjectUrl('s3://my-bucket/a/b c%20.csv')).toEqual({
      kind: 's3',
      bucket: 'my-bucket',
      key: 'a/b c%20.csv',
      url: 's3://my-bucket/a/b c%20.csv',
    });
    expect(parseObjectUrl('s3://b/', { allowEmptyKey: true })).toMatchObject({ bucket: 'b', key: '' });
    expect(parseObjectUrl('https://h.example/x.csv?a=1')).toEqual({ kind: 'http', url: 'https://h.example/x.csv?a=1' });
    for (const bad of ['s3://', 's3:///k', 's3://Bad_Bucket/k', 's3://b', 's3://b/', 'ftp://h/x', 'https://'])
      expect(() => parseObjectUrl(bad), bad).toThrow(expect.objectContaining({ code: 'ERR_OBJECT_URL' }));
  });

  test('displayUrl shows neither a password nor a query', () => {
    expect(displayUrl('https://u:pw@h.example/x.csv?X-Amz-Signature=abc')).toBe('https://h.example/x.csv?…');
    expect(displayUrl('http://h/x.csv')).toBe('http://h/x.csv');
    expect(displayUrl('s3://b/k.csv')).toBe('s3://b/k.csv');
    expect(displayUrl('http://u:pw@[bad/x?y')).not.toMatch(/pw|y$/);
  });
});

describe('S3 settings', () => {
  test('nothing set: AWS itself, us-east-1, virtual-host style, no credentials (a coded error naming the variables)', () => {
    const c = resolveS3Settings({}, { HOME: '/nonexistent' });
    expect(c).toMatchObject({ endpoint: null, region: 'us-east-1', credentials: null, forcePathStyle: false });
    expect(s3HttpUrl(c, 'bkt', 'a b/c.csv')).toBe('https://bkt.s3.us-east-1.amazonaws.com/a%20b/c.csv');
    expect(s3HttpUrl(c, 'my.bkt', 'k')).toBe('https://s3.us-east-1.amazonaws.com/my.bkt/k'); // dots: path style
    expect(() => requireCredentials(c, 's3://bkt/k')).toThrow(
      expect.objectContaining({ code: 'ERR_OBJECT_AUTH', hint: expect.stringContaining('AWS_ACCESS_KEY_ID') }),
    );
  });

  test('the variables: keys, token, region (AWS_REGION over AWS_DEFAULT_REGION), endpoint (_S3 first)', () => {
    const c = resolveS3Settings(
      {},
      {
        ...files,
        AWS_ACCESS_KEY_ID: 'ENVKEY',
        AWS_SECRET_ACCESS_KEY: 'ENVSECRET',
        AWS_SESSION_TOKEN: 'ENVTOKEN',
        AWS_REGION: 'us-west-2',
        AWS_DEFAULT_REGION: 'eu-central-1',
        AWS_ENDPOINT_URL: 'http://other:1',
        AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000/',
      },
    );
    expect(c.credentials).toEqual({ accessKeyId: 'ENVKEY', secretAccessKey: 'ENVSECRET', sessionToken: 'ENVTOKEN' });
    expect(c.region).toBe('us-west-2');
    expect(c.forcePathStyle).toBe(true);
    expect(s3HttpUrl(c, 'b', 'k.csv', 'uploads')).toBe('http://127.0.0.1:9000/b/k.csv?uploads');
    expect(resolveS3Settings({}, { AWS_DEFAULT_REGION: 'eu-central-1', HOME: '/x' }).region).toBe('eu-central-1');
  });

  test('the shared files: the default profile, or AWS_PROFILE (its keys over the variables)', () => {
    const d = resolveS3Settings({}, files);
    expect(d).toMatchObject({ region: 'eu-west-3', endpoint: null, profile: 'default' });
    expect(d.credentials).toEqual({ accessKeyId: 'FILEKEY', secretAccessKey: 'FILESECRET' });
    const w = resolveS3Settings(
      {},
      { ...files, AWS_PROFILE: 'work', AWS_ACCESS_KEY_ID: 'E', AWS_SECRET_ACCESS_KEY: 'S' },
    );
    expect(w.credentials).toEqual({ accessKeyId: 'WORKKEY', secretAccessKey: 'WORKSECRET', sessionToken: 'WORKTOKEN' });
    expect(w).toMatchObject({ region: 'ap-south-1', forcePathStyle: true });
    expect(w.endpoint?.href).toBe('http://minio.local:9000/');
    // without AWS_PROFILE the variables come first
    expect(resolveS3Settings({}, { ...files, AWS_ACCESS_KEY_ID: 'E', AWS_SECRET_ACCESS_KEY: 'S' }).credentials).toEqual(
      {
        accessKeyId: 'E',
        secretAccessKey: 'S',
      },
    );
  });

  test('explicit settings win; forcePathStyle false gives virtual hosts on the endpoint', () => {
    const c = resolveS3Settings(
      {
        endpoint: 'https://r2.example.com',
        region: 'auto',
        credentials: { accessKeyId: 'X', secretAccessKey: 'Y' },
        forcePathStyle: false,
      },
      { ...files, AWS_PROFILE: 'work', AWS_REGION: 'us-west-2' },
    );
    expect(c).toMatchObject({ region: 'auto', credentials: { accessKeyId: 'X', secretAccessKey: 'Y' } });
    expect(s3HttpUrl(c, 'bkt', 'k')).toBe('https://bkt.r2.example.com/k');
    expect(() => resolveS3Settings({ endpoint: 'ftp://x' }, {})).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION', option: 's3.endpoint' }),
    );
  });
});

describe('the signature check of the test server (test/helpers/sigv4.ts)', () => {
  test("passes AWS's own example (S3 docs, GET Object with Range) and fails it with one byte changed", () => {
    const req = {
      method: 'GET',
      url: '/test.txt',
      headers: {
        host: 'examplebucket.s3.amazonaws.com',
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
        range: 'bytes=0-9',
        'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
        'x-amz-date': '20130524T000000Z',
      },
    } as unknown as IncomingMessage;
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    expect(checkSigV4(req, 'AKIAIOSFODNN7EXAMPLE', secret)).toBe('ok');
    expect(
      checkSigV4(
        { ...req, headers: { ...req.headers, range: 'bytes=0-8' } } as IncomingMessage,
        'AKIAIOSFODNN7EXAMPLE',
        secret,
      ),
    ).toBe('mismatch');
  });
});
