// End-to-end run of the jmap-jam client against a Bulwark JMAP server.
// The Go test starts the server, delivers two messages and reads the JSON
// summary this script prints on its last line.
import JamClient from "jmap-jam";

const fail = (msg) => {
  console.error(msg);
  process.exit(1);
};

const jam = new JamClient({
  sessionUrl: process.env.JMAP_SESSION_URL,
  bearerToken: process.env.JMAP_TOKEN,
});

const accountId = await jam.getPrimaryAccount();
if (!accountId) fail("no primary account");

const [mailboxes] = await jam.api.Mailbox.get({ accountId });
const byRole = Object.fromEntries(mailboxes.list.map((m) => [m.role, m.id]));
for (const role of ["inbox", "sent", "drafts"]) {
  if (!byRole[role]) fail(`no ${role} mailbox`);
}

const [{ found, emails }] = await jam.requestMany((t) => {
  const found = t.Email.query({
    accountId,
    filter: { inMailbox: byRole.inbox },
    sort: [{ property: "receivedAt", isAscending: true }],
    calculateTotal: true,
  });
  const emails = t.Email.get({
    accountId,
    ids: found.$ref("/ids"),
    properties: ["subject", "from", "keywords", "preview"],
  });
  return { found, emails };
});

const first = emails.list[0].id;
await jam.api.Email.set({
  accountId,
  update: { [first]: { "keywords/$seen": true } },
});

const [identities] = await jam.api.Identity.get({ accountId });
const identityId = identities.list[0].id;

const [{ draft, submission }] = await jam.requestMany((t) => {
  const draft = t.Email.set({
    accountId,
    create: {
      d1: {
        mailboxIds: { [byRole.drafts]: true },
        keywords: { $draft: true },
        from: [{ email: identities.list[0].email }],
        to: [{ email: "bob@example.net" }],
        subject: "sent by jmap-jam",
        textBody: [{ partId: "t", type: "text/plain" }],
        bodyValues: { t: { value: "Hello from jam" } },
      },
    },
  });
  const submission = t.EmailSubmission.set({
    accountId,
    create: { s1: { identityId, emailId: "#d1" } },
    onSuccessUpdateEmail: {
      "#s1": {
        [`mailboxIds/${byRole.drafts}`]: null,
        [`mailboxIds/${byRole.sent}`]: true,
        "keywords/$draft": null,
      },
    },
  });
  return { draft, submission };
}, { using: ["urn:ietf:params:jmap:submission"] });

// Identity/changes and EmailSubmission/changes follow their change logs.
await jam.api.Identity.set(
  { accountId, create: { w: { email: identities.list[0].email, name: "Work" } } },
  { using: ["urn:ietf:params:jmap:submission"] },
);
const [idChanges] = await jam.api.Identity.changes(
  { accountId, sinceState: identities.state },
  { using: ["urn:ietf:params:jmap:submission"] },
);
const [subChanges] = await jam.api.EmailSubmission.changes(
  { accountId, sinceState: "0" },
  { using: ["urn:ietf:params:jmap:submission"] },
);

// Thread counts, and Mailbox/queryChanges after a new mailbox.
const [mq] = await jam.api.Mailbox.query({ accountId, sort: [{ property: "name" }] });
await jam.api.Mailbox.set({ accountId, create: { n: { name: "Jam" } } });
const [mqc] = await jam.api.Mailbox.queryChanges({
  accountId,
  sort: [{ property: "name" }],
  sinceQueryState: mq.queryState,
});
const [inbox] = await jam.api.Mailbox.get({
  accountId,
  ids: [byRole.inbox],
  properties: ["totalEmails", "totalThreads", "unreadThreads"],
});

// Email/copy from the account shared with the user, moving the email.
const session = await jam.session;
const shared = Object.keys(session.accounts).find((id) => id !== accountId);
if (!shared) fail("no shared account");
const [sharedIds] = await jam.api.Email.query({ accountId: shared });
const [copy] = await jam.api.Email.copy({
  fromAccountId: shared,
  accountId,
  create: {
    c: { id: sharedIds.ids[0], mailboxIds: { [byRole.inbox]: true } },
  },
  onSuccessDestroyOriginal: true,
});
const [sharedAfter] = await jam.api.Email.query({ accountId: shared });

console.log(JSON.stringify({
  total: found.total,
  subjects: emails.list.map((e) => e.subject),
  seen: first,
  draft: draft?.created?.d1?.id ?? null,
  updated: Object.keys(submission?.updated ?? {}),
  identityChanges: idChanges.created.length,
  submissionsCreated: subChanges.created,
  mailboxAdded: mqc.added.map((a) => a.id),
  inbox: inbox.list[0],
  copied: copy.created?.c?.id ?? null,
  sharedLeft: sharedAfter.ids.length,
}));
