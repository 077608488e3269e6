/** Entry point that runs `nube serve` from source, so proof tests can spawn, kill and restart a real server process. */
import { main } from '../../src/cli/main.js';

await main(['node', 'nube', 'serve']);
