/**
 * The lab's stand-in for PrivateLink → NLB → service: run inside the AWS namespace, it listens on every address and
 * port it is given and answers each connection with one line naming what was reached, then closes. Prints `ready`
 * once every socket listens, or `error <address>:<port> <code>` and exits 1.
 *
 *   node listener.js '[{"address":"10.250.0.26","port":443,"banner":"aws_vpc_endpoint.endpoint_github 10.250.0.26:443"}]'
 */
import { createServer, type Server } from 'node:net';

export interface Listen {
  readonly address: string;
  readonly port: number;
  readonly banner: string;
}

export function listen(all: readonly Listen[]): Promise<Server[]> {
  return Promise.all(
    all.map(
      (l) =>
        new Promise<Server>((resolve, reject) => {
          const server = createServer((socket) => {
            socket.on('error', () => undefined);
            socket.end(`${l.banner}\n`);
          });
          server.once('error', (err: NodeJS.ErrnoException) => reject(new Error(`${l.address}:${l.port} ${err.code ?? err.message}`)));
          server.listen(l.port, l.address, () => resolve(server));
        }),
    ),
  );
}

if (require.main === module) {
  listen(JSON.parse(process.argv[2] ?? '[]') as Listen[]).then(
    () => process.stdout.write('ready\n'),
    (err) => {
      process.stdout.write(`error ${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}
