#!/usr/bin/env node
'use strict';
// The interrupt handler first (a small module), so a Ctrl-C while the CLI is still loading is answered too.
require('../dist/run/interrupt.js').installInterruptHandler((text) => process.stderr.write(text));
// A reader that stops early (`privlink status | head`) closes the pipe: stop quietly, as other tools do.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});
require('../dist/cli/index.js').main();
