package imap

import (
	"strings"

	"github.com/bulwarkmail/bulwark/imap/internal/wire"
	"github.com/bulwarkmail/bulwark/mailstore"
)

// command is one parsed client command.
type command struct {
	tag  string
	name string // upper case, without "UID "
	uid  bool
	spec *cmdSpec
	args any
	// after runs once the tagged response is flushed (STARTTLS, COMPRESS).
	after func() error
}

// cmdSpec describes a command: the states it is valid in, how its
// arguments are parsed and how it runs.
type cmdSpec struct {
	states state
	// uid allows the "UID" prefix.
	uid bool
	// noExpunge forbids EXPUNGE responses while it runs without UID (RFC
	// 9051 section 7.5.1: FETCH, STORE, SEARCH and the like).
	noExpunge bool
	parse     func(p *parser) (any, error)
	run       func(s *session, cmd *command) error
}

// commandSpecs maps command names to their specs; built once per Server.
func commandSpecs() map[string]*cmdSpec {
	return map[string]*cmdSpec{
		"CAPABILITY":   {states: anyState, run: (*session).cmdCapability},
		"NOOP":         {states: anyState, run: (*session).cmdNoop},
		"CHECK":        {states: stateSelected, run: (*session).cmdNoop},
		"LOGOUT":       {states: anyState, run: (*session).cmdLogout},
		"STARTTLS":     {states: stateNotAuth, run: (*session).cmdStartTLS},
		"LOGIN":        {states: stateNotAuth, parse: parseLogin, run: (*session).cmdLogin},
		"AUTHENTICATE": {states: stateNotAuth, parse: parseAuthenticate, run: (*session).cmdAuthenticate},
		"ENABLE":       {states: authState, parse: parseAtoms, run: (*session).cmdEnable},
		"ID":           {states: anyState, parse: parseID, run: (*session).cmdID},
		"COMPRESS":     {states: authState, parse: parseOneAtom, run: (*session).cmdCompress},
		"NAMESPACE":    {states: authState, run: (*session).cmdNamespace},

		"SELECT":      {states: authState, parse: parseSelect, run: (*session).cmdSelect},
		"EXAMINE":     {states: authState, parse: parseSelect, run: (*session).cmdSelect},
		"CREATE":      {states: authState, parse: parseCreate, run: (*session).cmdCreate},
		"DELETE":      {states: authState, parse: parseMailboxArg, run: (*session).cmdDelete},
		"RENAME":      {states: authState, parse: parseRename, run: (*session).cmdRename},
		"SUBSCRIBE":   {states: authState, parse: parseMailboxArg, run: (*session).cmdSubscribe},
		"UNSUBSCRIBE": {states: authState, parse: parseMailboxArg, run: (*session).cmdSubscribe},
		"LIST":        {states: authState, parse: parseList, run: (*session).cmdList},
		"LSUB":        {states: authState, parse: parseList, run: (*session).cmdList},
		"STATUS":      {states: authState, parse: parseStatus, run: (*session).cmdStatus},
		"APPEND":      {states: authState, parse: parseAppend, run: (*session).cmdAppend},
		"GETQUOTA":    {states: authState, parse: parseAStringArg, run: (*session).cmdGetQuota},
		"GETQUOTAROOT": {states: authState, parse: parseMailboxArg,
			run: (*session).cmdGetQuotaRoot},
		"IDLE":       {states: authState, run: (*session).cmdIdle},
		"GETACL":     {states: authState, parse: parseACL, run: (*session).cmdACL},
		"MYRIGHTS":   {states: authState, parse: parseACL, run: (*session).cmdACL},
		"LISTRIGHTS": {states: authState, parse: parseACL, run: (*session).cmdACL},
		"SETACL":     {states: authState, parse: parseACL, run: (*session).cmdACL},
		"DELETEACL":  {states: authState, parse: parseACL, run: (*session).cmdACL},

		"CLOSE":    {states: stateSelected, run: (*session).cmdClose},
		"UNSELECT": {states: stateSelected, run: (*session).cmdClose},
		"EXPUNGE":  {states: stateSelected, uid: true, parse: parseExpunge, run: (*session).cmdExpunge},
		"FETCH": {states: stateSelected, uid: true, noExpunge: true, parse: parseFetch,
			run: (*session).cmdFetch},
		"STORE": {states: stateSelected, uid: true, noExpunge: true, parse: parseStore,
			run: (*session).cmdStore},
		"SEARCH": {states: stateSelected, uid: true, noExpunge: true, parse: parseSearch,
			run: (*session).cmdSearch},
		"CANCELUPDATE": {states: stateSelected, parse: parseCancelUpdate,
			run: (*session).cmdCancelUpdate},
		"SORT": {states: stateSelected, uid: true, noExpunge: true, parse: parseSort,
			run: (*session).cmdSort},
		"THREAD": {states: stateSelected, uid: true, noExpunge: true, parse: parseThread,
			run: (*session).cmdThread},
		"COPY": {states: stateSelected, uid: true, noExpunge: true, parse: parseCopy,
			run: (*session).cmdCopy},
		"MOVE": {states: stateSelected, uid: true, parse: parseCopy, run: (*session).cmdCopy},
	}
}

