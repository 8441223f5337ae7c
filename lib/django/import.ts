import "server-only";
import { bulkInsert, getDb, reserveIds, writeTransaction, type Queryable } from "@/lib/db";
import { adminAudit, socialAccounts, users } from "@/db/schema";
import { classifyDjangoPassword, type DjangoPassword } from "@/lib/auth/django-hashes";
import { usernameBaseFrom } from "@/lib/auth/oauth/username";
import { identityKey } from "@/lib/auth/user";
import { isSocialProvider, type SocialProvider } from "@/lib/social";
import { EmailSchema, USERNAME_MAX_LENGTH, UsernameSchema } from "@/lib/validation";
import type { Dump, DumpSocialAccount, DumpUser } from "./dump";

// Moving the users of a Django system into Gatehouse (docs/api.md, "Moving in the users of
// a Django system"; docs/migrating-from-django.md; `npm run import:django`). Each dump user
// keeps its id (so access tokens' `sub` is simplejwt's old `user_id`), username, email,
// email_verified, date_joined and its Django password hash, which login checks and
// replaces with argon2id (lib/auth/django-hashes.ts). Its google and github SocialAccounts
// become linked providers. Whatever cannot be carried over without a guess is skipped and
// reported; nothing already in Gatehouse changes. The whole import is one transaction,
// and running it again finds everything imported and writes nothing.

/** Why a dump user is not imported. */
export type UserSkipReason =
  | "no_email"
  | "invalid_email"
  | "email_collision"
  | "duplicate_id"
  | "id_out_of_range"
  | "id_taken"
  | "id_in_audit"
  | "email_taken";

/** Why a SocialAccount row is not carried over. */
export type ProviderSkipReason =
  | "unsupported_provider"
  | "user_not_in_file"
  | "user_skipped"
  | "several_at_one_provider"
  | "linked_elsewhere";

const USER_SKIP_LABELS: Record<UserSkipReason, string> = {
  no_email: "no email",
  invalid_email: "invalid email",
  email_collision: "email collision",
  duplicate_id: "id twice in the file",
  id_out_of_range: "id out of range",
  id_taken: "id taken",
  id_in_audit: "id of an erased account",
  email_taken: "email taken",
};

const PROVIDER_SKIP_LABELS: Record<ProviderSkipReason, string> = {
  unsupported_provider: "unsupported provider",
  user_not_in_file: "user not in the file",
  user_skipped: "user skipped",
  several_at_one_provider: "several at one provider",
  linked_elsewhere: "linked elsewhere",
};

export type ReportLine = { kind: "skipped" | "changed"; subject: string; message: string };

export type ImportReport = {
  dryRun: boolean;
  /** One per skipped or changed record, in the file's order of ids. */
  lines: ReportLine[];
  imported: { users: number; providers: number };
  /** Found in Gatehouse exactly as an earlier run of this file left them: nothing to do. */
  alreadyImported: { users: number; providers: number };
  skippedUsers: Partial<Record<UserSkipReason, number>>;
  skippedProviders: Partial<Record<ProviderSkipReason, number>>;
  /** The password of each imported user: a Django format, "none" (social-only) or "unsupported". */
  passwords: Record<string, number>;
  disabled: number;
  renamed: number;
  /** Records of other models in the file, left alone. */
  otherModels: Record<string, number>;
  /** How long the import's transaction held the database (absent on a dry run). */
  transactionMs?: number;
};

type UserRow = typeof users.$inferInsert;
type SocialRow = typeof socialAccounts.$inferInsert;

type Plan = { report: ImportReport; users: UserRow[]; socialAccounts: SocialRow[] };

// PostgreSQL's users.id is an integer (db/schema-pg.ts); Django's BigAutoField may go past it.
const MAX_ID = 2_147_483_647;
// Rows per INSERT, sent as one JSON parameter (db/store.ts bulkInsert): about 1.5 MiB of
// JSON a statement. Through drizzle's insert builder, 100,000 users took 2 to 8 s of
// building alone (docs/benchmarks.md, "Importing from Django").
const INSERT_BATCH = 5000;

