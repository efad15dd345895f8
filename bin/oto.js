#!/usr/bin/env -S node --experimental-strip-types --disable-warning=ExperimentalWarning
// The oto command. Node strips the TypeScript types at load time, so there is no build step.
// The flag is needed on Node 22.13–22.17 and accepted silently by later versions.
import '../src/cli/main.ts';
