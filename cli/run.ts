/** Process entry: writes through stdout/stderr, keeps the exit code. */
import { main } from './main';

// `sectorscope convert ... | head`: a closed pipe ends the output, it is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

const io = {
  out: (s: string) => {
    process.stdout.write(s + '\n');
  },
  err: (s: string) => {
    process.stderr.write(s + '\n');
  },
};

main(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`sectorscope: internal error: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
