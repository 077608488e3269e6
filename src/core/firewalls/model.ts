/** The shapes of security groups and their rules as every dialect may read them. */
import type { TaskReceipt } from '../receipt.js';

/** Which way a rule filters traffic. */
export type RuleDirection = 'ingress' | 'egress';

/** A tag on a group or rule. */
export interface TagView {
  key: string;
  value: string;
}

/** One rule: a single CIDR or a single account/group source, as every dialect may show it. */
export interface SecurityRuleView {
  id: string;
  groupId: string;
  direction: RuleDirection;
  protocol: string;
  startPort: number | null;
  endPort: number | null;
  icmpType: number | null;
  icmpCode: number | null;
  cidr: string | null;
  userAccount: string | null;
  userGroup: string | null;
  description: string | null;
  tags: TagView[];
}

/** A security group with its rules split by direction. */
export interface SecurityGroupView {
  id: string;
  name: string;
  description: string;
  accountId: string;
  accountName: string;
  created: string;
  ingress: SecurityRuleView[];
  egress: SecurityRuleView[];
  tags: TagView[];
}

/** Filters of a security group list. */
export interface SecurityGroupFilter {
  id?: string;
  name?: string;
  keyword?: string;
  vmId?: string;
  tags?: Array<{ key: string; value?: string }>;
  page?: number;
  pageSize?: number;
}

/** A group named by id or by name (exactly one). */
export interface GroupRef {
  id?: string;
  name?: string;
}

/** What authorize produced: the finished task on the group, and the rules it added. */
export interface AuthorizeResult {
  receipt: TaskReceipt;
  ruleIds: string[];
}
