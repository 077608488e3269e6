/** The credentials JSON (credentials.json and `nube admin account create` output): one object per dialect. */
import type { Config } from '../config.js';
import type { CreatedAccount } from '../core/accounts/service.js';

/** credentials.json for an account, as DESIGN.md documents it. */
export function credentialsJson(cfg: Config, a: CreatedAccount): Record<string, unknown> {
  return {
    account: a.account.name, email: a.user.email, password: a.password,
    cloudstack: { endpoint: `${cfg.publicUrl}/compute`, key: a.cloudstack.key, secret: a.cloudstack.secret },
    cvm: { url: `${cfg.publicUrl}/api/client`, public: a.cvm.public, private: a.cvm.private },
    cloudsigma: { url: cfg.publicUrl, user: a.user.email, password: a.password },
  };
}
