/**
 * The `s3` option's type: where S3 objects are read and how requests are signed. Declared here,
 * with the other option types, so that the job model can name it; remote/s3-config.ts resolves it
 * against the AWS configuration of the environment.
 */

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** The `s3` option: each field left out comes from the AWS configuration. */
export interface S3Settings {
  /** An S3-compatible server (MinIO, R2, Ceph, s3rver): `http://127.0.0.1:9000`. */
  endpoint?: string;
  region?: string;
  credentials?: S3Credentials;
  /** `https://endpoint/bucket/key` rather than `https://bucket.endpoint/key`; default: true with an endpoint. */
  forcePathStyle?: boolean;
}
