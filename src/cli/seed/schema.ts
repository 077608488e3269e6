/** The seed file's shape (NUBE_SEED_FILE, YAML or JSON): accounts with fixed credentials and the resources they own. */
import { Type, type Static } from '@sinclair/typebox';

const KEY_TEXT = { pattern: '^[A-Za-z0-9_-]{8,128}$', expected: '8 to 128 letters, digits, "_" or "-"' };
const name = Type.String({ minLength: 1, maxLength: 63, expected: 'a name of 1 to 63 characters' });
const ip = Type.String({ pattern: '^\\d{1,3}(\\.\\d{1,3}){3}$', expected: 'an IPv4 address' });

const SshKey = Type.Object(
  { name, public_key: Type.String({ minLength: 1, expected: 'an OpenSSH public key' }) },
  { additionalProperties: false },
);

const Network = Type.Object(
  {
    name,
    zone: name,
    description: Type.Optional(Type.String({ minLength: 1 })),
    start_ip: Type.Optional(ip),
    end_ip: Type.Optional(ip),
    netmask: Type.Optional(ip),
    gateway: Type.Optional(ip),
  },
  { additionalProperties: false },
);

const Volume = Type.Object(
  {
    name,
    zone: name,
    size_gb: Type.Optional(Type.Integer({ minimum: 1, expected: 'a whole number of GiB >= 1' })),
    disk_offering: Type.Optional(name),
  },
  { additionalProperties: false },
);

const Vm = Type.Object(
  {
    name,
    zone: name,
    offering: name,
    template: Type.String({ minLength: 1 }),
    ssh_key: Type.Optional(name),
    networks: Type.Optional(Type.Array(name)),
    password: Type.Optional(Type.String({ minLength: 8, maxLength: 128, expected: '8 to 128 characters' })),
    start: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const DnsRecord = Type.Object(
  {
    name: Type.Optional(
      Type.String({ maxLength: 253, expected: "a name relative to the domain ('' or @ for the apex)" }),
    ),
    type: Type.String({ minLength: 1, maxLength: 10, expected: 'a record type (A, AAAA, CNAME, MX, TXT, ...)' }),
    content: Type.String({ minLength: 1, maxLength: 4096 }),
    ttl: Type.Optional(Type.Integer({ minimum: 1, expected: 'a whole number of seconds >= 1' })),
    priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535, expected: 'a whole number from 0 to 65535' })),
  },
  { additionalProperties: false },
);

const DnsDomain = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 253, expected: 'a domain name' }),
    records: Type.Optional(Type.Array(DnsRecord)),
  },
  { additionalProperties: false },
);

const Account = Type.Object(
  {
    name,
    email: Type.Optional(Type.String({ pattern: '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$', expected: 'an email address' })),
    password: Type.Optional(Type.String({ minLength: 8, maxLength: 128, expected: '8 to 128 characters' })),
    cloudstack: Type.Optional(
      Type.Object({ key: Type.String(KEY_TEXT), secret: Type.String(KEY_TEXT) }, { additionalProperties: false }),
    ),
    cvm: Type.Optional(
      Type.Object(
        {
          public: Type.String({ pattern: '^[A-Za-z0-9]{16,64}$', expected: '16 to 64 letters and digits' }),
          private: Type.String({ pattern: '^[A-Za-z0-9]{16,64}$', expected: '16 to 64 letters and digits' }),
        },
        { additionalProperties: false },
      ),
    ),
    danube: Type.Optional(
      Type.Object(
        { api_key: Type.String({ pattern: '^[0-9a-f]{40}$', expected: '40 lowercase hex characters' }) },
        { additionalProperties: false },
      ),
    ),
    rest: Type.Optional(
      Type.Object(
        { token: Type.String({ pattern: '^[A-Za-z0-9]{40}$', expected: '40 letters and digits' }) },
        { additionalProperties: false },
      ),
    ),
    ssh_keys: Type.Optional(Type.Array(SshKey)),
    networks: Type.Optional(Type.Array(Network)),
    volumes: Type.Optional(Type.Array(Volume)),
    vms: Type.Optional(Type.Array(Vm)),
    dns_domains: Type.Optional(Type.Array(DnsDomain)),
  },
  { additionalProperties: false },
);

/** The whole seed document. */
export const SEED_SCHEMA = Type.Object(
  {
    accounts: Type.Optional(Type.Array(Account)),
    /** Faults and sim delays in place from the start (checked entry by entry by core/chaos/seed-file.ts). */
    chaos: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
);

/** A seed document as validated. */
export type SeedDoc = Static<typeof SEED_SCHEMA>;

/** One account entry of a seed document. */
export type SeedAccount = NonNullable<SeedDoc['accounts']>[number];
