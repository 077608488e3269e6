import { startRest } from './support/rest.js';
const r = await startRest();
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGrk1Y2c2P9FBY1y6XJxN8zY3cGkq4lJzbn0xk0DQ7qR fuzz@x';
const k = await r.req('POST', '/ssh-keys', { body: { name: 'k', public_key: KEY } });
const v = await r.req('POST', '/vps', { body: { name: 'a', image: 'ubuntu-24.04', datacenter: 'fsn1', auth_method: 'ssh_key', ssh_key_id: k.json.key.id } });
const id = v.json.instance.id;
for (const [m, p, b] of [['POST', `/vps/${id}/reboot`], ['GET', `/vps/${id}/password`], ['DELETE', `/vps/${id}`], ['POST', `/vps/${id}/start`], ['GET', `/vps/${id.toUpperCase()}/password`], ['DELETE', `/vps/${id.toUpperCase()}`]] as const) {
  const a = await r.req(m, p, { body: b });
  console.log(m, p, a.status, JSON.stringify(a.json).slice(0, 200));
}
await r.close();
