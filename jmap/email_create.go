package jmap

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"sort"
	"strings"
	"time"
)

// emailCreate is the subset of Email properties Email/set create reads
// (RFC 8621 section 4.6): headers as properties, and the text and HTML
// bodies by partId into bodyValues.
type emailCreate struct {
	// Headers holds "header:Name[:asRaw|:asText]" properties, written as
	// given (RFC 8621 section 4.6).
	Headers    [][2]string          `json:"-"`
	MailboxIDs map[string]bool      `json:"mailboxIds"`
	Keywords   map[string]bool      `json:"keywords"`
	ReceivedAt *time.Time           `json:"receivedAt"`
	From       []emailAddress       `json:"from"`
	To         []emailAddress       `json:"to"`
	Cc         []emailAddress       `json:"cc"`
	Bcc        []emailAddress       `json:"bcc"`
	ReplyTo    []emailAddress       `json:"replyTo"`
	Subject    string               `json:"subject"`
	MessageID  []string             `json:"messageId"`
	InReplyTo  []string             `json:"inReplyTo"`
	References []string             `json:"references"`
	SentAt     *time.Time           `json:"sentAt"`
	TextBody   []createPart         `json:"textBody"`
	HTMLBody   []createPart         `json:"htmlBody"`
	BodyValues map[string]bodyValue `json:"bodyValues"`
	Structure  *createPart          `json:"bodyStructure"`
	// Attachments name blobs, by blobId, type, name, disposition and cid.
	Attachments []createPart `json:"attachments"`
}

type createPart struct {
	PartID      string `json:"partId"`
	Type        string `json:"type"`
	BlobID      string `json:"blobId"`
	Name        string `json:"name"`
	Disposition string `json:"disposition"`
	CID         string `json:"cid"`
}

// loadAttachments reads the blobs of the attachments, each at most
// MaxSizeUpload octets.
func (c *call) loadAttachments(acct string, parts []createPart) ([]attachment, error) {
	var out []attachment
	for _, p := range parts {
		rc, err := c.h.openBlob(c.ctx, acct, p.BlobID)
		if err != nil {
			return nil, setErr(SetErrBlobNotFound, p.BlobID, "attachments")
		}
		data, err := io.ReadAll(io.LimitReader(rc, c.h.opts.MaxSizeUpload+1))
		rc.Close()
		if err != nil {
			return nil, err
		}
		if int64(len(data)) > c.h.opts.MaxSizeUpload {
			return nil, setErr(SetErrTooLarge, "attachment too large", "attachments")
		}
		out = append(out, attachment{typ: p.Type, name: p.Name, disposition: p.Disposition,
			cid: p.CID, data: data})
	}
	return out, nil
}

func (c *call) createEmail(acct string, raw json.RawMessage) (map[string]any, error) {
	var ec emailCreate
	if err := json.Unmarshal(raw, &ec); err != nil {
		return nil, setErr(SetErrInvalidProps, err.Error())
	}
	if len(ec.MailboxIDs) == 0 {
		return nil, setErr(SetErrInvalidProps, "mailboxIds required", "mailboxIds")
	}
	if err := ec.readHeaders(raw); err != nil {
		return nil, err
	}
	atts, err := c.loadAttachments(acct, ec.Attachments)
	if err != nil {
		return nil, err
	}
	msg, err := composeMessage(&ec, time.Now(), atts)
	if err != nil {
		return nil, err
	}
	h, _, err := c.h.opts.Blobs.Put(c.ctx, bytes.NewReader(msg))
	if err != nil {
		return nil, err
	}
	im := emailImport{BlobID: blobIDOf(h), MailboxIDs: ec.MailboxIDs, Keywords: ec.Keywords,
		ReceivedAt: ec.ReceivedAt}
	if err := c.h.data.putUpload(c.ctx, acct, h, upload{Type: "message/rfc822",
		Size: int64(len(msg))}); err != nil {
		return nil, err
	}
	return c.importOne(acct, im)
}

func formatAddrs(list []emailAddress) string {
	out := make([]string, len(list))
	for i, a := range list {
		if a.Name != nil && *a.Name != "" {
			out[i] = mime.QEncoding.Encode("utf-8", *a.Name) + " <" + a.Email + ">"
		} else {
			out[i] = a.Email
		}
	}
	return strings.Join(out, ", ")
}

func angle(ids []string) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = "<" + id + ">"
	}
	return strings.Join(out, " ")
}

// composeMessage writes an RFC 5322 message from the created properties.
func composeMessage(ec *emailCreate, now time.Time, atts []attachment) ([]byte, error) {
	var b bytes.Buffer
	hdr := func(name, val string) {
		if val != "" {
			fmt.Fprintf(&b, "%s: %s\r\n", name, val)
		}
	}
	hdr("From", formatAddrs(ec.From))
	hdr("To", formatAddrs(ec.To))
	hdr("Cc", formatAddrs(ec.Cc))
	hdr("Bcc", formatAddrs(ec.Bcc))
	hdr("Reply-To", formatAddrs(ec.ReplyTo))
	hdr("Subject", mime.QEncoding.Encode("utf-8", ec.Subject))
	date := now
	if ec.SentAt != nil {
		date = *ec.SentAt
	}
	hdr("Date", date.Format(time.RFC1123Z))
	hdr("Message-ID", angle(ec.MessageID))
	hdr("In-Reply-To", angle(ec.InReplyTo))
	hdr("References", angle(ec.References))
	for _, h := range ec.Headers {
		fmt.Fprintf(&b, "%s:%s\r\n", h[0], h[1])
	}
	hdr("MIME-Version", "1.0")
	text, html, err := ec.bodies()
	if err != nil {
		return nil, err
	}
	if len(atts) == 0 {
		writeBody(&b, text, html)
		return b.Bytes(), nil
	}
	const bd = "=_mixed_boundary_0"
	hdr("Content-Type", `multipart/mixed; boundary="`+bd+`"`)
	b.WriteString("\r\n--" + bd + "\r\n")
	writeBody(&b, text, html)
	for _, a := range atts {
		b.WriteString("\r\n--" + bd + "\r\n")
		writeAttachment(&b, a)
	}
	b.WriteString("\r\n--" + bd + "--\r\n")
	return b.Bytes(), nil
}

