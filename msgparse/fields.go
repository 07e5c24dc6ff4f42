package msgparse

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
)

// Field is one header field as stored: Name as written and Value in the
// raw form of RFC 8621 section 4.1.2.1 (everything after the colon, folding
// line breaks kept, the final line break removed).
type Field struct {
	Name, Value string
}

// ReadFields reads the header fields of a part (for the top level, of the
// message) from the raw message, in order, for JMAP "headers" and
// "header:" properties and for IMAP HEADER.FIELDS. Lines that are not
// fields are skipped. It reads at most maxBytes of header (<= 0: all).
func (p *Part) ReadFields(raw io.ReaderAt, maxBytes int64) ([]Field, error) {
	off, n := p.MIMERange()
	if maxBytes > 0 && n > maxBytes {
		n = maxBytes
	}
	br := bufio.NewReader(io.NewSectionReader(raw, off, n))
	var fields []Field
	var cur *Field
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			switch {
			case line[0] == ' ' || line[0] == '\t':
				if cur != nil {
					cur.Value += string(line)
				}
			default:
				if name, rest, ok := fieldName(line); ok {
					fields = append(fields, Field{Name: string(name), Value: string(rest)})
					cur = &fields[len(fields)-1]
				} else {
					cur = nil
				}
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return fields, fmt.Errorf("read header fields: %w", err)
		}
	}
	for i := range fields {
		fields[i].Value = string(bytes.TrimRight([]byte(fields[i].Value), "\r\n"))
	}
	return fields, nil
}