/** A users row as its columns store it (db/schema.ts): what bulkInsert takes. */
function userColumns(row: UserRow): Record<string, unknown> {
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    username_key: row.usernameKey,
    email_key: row.emailKey,
    password_hash: row.passwordHash ?? null,
    email_verified: row.emailVerified ?? false,
    created_at: row.createdAt!.getTime(),
    updated_at: row.updatedAt!.getTime(),
    disabled_at: row.disabledAt ? row.disabledAt.getTime() : null,
  };
}

function socialColumns(row: SocialRow): Record<string, unknown> {
  return {
    user_id: row.userId,
    provider: row.provider,
    provider_user_id: row.providerUserId,
    email: row.email ?? null,
    profile: row.profile ?? {},
    created_at: row.createdAt!.getTime(),
  };
}

/**
 * Import `dump` into the app's database (DATABASE_URL), or with `dryRun` only say what an
 * import would do. One transaction: a failure part-way writes nothing.
 */
export async function importDjangoDump(dump: Dump, options: { dryRun: boolean; now?: Date }): Promise<ImportReport> {
  const now = options.now ?? new Date();
  // What the file says by itself is worked out before the transaction, so that the
  // database is held only for the lookups and the inserts (on SQLite the running server's
  // writes wait that long: docs/benchmarks.md, "Importing from Django").
  const examined = examineFile(dump);
  if (options.dryRun) return (await planImport(getDb(), dump, examined, now, true)).report;
  let heldMs = 0;
  const report = await writeTransaction(async (tx) => {
    const started = performance.now();
    const plan = await planImport(tx, dump, examined, now, false);
    const largestId = plan.users.reduce((max, u) => Math.max(max, u.id!), 0);
    // Before the rows: a registration racing this import on PostgreSQL gets an id past them.
    if (largestId > 0) await reserveIds(tx, "users", largestId);
    for (let i = 0; i < plan.users.length; i += INSERT_BATCH) await bulkInsert(tx, "users", plan.users.slice(i, i + INSERT_BATCH).map(userColumns));
    for (let i = 0; i < plan.socialAccounts.length; i += INSERT_BATCH) {
      await bulkInsert(tx, "social_accounts", plan.socialAccounts.slice(i, i + INSERT_BATCH).map(socialColumns));
    }
    heldMs = performance.now() - started;
    return plan.report;
  });
  return { ...report, transactionMs: Math.round(heldMs) };
}

type Candidate = {
  user: DumpUser;
  email: string;
  emailKey: string;
  /** The user's username if Gatehouse accepts it, else the nearest that it does. */
  username: string;
  usernameKey: string;
  password: DjangoPassword;
};

/** What the file says about its users by itself, with no database: computed once. */
type Examined = {
  dumpUsers: DumpUser[];
  skipped: Map<DumpUser, { reason: UserSkipReason; message: string }>;
  candidates: Candidate[];
};