// parser reads command arguments in the session's current mode.
type parser struct {
	d           *wire.Decoder
	cmds        map[string]*cmdSpec
	utf8        bool
	appendLimit int64
}

// readCommand reads "tag SP command [args] CRLF". On error the returned
// command, when not nil, carries the tag for the BAD response.
func readCommand(p *parser) (*command, error) {
	d := p.d
	tag, err := d.Tag()
	if err != nil {
		return nil, err
	}
	cmd := &command{tag: tag}
	if err := d.SP(); err != nil {
		return cmd, err
	}
	name, err := d.Atom()
	if err != nil {
		return cmd, err
	}
	cmd.name = strings.ToUpper(name)
	if cmd.name == "UID" {
		if err := d.SP(); err != nil {
			return cmd, err
		}
		if name, err = d.Atom(); err != nil {
			return cmd, err
		}
		cmd.name, cmd.uid = strings.ToUpper(name), true
	}
	spec := p.cmds[cmd.name]
	if spec == nil || (cmd.uid && !spec.uid) {
		return cmd, &wire.SyntaxError{Msg: "Unknown command " + sanitize(name)}
	}
	cmd.spec = spec
	if spec.parse != nil {
		if cmd.args, err = spec.parse(p); err != nil {
			return cmd, err
		}
	}
	return cmd, d.CRLF()
}

// mailbox reads a mailbox name and turns it into the stored UTF-8 form:
// modified UTF-7 is decoded unless UTF-8 mode is on, and any case of
// INBOX becomes "INBOX" (RFC 9051 section 5.1).
func (p *parser) mailbox() (string, error) {
	raw, err := p.d.AString()
	if err != nil {
		return "", err
	}
	return p.mailboxName(raw)
}

func (p *parser) mailboxName(raw string) (string, error) {
	name := raw
	if !p.utf8 {
		var err error
		if name, err = wire.DecodeMUTF7(raw); err != nil {
			// Not valid modified UTF-7: a name no mailbox can have, so
			// that the command fails with NO and nothing is created
			// under a mangled name.
			return invalidName + raw, nil
		}
	}
	return normalizeMailbox(name), nil
}

// invalidName prefixes a mailbox name that could not be decoded; the
// store refuses the control character.
const invalidName = "\x00"

// normalizeMailbox spells INBOX (and INBOX/ prefixes) in upper case.
func normalizeMailbox(name string) string {
	if strings.EqualFold(name, mailstore.InboxName) {
		return mailstore.InboxName
	}
	if len(name) > 6 && strings.EqualFold(name[:6], "INBOX/") {
		return mailstore.InboxName + name[5:]
	}
	return name
}

func parseMailboxArg(p *parser) (any, error) {
	if err := p.d.SP(); err != nil {
		return nil, err
	}
	return p.mailbox()
}

func parseAStringArg(p *parser) (any, error) {
	if err := p.d.SP(); err != nil {
		return nil, err
	}
	return p.d.AString()
}

func parseOneAtom(p *parser) (any, error) {
	if err := p.d.SP(); err != nil {
		return nil, err
	}
	return p.d.Atom()
}

// parseAtoms reads one or more space-separated atoms.
func parseAtoms(p *parser) (any, error) {
	var out []string
	for !p.d.AtEOL() {
		if err := p.d.SP(); err != nil {
			return nil, err
		}
		a, err := p.d.Atom()
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	if len(out) == 0 {
		return nil, &wire.SyntaxError{Msg: "missing argument"}
	}
	return out, nil
}

// parseSeqSetArg reads a sequence set token.
func (p *parser) seqSet() (wire.SeqSet, error) {
	tok, err := p.d.Token()
	if err != nil {
		return wire.SeqSet{}, err
	}
	return wire.ParseSeqSet(tok)
}
