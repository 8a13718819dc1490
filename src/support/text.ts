/** Text files as they read: what a spec or a generated file says, whatever its line ends. */
import { createHash } from 'node:crypto';

const sha256 = (text: string | Buffer) => createHash('sha256').update(text).digest('hex');

/** A text file as it reads: CRLF line ends as LF (a Windows checkout of files committed with LF says the same). */
export const lf = (text: string): string => text.replace(/\r\n/g, '\n');

/** SHA-256 of what a text file says, whatever its line ends (specs, privlink.yaml, generated files on disk). */
export const textSha256 = (bytes: string | Buffer): string =>
  typeof bytes === 'string' ? sha256(lf(bytes)) : bytes.includes(13) ? sha256(Buffer.from(lf(bytes.toString('latin1')), 'latin1')) : sha256(bytes);