function examineFile(dump: Dump): Examined {
  const dumpUsers = [...dump.users].sort((a, b) => a.id - b.id || a.record - b.record);
  const skipped: Examined["skipped"] = new Map();
  const skip = (user: DumpUser, reason: UserSkipReason, message: string) => {
    if (!skipped.has(user)) skipped.set(user, { reason, message });
  };

  // Ids twice, ids Gatehouse cannot hold, addresses missing or invalid.
  const byId = groupBy(dumpUsers, (u) => String(u.id));
  const candidates: Candidate[] = [];
  for (const user of dumpUsers) {
    if (byId.get(String(user.id))!.length > 1) skip(user, "duplicate_id", `id ${user.id} appears more than once in this file`);
    else if (user.id > MAX_ID) skip(user, "id_out_of_range", `id ${user.id} is past the largest id Gatehouse stores (${MAX_ID})`);
    if (user.email.trim() === "") {
      skip(user, "no_email", "no email address (Gatehouse signs people in by email)");
      continue;
    }
    const parsed = EmailSchema.safeParse(user.email);
    if (!parsed.success) {
      skip(user, "invalid_email", `${JSON.stringify(user.email)} is not an email address Gatehouse accepts`);
      continue;
    }
    const username = validUsername(user.username) ?? usernameBaseFrom(user.username);
    candidates.push({ user, email: parsed.data, emailKey: identityKey(parsed.data), username, usernameKey: identityKey(username), password: classifyDjangoPassword(user.password) });
  }

  // Django's email uniqueness is case-sensitive, Gatehouse's is not: who owns the address
  // cannot be told, so every user of a colliding address is left out.
  for (const group of groupBy(candidates, (c) => c.emailKey).values()) {
    if (group.length < 2) continue;
    for (const c of group) {
      const others = group.filter((o) => o !== c).map((o) => `user ${o.user.id} (${o.user.email})`);
      skip(c.user, "email_collision", `its email is the same as ${others.join(", ")}'s by Gatehouse's rules (case does not count); none of them is imported`);
    }
  }
  return { dumpUsers, skipped, candidates };
}

async function planImport(q: Queryable, dump: Dump, examined: Examined, now: Date, dryRun: boolean): Promise<Plan> {
  const report: ImportReport = {
    dryRun,
    lines: [],
    imported: { users: 0, providers: 0 },
    alreadyImported: { users: 0, providers: 0 },
    skippedUsers: {},
    skippedProviders: {},
    passwords: {},
    disabled: 0,
    renamed: 0,
    otherModels: dump.otherModels,
  };
  const { dumpUsers, candidates } = examined;
  const skipped = new Map<DumpUser, UserSkipReason>();
  const notes = new Map<DumpUser, ReportLine[]>();
  const note = (user: DumpUser, line: ReportLine) => notes.set(user, [...(notes.get(user) ?? []), line]);
  const skip = (user: DumpUser, reason: UserSkipReason, message: string) => {
    if (skipped.has(user)) return;
    skipped.set(user, reason);
    note(user, { kind: "skipped", subject: describeUser(user), message });
  };
  for (const [user, { reason, message }] of examined.skipped) skip(user, reason, message);

  // Against Gatehouse: an id or an address already there.
  const remaining = candidates.filter((c) => !skipped.has(c.user));
  // One read of every account's keys: cheaper than looking up 100,000 ids by parameters.
  const existing = await q.select({ id: users.id, emailKey: users.emailKey, usernameKey: users.usernameKey, createdAt: users.createdAt }).from(users);
  const existingById = new Map(existing.map((row) => [row.id, row]));
  const existingByEmail = new Map(existing.map((row) => [row.emailKey, row]));
  // Ids the administrators' audit names (as target or as administrator) that no account has
  // any more: an erased account's. Its entries keep the id (docs/decisions/054); a user
  // imported under it would inherit them (docs/decisions/046).
  const audited = await auditedIds(q);
  const already = new Set<DumpUser>();
  const toImport: Candidate[] = [];
  for (const c of remaining) {
    const sameId = existingById.get(c.user.id);
    const sameEmail = existingByEmail.get(c.emailKey);
    // An earlier import of this user: its id, its address and its date_joined. The date is
    // what nobody can choose: someone who registered the address early enough to draw the
    // same id is not this user, and gets none of its providers.
    if (sameId && sameId.emailKey === c.emailKey && sameId.createdAt.getTime() === c.user.dateJoined.getTime()) already.add(c.user);
    else if (sameId) skip(c.user, "id_taken", `id ${c.user.id} already belongs to another Gatehouse account; nothing there changes`);
    else if (audited.has(c.user.id)) skip(c.user, "id_in_audit", `id ${c.user.id} belonged to a Gatehouse account that was erased, and the administrators' audit still names it; importing it would hand that account's audit entries to this user`);
    else if (sameEmail) skip(c.user, "email_taken", `its email already belongs to Gatehouse user ${sameEmail.id}; nothing there changes`);
    else toImport.push(c);
  }

  const usernames = assignUsernames(toImport, new Map(existing.map((row) => [row.usernameKey, `Gatehouse user ${row.id}`])));
  const rows: UserRow[] = [];
  const imported = new Set<DumpUser>();
  for (const c of toImport) {
    const { user } = c;
    const { username, takenBy } = usernames.get(user)!;
    if (username !== user.username) {
      report.renamed++;
      const why = validUsername(user.username) !== null
        ? `username ${JSON.stringify(user.username)} is taken by ${takenBy} (case does not count)`
        : `username ${JSON.stringify(user.username)} is not one Gatehouse accepts (letters, digits and @ . + - _, at most ${USERNAME_MAX_LENGTH})`;
      note(user, { kind: "changed", subject: describeUser(user), message: `${why}: imported as ${JSON.stringify(username)}` });
    }
    const { password } = c;
    const format = password.kind === "hash" ? password.hash.format : password.kind === "none" ? "none" : "unsupported";
    report.passwords[format] = (report.passwords[format] ?? 0) + 1;
    if (password.kind === "unsupported") {
      note(user, {
        kind: "changed",
        subject: describeUser(user),
        message: `its password is in a format Gatehouse does not check (${password.format}): imported without a password (a password reset sets one)`,
      });
    }
    if (!user.isActive) {
      report.disabled++;
      note(user, { kind: "changed", subject: describeUser(user), message: "is_active is false: imported disabled (it cannot sign in)" });
    }
    if (user.isStaff || user.isSuperuser) {
      note(user, { kind: "changed", subject: describeUser(user), message: "is_staff and is_superuser do not carry over: imported as an ordinary account" });
    }
    rows.push({
      id: user.id,
      username,
      email: c.email,
      usernameKey: identityKey(username),
      emailKey: c.emailKey,
      passwordHash: password.kind === "hash" ? user.password : null,
      emailVerified: user.emailVerified,
      createdAt: user.dateJoined,
      updatedAt: now,
      disabledAt: user.isActive ? null : now,
    });
    imported.add(user);
  }
  report.imported.users = rows.length;
  report.alreadyImported.users = already.size;

  const social = await planSocialAccounts(q, dump, { dumpUsers, imported, already, skipped }, now, report);

  // One line per record, in order of ids; the providers' lines after the users'.
  for (const user of dumpUsers) report.lines.push(...(notes.get(user) ?? []));
  report.lines.push(...social.lines);
  for (const reason of skipped.values()) report.skippedUsers[reason] = (report.skippedUsers[reason] ?? 0) + 1;
  return { report, users: rows, socialAccounts: social.rows };
}

