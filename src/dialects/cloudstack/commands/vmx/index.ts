/** Commands of this group, registered by commands/index.ts. */
import type { CsCommand } from '../../command.js';

/** This group's commands. */
export const vmExtraCommands: CsCommand[] = [];
