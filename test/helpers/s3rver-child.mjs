/**
 * s3rver in its own process (test/helpers/s3.ts starts it with --openssl-legacy-provider): its
 * ListObjectsV2 continuation tokens are DES-encrypted, and OpenSSL 3 allows DES only through the
 * legacy provider, a switch better kept out of the test process. Prints the port, then serves
 * until killed, or until its stdin closes: a test process that dies leaves no server behind.
 * argv: the data folder.
 */
import S3rver from 's3rver';

const server = new S3rver({ address: '127.0.0.1', port: 0, directory: process.argv[2], silent: true });
const address = await server.run();
process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
process.stdin.resume();
process.stdin.on('close', () => process.exit(0));