/** Every user id the administrators' audit names, as its target or as the administrator. */
async function auditedIds(q: Queryable): Promise<Set<number>> {
  const targets = await q.selectDistinct({ id: adminAudit.targetId }).from(adminAudit);
  const admins = await q.selectDistinct({ id: adminAudit.adminId }).from(adminAudit);
  return new Set([...targets, ...admins].map((row) => row.id).filter((id): id is number => id !== null));
}

async function planSocialAccounts(
  q: Queryable,
  dump: Dump,
  users_: { dumpUsers: DumpUser[]; imported: Set<DumpUser>; already: Set<DumpUser>; skipped: Map<DumpUser, UserSkipReason> },
  now: Date,
  report: ImportReport,
): Promise<{ rows: SocialRow[]; lines: ReportLine[] }> {
  const lines: Array<ReportLine & { order: number }> = [];
  const byId = new Map(users_.dumpUsers.map((u) => [u.id, u]));
  // Natural keys name users by username, which Django keeps unique as typed.
  const byUsername = new Map(users_.dumpUsers.map((u) => [u.username, u]));
  const skip = (account: DumpSocialAccount, reason: ProviderSkipReason, message: string) => {
    report.skippedProviders[reason] = (report.skippedProviders[reason] ?? 0) + 1;
    lines.push({ kind: "skipped", subject: describeAccount(account), message, order: account.id ?? account.record });
  };

  type Linkable = { account: DumpSocialAccount; provider: SocialProvider; owner: DumpUser };
  const linkable: Linkable[] = [];
  for (const account of [...dump.socialAccounts].sort((a, b) => (a.id ?? 0) - (b.id ?? 0) || a.record - b.record)) {
    const owner = "id" in account.user ? byId.get(account.user.id) : byUsername.get(account.user.username);
    const provider = account.provider.toLowerCase();
    if (!isSocialProvider(provider)) skip(account, "unsupported_provider", `provider ${JSON.stringify(account.provider)} is not one Gatehouse signs in with (google, github)`);
    else if (!owner) skip(account, "user_not_in_file", `its user (${"id" in account.user ? `id ${account.user.id}` : account.user.username}) is not in this file`);
    else if (users_.skipped.has(owner)) skip(account, "user_skipped", `its user ${owner.id} is not imported (see above)`);
    else linkable.push({ account, provider, owner });
  }

  // Gatehouse links one account per provider to a user; Django allowed more. Which one is
  // the person's cannot be told: none is linked (they can link one from the profile).
  const kept: Linkable[] = [];
  for (const group of groupBy(linkable, (l) => `${l.owner.id}:${l.provider}`).values()) {
    if (group.length === 1) {
      kept.push(group[0]!);
      continue;
    }
    for (const l of group) {
      skip(l.account, "several_at_one_provider", `user ${l.owner.id} has ${group.length} ${l.provider} accounts in this file; none is linked`);
    }
  }

  // Against Gatehouse: the provider account may be linked already, to this user (an
  // earlier run of this file) or to someone else; an earlier-imported user may have linked
  // another account of this provider since.
  const existing = new Map<string, number>();
  const ownersAlreadyLinked = new Set<string>();
  for (const row of await q.select({ userId: socialAccounts.userId, provider: socialAccounts.provider, uid: socialAccounts.providerUserId }).from(socialAccounts)) {
    existing.set(`${row.provider}:${row.uid}`, row.userId);
    ownersAlreadyLinked.add(`${row.userId}:${row.provider}`);
  }

  const rows: SocialRow[] = [];
  for (const { account, provider, owner } of kept) {
    const linkedTo = existing.get(`${provider}:${account.providerUid}`);
    if (linkedTo === owner.id) report.alreadyImported.providers++;
    else if (linkedTo !== undefined) skip(account, "linked_elsewhere", `this ${provider} account already signs in to Gatehouse user ${linkedTo}; nothing there changes`);
    else if (ownersAlreadyLinked.has(`${owner.id}:${provider}`)) {
      skip(account, "linked_elsewhere", `user ${owner.id} already has another ${provider} account linked in Gatehouse; nothing there changes`);
    } else {
      rows.push(socialRow(account, provider, owner.id, now));
    }
  }
  report.imported.providers = rows.length;
  // In the order of the accounts, like the users' lines.
  return { rows, lines: lines.sort((a, b) => a.order - b.order).map(({ order: _, ...line }) => line) };
}

