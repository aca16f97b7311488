// The compiled program's entry point (tools/cli/build.mjs bundles this into dist/paved.mjs).
import { main } from './main.js';

await main(process.argv);
