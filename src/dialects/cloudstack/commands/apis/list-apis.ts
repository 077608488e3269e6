/** listApis: every command with its parameters, as CloudStack's API discovery answers. */
import { command, list, param } from '../../command.js';

/** The command. */
export const listApis = command({
  name: 'listApis',
  description: 'lists all available apis on the server',
  isAsync: false,
  responseName: 'api',
  params: { name: param.string('API name') },
  async handle(_core, ctx, p, req) {
    const cmds = req.commands.filter(
      (c) => (!c.adminOnly || ctx.isAdmin) && (!p.name || c.name.toLowerCase() === p.name.toLowerCase()),
    );
    return list(
      'api',
      cmds.length,
      cmds.map((c) => ({
        name: c.name,
        description: c.description,
        isasync: c.isAsync,
        since: '4.0.0',
        type: c.responseName ?? 'object',
        related: '',
        params: c.params.map((s) => ({
          name: s.name,
          description: s.description,
          required: !!s.required,
          type: s.type,
          length: s.max ?? 255,
          since: '4.0.0',
          related: '',
        })),
        response: [],
      })),
    );
  },
});
