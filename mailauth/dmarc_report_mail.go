package mailauth

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"strings"

	"github.com/emersion/go-message"
)

// maxReportSize bounds an aggregate report, compressed or not.
const maxReportSize = 32 << 20

// ParseReportMessage reads a DMARC aggregate report e-mail (RFC 7489,
// section 7.2.1.1) and returns the reports attached to it: XML documents
// as is, gzip-compressed or in a zip archive.
func ParseReportMessage(r io.Reader) ([]*AggregateReport, error) {
	e, err := message.Read(io.LimitReader(r, 2*maxReportSize))
	if err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
		return nil, fmt.Errorf("read report message: %w", err)
	}
	var reports []*AggregateReport
	err = e.Walk(func(_ []int, part *message.Entity, err error) error {
		if err != nil && !message.IsUnknownCharset(err) {
			return err
		}
		kind := reportKind(part)
		if kind == "" {
			return nil
		}
		rep, err := readReport(part.Body, kind)
		if err != nil {
			return err
		}
		reports = append(reports, rep...)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read report message: %w", err)
	}
	if len(reports) == 0 {
		return nil, fmt.Errorf("read report message: no aggregate report attached")
	}
	return reports, nil
}

// reportKind tells "xml", "gzip" or "zip" from a part's type and name.
func reportKind(part *message.Entity) string {
	t, params, _ := part.Header.ContentType()
	_, dparams, _ := part.Header.ContentDisposition()
	name := strings.ToLower(params["name"] + " " + dparams["filename"])
	switch {
	case strings.HasPrefix(t, "multipart/"):
		return ""
	case strings.Contains(t, "gzip") || strings.Contains(name, ".gz"):
		return "gzip"
	case strings.Contains(t, "zip") || strings.Contains(name, ".zip"):
		return "zip"
	case strings.HasSuffix(t, "/xml") || strings.Contains(name, ".xml"):
		return "xml"
	}
	return ""
}

func readReport(body io.Reader, kind string) ([]*AggregateReport, error) {
	switch kind {
	case "gzip":
		z, err := gzip.NewReader(body)
		if err != nil {
			return nil, fmt.Errorf("gunzip report: %w", err)
		}
		defer z.Close()
		rep, err := ParseAggregateReport(io.LimitReader(z, maxReportSize))
		return []*AggregateReport{rep}, err
	case "zip":
		data, err := io.ReadAll(io.LimitReader(body, maxReportSize))
		if err != nil {
			return nil, err
		}
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return nil, fmt.Errorf("unzip report: %w", err)
		}
		var out []*AggregateReport
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				return nil, fmt.Errorf("unzip report: %w", err)
			}
			rep, err := ParseAggregateReport(io.LimitReader(rc, maxReportSize))
			rc.Close()
			if err != nil {
				return nil, err
			}
			out = append(out, rep)
		}
		return out, nil
	}
	rep, err := ParseAggregateReport(body)
	return []*AggregateReport{rep}, err
}
