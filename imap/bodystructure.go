package imap

import (
	"sort"
	"strings"

	"github.com/bulwarkmail/bulwark/imap/internal/wire"
	"github.com/bulwarkmail/bulwark/msgparse"
)

// writeEnvelope writes an ENVELOPE (RFC 9051 section 7.5.2). Sender and
// Reply-To default to From when absent.
func writeEnvelope(e *wire.Encoder, m *msgparse.Message) {
	if m == nil {
		e.Raw("(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)")
		return
	}
	env := &m.Envelope
	e.Byte('(')
	e.NString(env.Date).SP()
	e.NString(env.Subject).SP()
	writeAddresses(e, env.From)
	e.SP()
	if len(env.Sender) > 0 {
		writeAddresses(e, env.Sender)
	} else {
		writeAddresses(e, env.From)
	}
	e.SP()
	if len(env.ReplyTo) > 0 {
		writeAddresses(e, env.ReplyTo)
	} else {
		writeAddresses(e, env.From)
	}
	e.SP()
	writeAddresses(e, env.To)
	e.SP()
	writeAddresses(e, env.Cc)
	e.SP()
	writeAddresses(e, env.Bcc)
	e.SP()
	e.NString(env.InReplyTo).SP()
	e.NString(env.MessageID)
	e.Byte(')')
}

func writeAddresses(e *wire.Encoder, list []msgparse.Address) {
	// An entry with neither mailbox nor host (a lone comment) is no
	// address at all.
	kept := list[:0:0]
	for _, a := range list {
		if a.Kind != msgparse.KindMailbox || a.Mailbox != "" || a.Host != "" {
			kept = append(kept, a)
		}
	}
	list = kept
	if len(list) == 0 {
		e.NIL()
		return
	}
	e.Byte('(')
	for _, a := range list {
		e.Byte('(')
		switch a.Kind {
		case msgparse.KindGroupStart:
			e.Raw("NIL NIL ").NString(a.Mailbox).Raw(" NIL")
		case msgparse.KindGroupEnd:
			e.Raw("NIL NIL NIL NIL")
		default:
			e.NString(a.Name).SP().NString(a.Route).SP()
			e.NString(a.Mailbox).SP()
			if a.Host == "" {
				e.Quoted("")
			} else {
				e.String(a.Host)
			}
		}
		e.Byte(')')
	}
	e.Byte(')')
}

// writeBodyStructure writes BODY (ext false) or BODYSTRUCTURE (ext true)
// of a part (RFC 9051 section 7.5.2, "body" in section 9).
func writeBodyStructure(e *wire.Encoder, p *msgparse.Part, ext bool) {
	if p == nil {
		e.Raw(`("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 0 0)`)
		return
	}
	e.Byte('(')
	if p.IsMultipart() {
		if len(p.Children) == 0 {
			// An empty multipart is shown as an empty text part.
			e.Raw(`"TEXT" "PLAIN" NIL NIL NIL "7BIT" 0 0)`)
			return
		}
		for _, c := range p.Children {
			writeBodyStructure(e, c, ext)
		}
		e.SP().String(strings.ToUpper(p.Subtype))
		if ext {
			e.SP()
			writeParams(e, p.Params)
			e.SP()
			writeExtTail(e, p)
		}
		e.Byte(')')
		return
	}
	e.String(strings.ToUpper(p.Type)).SP().String(strings.ToUpper(p.Subtype)).SP()
	writeParams(e, p.Params)
	e.SP().NString(p.ID).SP().NString(p.Description).SP()
	enc := strings.ToUpper(p.Encoding)
	if enc == "" {
		enc = "7BIT"
	}
	e.String(enc).SP().Number64(uint64(max(p.Size, 0)))
	switch {
	case p.Message != nil && (p.Type == "message" &&
		(p.Subtype == "rfc822" || p.Subtype == "global")):
		e.SP()
		writeEnvelope(e, p.Message)
		e.SP()
		writeBodyStructure(e, p.Message.Root, ext)
		e.SP().Number64(uint64(max(p.Lines, 0)))
	case p.Type == "text":
		e.SP().Number64(uint64(max(p.Lines, 0)))
	}
	if ext {
		e.SP().NString(p.MD5).SP()
		writeExtTail(e, p)
	}
	e.Byte(')')
}

// writeExtTail writes body-fld-dsp SP body-fld-lang SP body-fld-loc.
func writeExtTail(e *wire.Encoder, p *msgparse.Part) {
	if p.Disposition == "" {
		e.NIL()
	} else {
		e.Byte('(').String(strings.ToUpper(p.Disposition)).SP()
		writeParams(e, p.DispositionParams)
		e.Byte(')')
	}
	e.SP()
	switch len(p.Language) {
	case 0:
		e.NIL()
	case 1:
		e.String(p.Language[0])
	default:
		e.Byte('(')
		for i, l := range p.Language {
			if i > 0 {
				e.SP()
			}
			e.String(l)
		}
		e.Byte(')')
	}
	e.SP().NString(p.Location)
}

// writeParams writes a body-fld-param list, names upper-cased and sorted.
func writeParams(e *wire.Encoder, params map[string]string) {
	if len(params) == 0 {
		e.NIL()
		return
	}
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	e.Byte('(')
	for i, k := range keys {
		if i > 0 {
			e.SP()
		}
		e.String(strings.ToUpper(k)).SP().String(params[k])
	}
	e.Byte(')')
}
