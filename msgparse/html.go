package msgparse

import (
	"strings"

	"golang.org/x/net/html"
)

// HTMLToText returns the text of an HTML document for search and previews:
// tags removed, character references decoded, script, style, head and
// title content dropped, and a line break at each block element.
func HTMLToText(s string) string {
	return htmlText(s, -1)
}

// htmlText is HTMLToText stopping once it has limit visible characters
// (limit < 0: no limit), so that a preview does not read a whole page.
func htmlText(s string, limit int) string {
	if s == "" {
		return ""
	}
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	skip, visible := 0, 0
	for limit < 0 || visible < limit {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return b.String()
		case html.TextToken:
			if skip == 0 {
				text := z.Text()
				b.Write(text)
				visible += countVisible(text)
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style", "head", "title":
				if tt == html.StartTagToken {
					skip++
				}
			default:
				if blockTags[string(name)] {
					b.WriteByte('\n')
				}
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style", "head", "title":
				if skip > 0 {
					skip--
				}
			default:
				if blockTags[string(name)] {
					b.WriteByte('\n')
				}
			}
		}
	}
	return b.String()
}

// countVisible counts the characters of b that are not white space.
func countVisible(b []byte) int {
	n := 0
	for _, c := range b {
		if c > ' ' && (c < 0x80 || c >= 0xC0) {
			n++
		}
	}
	return n
}

var blockTags = map[string]bool{
	"p": true, "div": true, "br": true, "li": true, "tr": true, "td": true,
	"th": true, "table": true, "h1": true, "h2": true, "h3": true, "h4": true,
	"h5": true, "h6": true, "blockquote": true, "pre": true, "hr": true,
	"ul": true, "ol": true, "section": true, "article": true,
}