/** The seed's extra_data (its providers.py: email, name, picture or avatar_url) as Gatehouse keeps a profile. */
function socialRow(account: DumpSocialAccount, provider: SocialProvider, userId: number, now: Date): SocialRow {
  const extra = account.extraData;
  const text = (value: unknown) => (typeof value === "string" && value !== "" ? value : null);
  return {
    userId,
    provider,
    providerUserId: account.providerUid,
    email: text(extra.email),
    // The next sign-in through the provider replaces it with what the provider says.
    profile: {
      display_name: text(extra.name),
      avatar_url: text(extra.avatar_url) ?? text(extra.picture),
      login: text(extra.login),
      email_verified: null,
    },
    createdAt: now,
  };
}

/**
 * Usernames as Gatehouse requires them (valid, unique without regard to case): a user's own
 * if it is free, else the first free `name2`, `name3`… Users who keep their own name come
 * first, so that no suffix takes a name another dump user has as theirs. For a changed
 * name, `takenBy` says whose it was.
 */
function assignUsernames(
  toImport: Candidate[],
  /** Username key → who has it: a Gatehouse account, or (as they are assigned) a user of this file. */
  taken: Map<string, string>,
): Map<DumpUser, { username: string; takenBy: string | null }> {
  const assigned = new Map<DumpUser, { username: string; takenBy: string | null }>();
  const later: Candidate[] = [];
  for (const c of toImport) {
    if (c.username === c.user.username && !taken.has(c.usernameKey)) {
      taken.set(c.usernameKey, `user ${c.user.id} of this file`);
      assigned.set(c.user, { username: c.username, takenBy: null });
    } else later.push(c);
  }
  for (const { user, username: base, usernameKey } of later) {
    const takenBy = taken.get(usernameKey) ?? null;
    for (let n = base === user.username ? 2 : 1; ; n++) {
      const suffix = n === 1 ? "" : String(n);
      const candidate = truncate(base, USERNAME_MAX_LENGTH - suffix.length) + suffix;
      const key = identityKey(candidate);
      if (taken.has(key)) continue;
      taken.set(key, `user ${user.id} of this file`);
      assigned.set(user, { username: candidate, takenBy });
      break;
    }
  }
  return assigned;
}

