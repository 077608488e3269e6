/** Runs the `nube` CLI from source (tests use it instead of the built bin). */
import { main } from '../../src/cli/main.js';

await main(process.argv);
