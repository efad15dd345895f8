#!/usr/bin/env node
// The oto command. Node strips the TypeScript types at load time, so there is no build step.
import '../src/cli/main.ts';
