package jmap

func (h *Handler) mailMethods(t map[string]method) {
	add := func(capability, name string, fn func(*call) (any, error)) {
		t[name] = method{capability, fn}
	}
	add(CapMail, "Mailbox/get", (*call).mailboxGet)
	add(CapMail, "Mailbox/changes", (*call).mailboxChanges)
	add(CapMail, "Mailbox/set", (*call).mailboxSet)
	add(CapMail, "Mailbox/query", (*call).mailboxQuery)
	add(CapMail, "Mailbox/queryChanges", (*call).mailboxQueryChanges)
	add(CapMail, "Thread/get", (*call).threadGet)
	add(CapMail, "Thread/changes", (*call).threadChanges)
	add(CapMail, "Email/get", (*call).emailGet)
	add(CapMail, "Email/changes", (*call).emailChanges)
	add(CapMail, "Email/query", (*call).emailQuery)
	add(CapMail, "Email/queryChanges", (*call).emailQueryChanges)
	add(CapMail, "Email/set", (*call).emailSet)
	add(CapMail, "Email/import", (*call).emailImport)
	add(CapMail, "Email/parse", (*call).emailParse)
	add(CapMail, "Email/copy", (*call).emailCopy)
	add(CapMail, "SearchSnippet/get", (*call).searchSnippetGet)
	add(CapCore, "Blob/copy", (*call).blobCopy)
	add(CapBlob, "Blob/upload", (*call).blobUpload)
	add(CapBlob, "Blob/get", (*call).blobGet)
	add(CapCore, "PushSubscription/get", (*call).pushGet)
	add(CapCore, "PushSubscription/set", (*call).pushSet)
	add(CapMail, "Identity/get", (*call).identityGet)
	add(CapMail, "Identity/set", (*call).identitySet)
	add(CapVacation, "VacationResponse/get", (*call).vacationGet)
	add(CapVacation, "VacationResponse/set", (*call).vacationSet)
	add(CapQuota, "Quota/get", (*call).quotaGet)
	if h.opts.Sieve != nil {
		add(CapSieve, "SieveScript/get", (*call).sieveGet)
		add(CapSieve, "SieveScript/set", (*call).sieveSet)
		add(CapSieve, "SieveScript/validate", (*call).sieveValidate)
	}
	if h.opts.Submitter != nil {
		add(CapSubmission, "EmailSubmission/get", (*call).submissionGet)
		add(CapSubmission, "EmailSubmission/set", (*call).submissionSet)
		add(CapSubmission, "EmailSubmission/changes", func(c *call) (any, error) {
			return c.dataChanges(typeSubmission)
		})
		add(CapSubmission, "Identity/changes", func(c *call) (any, error) {
			return c.dataChanges(typeIdentity)
		})
		add(CapSubmission, "Identity/get", (*call).identityGet)
		add(CapSubmission, "Identity/set", (*call).identitySet)
	}
}