function validUsername(username: string): string | null {
  const parsed = UsernameSchema.safeParse(username);
  return parsed.success && parsed.data === username ? username : null;
}

function truncate(value: string, max: number): string {
  const characters = [...value];
  return characters.length > max ? characters.slice(0, max).join("") : value;
}

function describeUser(user: DumpUser): string {
  return `user ${user.id} (${user.username}${user.email ? `, ${user.email}` : ""})`;
}

function describeAccount(account: DumpSocialAccount): string {
  return `social account ${account.id ?? `in record ${account.record}`} (${account.provider} ${account.providerUid})`;
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** The report's closing line: counts of everything, in one line. */
export function summaryLine(report: ImportReport): string {
  const counts = (record: Record<string, number | undefined>, labels: Record<string, string> = {}) =>
    Object.entries(record)
      .filter(([, n]) => n)
      .map(([k, n]) => `${labels[k] ?? k} ${n}`)
      .join(", ");
  const total = (record: Record<string, number | undefined>) => Object.values(record).reduce<number>((a, n) => a + (n ?? 0), 0);
  const parts = [
    `${report.dryRun ? "Dry run, nothing written: would import" : "Imported"} ${report.imported.users} users and ${report.imported.providers} linked providers`,
    `skipped ${total(report.skippedUsers)} users${total(report.skippedUsers) ? ` (${counts(report.skippedUsers, USER_SKIP_LABELS)})` : ""}`,
    `skipped ${total(report.skippedProviders)} providers${total(report.skippedProviders) ? ` (${counts(report.skippedProviders, PROVIDER_SKIP_LABELS)})` : ""}`,
    `already imported ${report.alreadyImported.users} users and ${report.alreadyImported.providers} providers`,
    `passwords: ${counts(report.passwords) || "none imported"}`,
    `disabled ${report.disabled}`,
    `renamed ${report.renamed}`,
  ];
  const others = counts(report.otherModels);
  if (others) parts.push(`other records left alone: ${others}`);
  return `${parts.join("; ")}.`;
}

/** Said before the summary when a run finds nothing to do. */
export function nothingToDoLine(report: ImportReport): string | null {
  if (report.imported.users > 0 || report.imported.providers > 0) return null;
  return report.alreadyImported.users > 0 || report.alreadyImported.providers > 0
    ? "Nothing to import: every user and provider of this file that can be imported is already in Gatehouse (an earlier run); nothing was changed."
    : "Nothing to import.";
}
