/**
 * Ctrl-C (SIGINT) and SIGTERM for the whole process: say what state the run leaves behind, then exit 130.
 *
 * Work that must be undone when interrupted registers a cleanup (the writer does, while it holds the output
 * lock); the cleanup runs and returns the sentence that tells the user where things stand. A component that
 * handles the signal itself (the lab, which must tear down namespaces and daemons asynchronously) adds its own
 * listener; while it has one, this handler leaves the signal to it.
 */
type Cleanup = () => string;

const cleanups = new Set<Cleanup>();

/** Runs `cleanup` if the process is interrupted before the returned function is called. */
export function onInterrupt(cleanup: Cleanup): () => void {
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

/** Installs the handler once, for the CLI's process (tests that drive exec() in-process do not install it). */
export function installInterruptHandler(write: (text: string) => void): void {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      if (process.listenerCount(sig) > 1) return; // the lab's own handler tears down and reports
      const said: string[] = [];
      for (const c of [...cleanups]) said.push(c());
      cleanups.clear();
      write(`privlink: interrupted by ${sig}; ${said.length > 0 ? said.join('; ') : 'no output was being written at that moment'}\n`);
      process.exit(130);
    });
  }
  // Tests that time a Ctrl-C from privlink's start, not from Node's (which a loaded machine can stretch past a second).
  if (process.env.PRIVLINK_TEST_SAY_READY === '1') write('privlink: test: interrupt handler installed\n');
}
