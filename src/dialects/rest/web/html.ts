/** HTML helpers of the token pages: escaping and the shared page layout (no framework, no CDN, no inline script). */
import type { FastifyReply } from 'fastify';

/** The text with every character that means something in HTML (text or attribute value) escaped. */
export function esc(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The pages' content security policy: scripts only from this origin, nothing framed, forms only posted here. */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'";

const STYLE = `
body{font-family:system-ui,sans-serif;margin:0;background:#f3f4f6;color:#111827}
header{background:#1e3a8a;color:#fff;padding:.8rem 1.5rem;display:flex;justify-content:space-between;align-items:center}
header a,header button{color:#fff}
main{max-width:60rem;margin:1.5rem auto;padding:0 1rem}
section.narrow{max-width:26rem;margin:2rem auto}
section{background:#fff;border-radius:.5rem;padding:1.2rem 1.5rem;margin-bottom:1.5rem;box-shadow:0 1px 3px #0002}
label{display:block;margin:.5rem 0 .2rem;font-weight:600}
input[type=text],input[type=email],input[type=password],input[type=date],select{padding:.4rem;width:100%;max-width:24rem;box-sizing:border-box}
.perms{display:grid;grid-template-columns:repeat(auto-fill,minmax(11rem,1fr));gap:.2rem .8rem;margin:.4rem 0}
.perms label{font-weight:400;margin:0}
button{padding:.45rem 1rem;border-radius:.3rem;border:1px solid #1e3a8a;background:#1e3a8a;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#1e3a8a}
button.danger{background:#b91c1c;border-color:#b91c1c}
.error{color:#b91c1c;margin:.5rem 0}
.notice{background:#ecfdf5;border:1px solid #10b981;padding:.8rem;border-radius:.4rem;margin:.8rem 0}
code.token{display:block;word-break:break-all;background:#111827;color:#f9fafb;padding:.6rem;border-radius:.3rem;margin:.4rem 0}
table{width:100%;border-collapse:collapse}
th,td{text-align:left;padding:.4rem;border-bottom:1px solid #e5e7eb;vertical-align:top}
.muted{color:#6b7280;font-size:.9em}
[hidden]{display:none!important}
`;

/** A whole page: title, the header's right side (already HTML), the body (already HTML) and an optional script URL. */
export function page(title: string, headerRight: string, body: string, script?: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${esc(title)} — Nube</title>
<style>${STYLE}</style>
</head>
<body>
<header><strong>Nube</strong><span>${headerRight}</span></header>
<main>
${body}
</main>
${script ? `<script src="${esc(script)}"></script>` : ''}
</body>
</html>
`;
}

/** Sends an HTML page with the policy headers (never cached, never framed). */
export function sendPage(reply: FastifyReply, status: number, html: string): FastifyReply {
  return reply
    .code(status)
    .header('content-security-policy', CSP)
    .header('cache-control', 'no-store')
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'same-origin')
    .type('text/html; charset=utf-8')
    .send(html);
}
