package spamfilter

// Symbol names of the built-in rules, as they appear in a Verdict and in
// the X-Spam-Status field. Options.Scores overrides their scores by name.
const (
	// Sender authentication, read from the mailauth results.
	SymSPFPass      = "SPF_PASS"
	SymSPFFail      = "SPF_FAIL"
	SymSPFSoftFail  = "SPF_SOFTFAIL"
	SymSPFNone      = "SPF_NONE"
	SymSPFPermError = "SPF_PERMERROR"
	SymDKIMPass     = "DKIM_PASS"
	SymDKIMFail     = "DKIM_FAIL"
	SymDKIMNone     = "DKIM_NONE"
	SymDMARCPass    = "DMARC_PASS"
	SymDMARCFail    = "DMARC_FAIL"
	SymDMARCFailNA  = "DMARC_FAIL_POLICY_NONE"
	SymDMARCNone    = "DMARC_NONE"
	SymARCPass      = "ARC_PASS"
	SymARCFail      = "ARC_FAIL"

	// Header sanity.
	SymMissingDate      = "MISSING_DATE"
	SymMissingMessageID = "MISSING_MESSAGE_ID"
	SymMissingFrom      = "MISSING_FROM"
	SymMissingTo        = "MISSING_TO"
	SymMissingSubject   = "MISSING_SUBJECT"
	SymDateInFuture     = "DATE_IN_FUTURE"
	SymDateInPast       = "DATE_IN_PAST"
	SymFromNameSpoof    = "FROM_NAME_SPOOF"
	SymSubjectAllCaps   = "SUBJECT_ALL_CAPS"
	SymRcptMany         = "RCPT_MANY"
	SymHELONotFQDN      = "HELO_NOT_FQDN"
	SymFromNeqEnvFrom   = "FROM_NEQ_ENVFROM"
	SymRcptNotInHeader  = "RCPT_NOT_IN_HEADER"

	// Body.
	SymHTMLOnly     = "HTML_ONLY"
	SymURLMany      = "URL_MANY"
	SymURLIP        = "URL_IP_LITERAL"
	SymURLShortener = "URL_SHORTENER"

	// Classifier.
	SymBayesSpam = "BAYES_SPAM"
	SymBayesHam  = "BAYES_HAM"

	// Blocklists; a zone's own symbols come from its configuration.
	SymDNSBL = "RBL_LISTED"
	SymURIBL = "URIBL_LISTED"
)

// symbolInfo is the default score and description of a symbol.
type symbolInfo struct {
	score float64
	desc  string
}

// defaultSymbols holds the built-in rules' scores. Negative scores count
// towards ham.
var defaultSymbols = map[string]symbolInfo{
	SymSPFPass:      {-0.5, "SPF passed for the reverse-path"},
	SymSPFFail:      {3.0, "SPF failed: the client may not send for the sender's domain"},
	SymSPFSoftFail:  {1.5, "SPF soft-failed"},
	SymSPFNone:      {0.5, "The sender's domain publishes no SPF policy"},
	SymSPFPermError: {1.0, "The sender's SPF policy is broken"},
	SymDKIMPass:     {-0.5, "A DKIM signature verified"},
	SymDKIMFail:     {2.0, "DKIM signatures present but none verified"},
	SymDKIMNone:     {0.5, "No DKIM signature"},
	SymDMARCPass:    {-1.0, "DMARC passed"},
	SymDMARCFail:    {4.0, "DMARC failed and the domain asks for quarantine or reject"},
	SymDMARCFailNA:  {1.5, "DMARC failed; the domain's policy is none"},
	SymDMARCNone:    {0.3, "The From domain publishes no DMARC policy"},
	SymARCPass:      {-0.5, "The ARC chain validated"},
	SymARCFail:      {1.0, "The ARC chain is broken"},

	SymMissingDate:      {1.5, "No Date header field"},
	SymMissingMessageID: {1.5, "No Message-ID header field"},
	SymMissingFrom:      {3.0, "No From header field"},
	SymMissingTo:        {1.0, "No To or Cc header field"},
	SymMissingSubject:   {1.0, "No Subject header field"},
	SymDateInFuture:     {2.0, "Date lies in the future"},
	SymDateInPast:       {1.0, "Date lies far in the past"},
	SymFromNameSpoof:    {3.0, "From display name holds an address of another domain"},
	SymSubjectAllCaps:   {1.5, "Subject is all capitals"},
	SymRcptMany:         {2.0, "Many recipients in To and Cc"},
	SymHELONotFQDN:      {1.0, "HELO name is not a fully qualified domain"},
	SymFromNeqEnvFrom:   {0.5, "From and reverse-path domains differ, without DMARC pass"},
	SymRcptNotInHeader:  {0.3, "No envelope recipient appears in To or Cc"},

	SymHTMLOnly:     {1.0, "HTML body without a plain text part"},
	SymURLMany:      {1.0, "Many URLs in the body"},
	SymURLIP:        {2.5, "URL with an IP address for host"},
	SymURLShortener: {1.5, "URL of a link shortening service"},

	SymBayesSpam: {5.0, "Bayesian classifier: spam"},
	SymBayesHam:  {-3.0, "Bayesian classifier: ham"},

	SymDNSBL: {4.0, "Client address listed on a DNSBL"},
	SymURIBL: {4.0, "URL domain listed on a URI blocklist"},
}
