/** CloudStack answer bodies: the one-key JSON envelope and the equivalent `response=xml` document. */
import XMLBuilder from 'fast-xml-builder';

const CLOUDSTACK_VERSION = '4.11.0';
const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';
const ATTRIBUTE_PREFIX = '@';
const TEXT_NODE = '#text';
const NOT_XML_CHAR =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: ATTRIBUTE_PREFIX,
  textNodeName: TEXT_NODE,
  format: false,
  suppressEmptyNode: false,
  suppressBooleanAttributes: false,
  processEntities: true,
});

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function cloudStackDate(d: Date): string {
  return (
    `${String(d.getUTCFullYear()).padStart(4, '0')}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` +
    `T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}+0000`
  );
}

function xmlValue(value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : cloudStackDate(value);
  if (typeof value === 'string') return value.replace(NOT_XML_CHAR, '\uFFFD');
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) {
    const items = value
      .flat(Infinity)
      .map(xmlValue)
      .filter((item) => item !== undefined);
    return items.length > 0 ? items : undefined;
  }
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, member] of Object.entries(value)) {
      const converted = xmlValue(member);
      if (converted !== undefined) out[key] = converted;
    }
    return out;
  }
  return undefined;
}

/** Serialises a response as CloudStack's JSON envelope `{ "<responseKey>": body }`; views format dates themselves (no replacer keeps this fast). */
export function toJson(responseKey: string, body: unknown): string {
  return JSON.stringify({ [responseKey]: body });
}

/** Serialises a response as CloudStack's `response=xml` document: arrays repeat their element (a bare array body as `<item>`), null members vanish, escaping is fast-xml-parser's. */
export function toXml(responseKey: string, body: unknown): string {
  const converted = xmlValue(body);
  let inner: Record<string, unknown>;
  if (converted === undefined) inner = {};
  else if (Array.isArray(converted)) inner = { item: converted };
  else if (typeof converted === 'object') inner = { ...(converted as Record<string, unknown>) };
  else inner = { [TEXT_NODE]: converted };
  const root = { [responseKey]: { [`${ATTRIBUTE_PREFIX}cloud-stack-version`]: CLOUDSTACK_VERSION, ...inner } };
  return XML_DECLARATION + builder.build(root);
}
