package jmap

import (
	"strings"
	"time"

	"github.com/bulwarkmail/bulwark/msgparse"
)

// bodyPart renders an EmailBodyPart (RFC 8621 section 4.1.4) with the
// asked body properties.
func (b *emailBuilder) bodyPart(p *msgparse.Part) map[string]any {
	if p == nil {
		return nil
	}
	out := map[string]any{}
	for _, prop := range b.bprops {
		switch prop {
		case "partId":
			if p.IsMultipart() {
				out[prop] = nil
			} else {
				out[prop] = b.parts[p]
			}
		case "blobId":
			if p.IsMultipart() {
				out[prop] = nil
			} else {
				out[prop] = partBlobID(string(b.e.ID), b.parts[p])
			}
		case "size":
			out[prop] = p.Size
		case "name":
			out[prop] = strOrNil(p.Filename)
		case "type":
			out[prop] = p.MediaType()
		case "charset":
			if p.Type == "text" {
				out[prop] = p.Charset
			} else {
				out[prop] = nil
			}
		case "disposition":
			out[prop] = strOrNil(p.Disposition)
		case "cid":
			out[prop] = strOrNil(strings.Trim(p.ID, "<>"))
		case "language":
			out[prop] = nilIfEmpty(p.Language)
		case "location":
			out[prop] = strOrNil(p.Location)
		case "headers":
			h, _ := b.headers(p)
			out[prop] = h
		default:
			if strings.HasPrefix(prop, "header:") {
				out[prop], _ = b.headerProp(p, prop)
			}
		}
	}
	// The tree needs its branches whatever the body properties asked.
	if p.IsMultipart() {
		subs := make([]any, len(p.Children))
		for i, ch := range p.Children {
			subs[i] = b.bodyPart(ch)
		}
		out["subParts"] = subs
	}
	return out
}

func strOrNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (b *emailBuilder) partList(ps []*msgparse.Part) []any {
	out := make([]any, len(ps))
	for i, p := range ps {
		out[i] = b.bodyPart(p)
	}
	return out
}

type bodyValue struct {
	Value             string `json:"value"`
	IsEncodingProblem bool   `json:"isEncodingProblem"`
	IsTruncated       bool   `json:"isTruncated"`
}

// bodyValues reads the text of the parts the fetch*BodyValues arguments
// ask for (RFC 8621 section 4.2).
func (b *emailBuilder) bodyValues() (map[string]bodyValue, error) {
	out := map[string]bodyValue{}
	a := b.args
	var parts []*msgparse.Part
	switch {
	case a.FetchAllBodyValues:
		parts = append(append(parts, b.m.TextBody...), b.m.HTMLBody...)
	case a.FetchTextBodyValues && a.FetchHTMLBodyValues:
		parts = append(append(parts, b.m.TextBody...), b.m.HTMLBody...)
	case a.FetchTextBodyValues:
		parts = b.m.TextBody
	case a.FetchHTMLBodyValues:
		parts = b.m.HTMLBody
	}
	if a.FetchAllBodyValues && b.m.Root != nil {
		b.m.Root.Walk(func(p *msgparse.Part) bool {
			if p.Type == "text" {
				parts = append(parts, p)
			}
			return true
		})
	}
	max := a.MaxBodyValueBytes
	if max == 0 {
		max = b.c.h.opts.MaxBodyValueBytes
	}
	for _, p := range parts {
		id := b.parts[p]
		if _, done := out[id]; done || p.Type != "text" {
			continue
		}
		text, cut, err := p.ReadText(b.raw, max)
		if err != nil {
			return nil, err
		}
		out[id] = bodyValue{Value: text, IsTruncated: cut}
	}
	return out, nil
}

type header struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

func (b *emailBuilder) headers(p *msgparse.Part) ([]header, error) {
	fields, err := p.ReadFields(b.raw, 0)
	if err != nil {
		return nil, err
	}
	out := make([]header, len(fields))
	for i, f := range fields {
		out[i] = header{Name: f.Name, Value: f.Value}
	}
	return out, nil
}

// headerProp renders "header:{name}[:as{form}][:all]" (RFC 8621 section
// 4.1.3).
func (b *emailBuilder) headerProp(p *msgparse.Part, prop string) (any, error) {
	segs := strings.Split(prop, ":")
	if len(segs) < 2 || segs[1] == "" || len(segs) > 4 {
		return nil, invalidArgs("bad header property " + prop)
	}
	name, form, all := segs[1], "asRaw", false
	for _, s := range segs[2:] {
		switch {
		case s == "all":
			all = true
		case strings.HasPrefix(s, "as"):
			form = s
		default:
			return nil, invalidArgs("bad header property " + prop)
		}
	}
	fields, err := p.ReadFields(b.raw, 0)
	if err != nil {
		return nil, err
	}
	var vals []any
	for _, f := range fields {
		if strings.EqualFold(f.Name, name) {
			v, ok := headerForm(f.Value, form)
			if !ok {
				return nil, invalidArgs("bad header form " + form)
			}
			vals = append(vals, v)
		}
	}
	if all {
		if vals == nil {
			return []any{}, nil
		}
		return vals, nil
	}
	if len(vals) == 0 {
		return nil, nil
	}
	return vals[len(vals)-1], nil
}

// headerForm parses a raw header value into one of the forms of RFC 8621
// section 4.1.2.
func headerForm(raw, form string) (any, bool) {
	switch form {
	case "asRaw":
		return raw, true
	case "asText":
		return msgparse.DecodeHeader(unfold(raw)), true
	case "asAddresses":
		v := addresses(msgparse.ParseAddressList(unfold(raw)))
		if v == nil {
			return []emailAddress{}, true
		}
		return v, true
	case "asGroupedAddresses":
		v := addresses(msgparse.ParseAddressList(unfold(raw)))
		if v == nil {
			v = []emailAddress{}
		}
		return []any{map[string]any{"name": nil, "addresses": v}}, true
	case "asMessageIds":
		return nilIfEmpty(msgparse.ParseMessageIDs(raw)), true
	case "asDate":
		t, ok := msgparse.ParseDate(unfold(raw))
		if !ok {
			return nil, true
		}
		return t.Format(time.RFC3339), true
	case "asURLs":
		return nilIfEmpty(msgparse.ParseURLs(raw)), true
	}
	return nil, false
}

func unfold(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "")
	return strings.TrimSpace(strings.ReplaceAll(s, "\n", ""))
}
