#!/usr/bin/env node
'use strict';
// The interrupt handler first (a small module), so a Ctrl-C while the CLI is still loading is answered too.
require('../dist/interrupt.js').installInterruptHandler((text) => process.stderr.write(text));
require('../dist/cli/index.js').main();
