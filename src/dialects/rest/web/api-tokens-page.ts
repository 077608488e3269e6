/** The HTML of the API Tokens page (Jetstream's /user/api-tokens): the create form, the shown-once box and the token table. */
import { ALL_PERMISSIONS, DEFAULT_PERMISSIONS } from '../../../core/permissions.js';
import { esc, page } from './html.js';

/** The URL of the page's script. */
const SCRIPT_URL = '/user/api-tokens.js';

/** One checkbox per permission, the defaults ticked. */
function permissionBoxes(): string {
  return ALL_PERMISSIONS.map((p) => {
    const checked = DEFAULT_PERMISSIONS.includes(p) ? ' checked' : '';
    return `<label><input type="checkbox" name="permissions" value="${esc(p)}"${checked}> ${esc(p)}</label>`;
  }).join('\n');
}

/** The page for the signed-in user whose email is shown in the header. */
export function apiTokensPage(email: string): string {
  const header = `${esc(email)} <form method="post" action="/logout" style="display:inline">
<button type="submit" class="secondary" id="logout">Log out</button></form>`;
  return page(
    'API Tokens',
    header,
    `<h1>API Tokens</h1>
<p class="muted">API tokens allow third-party services to authenticate with the API
(<code>Authorization: Bearer &lt;token&gt;</code>) on your behalf. Browse the API at <a href="/docs/api">/docs/api</a>.</p>
<section>
<h2>Create API Token</h2>
<form id="create-token-form">
<label for="token-name">Name</label>
<input type="text" id="token-name" name="name" maxlength="255" required>
<label for="token-role">Role</label>
<select id="token-role" name="role">
<option value="">None (choose permissions)</option>
<option value="editor">Editor (read and write everything)</option>
<option value="admin">Admin (full access, including delete)</option>
</select>
<fieldset id="token-permissions">
<legend>Permissions</legend>
<div class="perms">
${permissionBoxes()}
</div>
</fieldset>
<label for="token-expires">Expires (optional)</label>
<input type="date" id="token-expires" name="expires_at">
<p class="error" id="create-error" role="alert" hidden></p>
<p><button type="submit" id="create-token">Create</button></p>
</form>
<div class="notice" id="new-token-box" hidden>
<p><strong>Please copy your new API token. For your security, it won't be shown again.</strong></p>
<code class="token" id="plain-token"></code>
<button type="button" class="secondary" id="copy-token">Copy</button>
<span class="muted" id="copy-state"></span>
</div>
</section>
<section>
<h2>Manage API Tokens</h2>
<p class="error" id="list-error" role="alert" hidden></p>
<table id="tokens">
<thead><tr><th>Name</th><th>Permissions</th><th>Last used</th><th>Expires</th><th></th></tr></thead>
<tbody></tbody>
</table>
<p class="muted" id="no-tokens" hidden>You have no API tokens.</p>
</section>`,
    SCRIPT_URL,
  );
}
