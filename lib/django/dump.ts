// Reading what Django's `manage.py dumpdata` writes (docs/migrating-from-django.md): a JSON
// array of records `{"model": "app.model", "pk": …, "fields": {…}}`. The users are the
// seed's `accounts.user` (AbstractUser plus `email_verified`) or Django's stock
// `auth.user`; the seed's `accounts.socialaccount` rows name their user by id, or by
// username under `--natural-foreign`. Records of other models are counted and left alone.
//
// Nothing is guessed: a record that is not what dumpdata writes stops the whole import,
// naming the record (its 1-based position in the array) and the field.

export const USER_MODELS = ["accounts.user", "auth.user"] as const;
export const SOCIAL_ACCOUNT_MODEL = "accounts.socialaccount";

export type DumpUser = {
  /** Position in the file's array, from 1: what messages name. */
  record: number;
  model: (typeof USER_MODELS)[number];
  id: number;
  username: string;
  email: string;
  password: string;
  /** The seed's field; false where the model has none (auth.user). */
  emailVerified: boolean;
  isActive: boolean;
  isStaff: boolean;
  isSuperuser: boolean;
  dateJoined: Date;
};

export type DumpSocialAccount = {
  record: number;
  id: number | null;
  provider: string;
  providerUid: string;
  /** The user's id, or (`--natural-foreign`) their username. */
  user: { id: number } | { username: string };
  extraData: Record<string, unknown>;
};

export type Dump = {
  users: DumpUser[];
  socialAccounts: DumpSocialAccount[];
  /** Records of other models (contenttypes, groups, tokens…), by model: not imported. */
  otherModels: Record<string, number>;
};

/** The file is not a dumpdata array of these models: nothing is imported. */
export class DumpError extends Error {
  override name = "DumpError";
}

type Fields = Record<string, unknown>;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Parse and check a whole dump; throws DumpError naming the first problem. */
export function parseDump(text: string): Dump {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new DumpError(`not JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(data)) {
    throw new DumpError(`not a dumpdata array: the top level is ${describe(data)}, where dumpdata writes an array of records`);
  }
  const dump: Dump = { users: [], socialAccounts: [], otherModels: {} };
  data.forEach((value, index) => {
    const record = index + 1;
    if (!isObject(value) || typeof value.model !== "string" || !isObject(value.fields)) {
      throw new DumpError(`record ${record}: not a dumpdata record (an object with "model" and "fields"), but ${describe(value)}`);
    }
    const model = value.model.toLowerCase();
    const at = `record ${record} (${model}${value.pk === undefined ? "" : ` ${JSON.stringify(value.pk)}`})`;
    if ((USER_MODELS as readonly string[]).includes(model)) dump.users.push(readUser(at, record, model as DumpUser["model"], value.pk, value.fields));
    else if (model === SOCIAL_ACCOUNT_MODEL) dump.socialAccounts.push(readSocialAccount(at, record, value.pk, value.fields));
    else dump.otherModels[model] = (dump.otherModels[model] ?? 0) + 1;
  });
  return dump;
}

function readUser(at: string, record: number, model: DumpUser["model"], pk: unknown, fields: Fields): DumpUser {
  if (pk === undefined || pk === null) {
    throw new DumpError(`${at}: no "pk". The ids are what Gatehouse keeps: dump without --natural-primary`);
  }
  const f = fieldReader(at, fields);
  return {
    record,
    model,
    id: positiveInteger(at, "pk", pk),
    username: f.string("username"),
    // Django's EmailField is blank=True on auth.user: "" is "no email".
    email: f.string("email", { optional: true }) ?? "",
    password: f.string("password"),
    emailVerified: model === "accounts.user" ? (f.boolean("email_verified", { optional: true }) ?? false) : false,
    isActive: f.boolean("is_active", { optional: true }) ?? true,
    isStaff: f.boolean("is_staff", { optional: true }) ?? false,
    isSuperuser: f.boolean("is_superuser", { optional: true }) ?? false,
    dateJoined: f.date("date_joined"),
  };
}

function readSocialAccount(at: string, record: number, pk: unknown, fields: Fields): DumpSocialAccount {
  const f = fieldReader(at, fields);
  const user = fields.user;
  let owner: DumpSocialAccount["user"];
  if (typeof user === "number") owner = { id: positiveInteger(at, "user", user) };
  else if (Array.isArray(user) && user.length === 1 && typeof user[0] === "string") owner = { username: user[0] };
  else throw new DumpError(`${at}: "user" must be a user id (or, with --natural-foreign, [username]), got ${describe(user)}`);
  const extra = fields.extra_data;
  return {
    record,
    id: pk === undefined || pk === null ? null : positiveInteger(at, "pk", pk),
    provider: f.string("provider"),
    providerUid: f.string("provider_uid"),
    user: owner,
    extraData: isObject(extra) ? extra : {},
  };
}

function fieldReader(at: string, fields: Fields) {
  function string(name: string): string;
  function string(name: string, options: { optional: true }): string | null;
  function string(name: string, options?: { optional: true }): string | null {
    const value = fields[name];
    if ((value === undefined || value === null) && options?.optional) return null;
    if (typeof value !== "string") throw new DumpError(`${at}: field "${name}" must be a string, got ${describe(value)}`);
    return value;
  }
  function boolean(name: string, options: { optional: true }): boolean | null {
    const value = fields[name];
    if ((value === undefined || value === null) && options.optional) return null;
    if (typeof value !== "boolean") throw new DumpError(`${at}: field "${name}" must be true or false, got ${describe(value)}`);
    return value;
  }
  function date(name: string): Date {
    const value = string(name);
    // DjangoJSONEncoder: ISO 8601, "Z" or an offset with USE_TZ, none without (then UTC).
    const match = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?$/.exec(value);
    const parsed = match ? new Date(match[3] ? value : `${value}Z`) : new Date(NaN);
    if (Number.isNaN(parsed.getTime())) throw new DumpError(`${at}: field "${name}" must be an ISO 8601 date and time, got ${JSON.stringify(value)}`);
    return parsed;
  }
  return { string, boolean, date };
}

function positiveInteger(at: string, name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw new DumpError(`${at}: "${name}" must be a positive integer id, got ${describe(value)}`);
  }
  return value;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}
