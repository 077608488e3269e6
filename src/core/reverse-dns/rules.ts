/** The rules of a PTR target: a fully qualified host name under a real top-level domain (ICANN section of the public suffix list). */
import { parse } from 'tldts';
import { invalid } from '../../lib/errors.js';

/** Longest name DNS carries, without the trailing dot. */
const MAX_NAME = 253;

/** One host name label: letters, digits and inner hyphens, 1 to 63 characters. */
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Checks the domain name of a PTR record and returns it normalised (lower case, no trailing dot): at least two host
 * name labels, the last ones an ICANN public suffix (a real TLD such as `com` or `co.uk`) with a label below it, so
 * `my.host.example.com` is accepted and `nodots`, `foo.notatld`, `co.uk` or an IP address are Invalid (domainName).
 */
export function checkDomainName(input: string): string {
  const raw = typeof input === 'string' ? input : '';
  if (raw.trim() === '') throw invalid('The domain name must not be empty', 'domainName');
  const name = raw.toLowerCase().replace(/\.$/, '');
  if (name.length > MAX_NAME) throw invalid(`The domain name must be at most ${MAX_NAME} characters`, 'domainName');
  const labels = name.split('.');
  if (labels.length < 2) throw invalid(`${raw} is not a fully qualified domain name`, 'domainName');
  if (!labels.every((l) => LABEL.test(l)))
    throw invalid(
      `${raw} is not a valid domain name: labels are 1-63 letters, digits or inner hyphens, separated by dots`,
      'domainName',
    );
  const parsed = parse(name);
  if (parsed.isIp) throw invalid(`${raw} is an IP address, not a domain name`, 'domainName');
  if (!parsed.isIcann) throw invalid(`${raw} does not end in a valid top-level domain`, 'domainName');
  if (!parsed.domain) throw invalid(`${raw} is a public suffix, not a domain name under it`, 'domainName');
  return name;
}