// writeBody writes the Content-Type and the text and HTML bodies, as
// multipart/alternative when both are given.
func writeBody(b *bytes.Buffer, text, html string) {
	switch {
	case html != "" && text != "":
		const bd = "=_alt_boundary_0"
		b.WriteString(`Content-Type: multipart/alternative; boundary="` + bd + "\"\r\n")
		b.WriteString("\r\n--" + bd + "\r\n")
		writeTextPart(b, "plain", text)
		b.WriteString("\r\n--" + bd + "\r\n")
		writeTextPart(b, "html", html)
		b.WriteString("\r\n--" + bd + "--\r\n")
	case html != "":
		writeTextPart(b, "html", html)
	default:
		writeTextPart(b, "plain", text)
	}
}

// attachment is a part of a created email taken from a blob.
type attachment struct {
	typ, name, disposition, cid string
	data                        []byte
}

func writeAttachment(b *bytes.Buffer, a attachment) {
	params := map[string]string{}
	if a.name != "" {
		params["name"] = a.name
	}
	typ := mime.FormatMediaType(a.typ, params)
	if typ == "" {
		typ = "application/octet-stream"
	}
	disp := a.disposition
	if disp == "" {
		disp = "attachment"
	}
	dparams := map[string]string{}
	if a.name != "" {
		dparams["filename"] = a.name
	}
	fmt.Fprintf(b, "Content-Type: %s\r\n", typ)
	fmt.Fprintf(b, "Content-Disposition: %s\r\n", mime.FormatMediaType(disp, dparams))
	if a.cid != "" {
		fmt.Fprintf(b, "Content-ID: <%s>\r\n", a.cid)
	}
	b.WriteString("Content-Transfer-Encoding: base64\r\n\r\n")
	enc := base64.StdEncoding.EncodeToString(a.data)
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
}

func (ec *emailCreate) bodies() (text, html string, err error) {
	val := func(parts []createPart) (string, error) {
		if len(parts) == 0 {
			return "", nil
		}
		v, ok := ec.BodyValues[parts[0].PartID]
		if !ok {
			return "", setErr(SetErrInvalidProps, "no body value "+parts[0].PartID,
				"bodyValues")
		}
		return v.Value, nil
	}
	if text, err = val(ec.TextBody); err != nil {
		return "", "", err
	}
	if html, err = val(ec.HTMLBody); err != nil {
		return "", "", err
	}
	if ec.Structure != nil && text == "" && html == "" {
		v, ok := ec.BodyValues[ec.Structure.PartID]
		if !ok {
			return "", "", setErr(SetErrInvalidProps, "bodyStructure", "bodyStructure")
		}
		if ec.Structure.Type == "text/html" {
			return "", v.Value, nil
		}
		return v.Value, "", nil
	}
	return text, html, nil
}

func writeTextPart(b *bytes.Buffer, sub, text string) {
	fmt.Fprintf(b, "Content-Type: text/%s; charset=utf-8\r\n", sub)
	b.WriteString("Content-Transfer-Encoding: quoted-printable\r\n\r\n")
	w := quotedprintable.NewWriter(b)
	_, _ = w.Write([]byte(strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"),
		"\n", "\r\n")))
	_ = w.Close()
}

// readHeaders collects the header:{name}[:asText|:asRaw] properties of a
// create. Other forms, and names with characters outside RFC 5322
// field names, are refused.
func (ec *emailCreate) readHeaders(raw json.RawMessage) error {
	var all map[string]json.RawMessage
	if err := json.Unmarshal(raw, &all); err != nil {
		return setErr(SetErrInvalidProps, err.Error())
	}
	for k, v := range all {
		rest, ok := strings.CutPrefix(k, "header:")
		if !ok {
			continue
		}
		name, form, _ := strings.Cut(rest, ":")
		var val string
		if err := json.Unmarshal(v, &val); err != nil || !validFieldName(name) ||
			(form != "" && form != "asText" && form != "asRaw") ||
			strings.ContainsAny(val, "\r\n") {
			return setErr(SetErrInvalidProps, "unsupported header property", k)
		}
		// Without a form the value is raw (RFC 8621 section 4.1.3).
		if form == "asText" {
			val = " " + mime.QEncoding.Encode("utf-8", val)
		}
		ec.Headers = append(ec.Headers, [2]string{name, val})
	}
	sort.Slice(ec.Headers, func(i, j int) bool { return ec.Headers[i][0] < ec.Headers[j][0] })
	return nil
}

// validFieldName checks an RFC 5322 section 3.6.8 field name.
func validFieldName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 33 || c > 126 || c == ':' {
			return false
		}
	}
	return true
}
