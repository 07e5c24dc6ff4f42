package jmap

import (
	"encoding/json"
	"html"
	"strings"
	"unicode"

	"github.com/bulwarkmail/bulwark/mailstore"
)

// searchSnippetGet answers SearchSnippet/get (RFC 8621 section 5.1): the
// subject and preview with the words of the filter's text, body and
// subject conditions marked.
func (c *call) searchSnippetGet() (any, error) {
	var a struct {
		AccountID string          `json:"accountId"`
		Filter    json.RawMessage `json:"filter"`
		EmailIDs  []string        `json:"emailIds"`
	}
	if err := c.decode(&a); err != nil {
		return nil, err
	}
	acct, err := c.account(a.AccountID)
	if err != nil {
		return nil, err
	}
	if err := c.checkGetLimit(len(a.EmailIDs)); err != nil {
		return nil, err
	}
	f, err := c.toFilter(a.Filter, 0)
	if err != nil {
		return nil, err
	}
	words := filterWords(f)
	ids := make([]mailstore.EmailID, len(a.EmailIDs))
	for i, id := range a.EmailIDs {
		ids[i] = mailstore.EmailID(id)
	}
	emails, err := c.h.ms.Emails(c.ctx, acct, ids)
	if err != nil {
		return nil, err
	}
	list, notFound := []any{}, []string{}
	for i, e := range emails {
		if e == nil || e.Parsed == nil {
			notFound = append(notFound, string(ids[i]))
			continue
		}
		list = append(list, map[string]any{"emailId": string(e.ID),
			"subject": highlight(e.Parsed.Subject, words),
			"preview": highlight(e.Parsed.Preview, words)})
	}
	return map[string]any{"accountId": a.AccountID, "list": list, "notFound": notFound}, nil
}

func filterWords(f *mailstore.Filter) []string {
	if f == nil || f.Operator == mailstore.FilterNot {
		return nil
	}
	var out []string
	for _, s := range []string{f.Text, f.Body, f.Subject} {
		out = append(out, strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsNumber(r)
		})...)
	}
	for _, sub := range f.Conditions {
		out = append(out, filterWords(sub)...)
	}
	return out
}

// highlight escapes s as HTML and wraps each word starting with one of
// words in <mark>; nil when nothing matched.
func highlight(s string, words []string) any {
	if len(words) == 0 || s == "" {
		return nil
	}
	var b strings.Builder
	matched := false
	rest := s
	for rest != "" {
		i := strings.IndexFunc(rest, func(r rune) bool {
			return unicode.IsLetter(r) || unicode.IsNumber(r)
		})
		if i < 0 {
			b.WriteString(html.EscapeString(rest))
			break
		}
		b.WriteString(html.EscapeString(rest[:i]))
		rest = rest[i:]
		j := strings.IndexFunc(rest, func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsNumber(r)
		})
		if j < 0 {
			j = len(rest)
		}
		word := rest[:j]
		lw := strings.ToLower(word)
		hit := false
		for _, w := range words {
			if strings.HasPrefix(lw, w) {
				hit = true
			}
		}
		if hit {
			matched = true
			b.WriteString("<mark>" + html.EscapeString(word) + "</mark>")
		} else {
			b.WriteString(html.EscapeString(word))
		}
		rest = rest[j:]
	}
	if !matched {
		return nil
	}
	return b.String()
}
