package jmap

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"

	"io"
	"unicode/utf8"
)

// blobUploadArgs are the arguments of Blob/upload (RFC 9404 section 4.1).
type blobUploadArgs struct {
	AccountID string `json:"accountId"`
	Create    map[string]struct {
		Data []struct {
			AsText   *string `json:"data:asText"`
			AsBase64 *string `json:"data:asBase64"`
			BlobID   string  `json:"blobId"`
			Offset   int64   `json:"offset"`
			Length   *int64  `json:"length"`
		} `json:"data"`
		Type string `json:"type"`
	} `json:"create"`
}

// blobUpload answers Blob/upload: each blob is the concatenation of text,
// base64 data and ranges of other blobs.
func (c *call) blobUpload() (any, error) {
	var a blobUploadArgs
	if err := c.decode(&a); err != nil {
		return nil, err
	}
	acct, err := c.account(a.AccountID)
	if err != nil {
		return nil, err
	}
	if err := c.checkSetLimit(len(a.Create)); err != nil {
		return nil, err
	}
	created, notCreated := map[string]any{}, map[string]*SetError{}
	for cid, cr := range a.Create {
		var buf bytes.Buffer
		var serr *SetError
		for _, d := range cr.Data {
			if serr = c.appendSource(acct, &buf, d.AsText, d.AsBase64, d.BlobID,
				d.Offset, d.Length); serr != nil {
				break
			}
		}
		if serr == nil && int64(buf.Len()) > c.h.opts.MaxSizeUpload {
			serr = setErr(SetErrTooLarge, "")
		}
		if serr != nil {
			notCreated[cid] = serr
			continue
		}
		h, n, err := c.h.opts.Blobs.Put(c.ctx, &buf)
		if err != nil {
			return nil, err
		}
		typ := cr.Type
		if typ == "" {
			typ = "application/octet-stream"
		}
		if err := c.h.data.putUpload(c.ctx, acct, h, upload{Type: typ, Size: n}); err != nil {
			return nil, err
		}
		c.addCreated(cid, blobIDOf(h))
		created[cid] = map[string]any{"id": blobIDOf(h), "type": typ, "size": n}
	}
	return map[string]any{"accountId": a.AccountID, "created": created,
		"notCreated": notCreated}, nil
}

func (c *call) appendSource(acct string, buf *bytes.Buffer, text, b64 *string,
	blobID string, off int64, length *int64) *SetError {
	switch {
	case text != nil:
		buf.WriteString(*text)
	case b64 != nil:
		b, err := base64.StdEncoding.DecodeString(*b64)
		if err != nil {
			return setErr(SetErrInvalidProps, "bad base64", "data")
		}
		buf.Write(b)
	default:
		id, _ := c.resolveID(blobID)
		rc, err := c.h.openBlob(c.ctx, acct, id)
		if err != nil {
			return setErr(SetErrBlobNotFound, blobID)
		}
		defer rc.Close()
		if _, err := io.CopyN(io.Discard, rc, off); err != nil {
			return setErr(SetErrInvalidProps, "offset past the end", "data")
		}
		var r io.Reader = rc
		if length != nil {
			r = io.LimitReader(rc, *length)
		}
		if _, err := io.Copy(buf, io.LimitReader(r, c.h.opts.MaxSizeUpload+1)); err != nil {
			return setErr(SetErrBlobNotFound, blobID)
		}
	}
	return nil
}

// blobGet answers Blob/get (RFC 9404 section 4.2) with the properties
// data:asText, data:asBase64, data, size and digest:sha-256, over an
// optional offset and length.
func (c *call) blobGet() (any, error) {
	var a struct {
		AccountID  string    `json:"accountId"`
		IDs        []string  `json:"ids"`
		Properties *[]string `json:"properties"`
		Offset     int64     `json:"offset"`
		Length     *int64    `json:"length"`
	}
	if err := c.decode(&a); err != nil {
		return nil, err
	}
	acct, err := c.account(a.AccountID)
	if err != nil {
		return nil, err
	}
	if err := c.checkGetLimit(len(a.IDs)); err != nil {
		return nil, err
	}
	props := []string{"data", "size"}
	if a.Properties != nil {
		props = *a.Properties
	}
	list, notFound := []any{}, []string{}
	for _, id := range a.IDs {
		id, _ = c.resolveID(id)
		data, size, err := c.readBlobRange(acct, id, a.Offset, a.Length)
		if err != nil {
			notFound = append(notFound, id)
			continue
		}
		list = append(list, blobObject(id, data, size, props))
	}
	return map[string]any{"accountId": a.AccountID, "list": list, "notFound": notFound}, nil
}

func (c *call) readBlobRange(acct, id string, off int64, length *int64) ([]byte, int64,
	error) {
	rc, err := c.h.openBlob(c.ctx, acct, id)
	if err != nil {
		return nil, 0, err
	}
	defer rc.Close()
	all, err := io.ReadAll(io.LimitReader(rc, c.h.opts.MaxSizeUpload+1))
	if err != nil {
		return nil, 0, err
	}
	size := int64(len(all))
	data := all[min(off, size):]
	if length != nil && *length < int64(len(data)) {
		data = data[:max(0, *length)]
	}
	return data, size, nil
}

func blobObject(id string, data []byte, size int64, props []string) map[string]any {
	o := map[string]any{"id": id}
	for _, p := range props {
		switch p {
		case "size":
			o[p] = size
		case "digest:sha-256":
			sum := sha256.Sum256(data)
			o[p] = base64.StdEncoding.EncodeToString(sum[:])
		case "data:asBase64":
			o[p] = base64.StdEncoding.EncodeToString(data)
		case "data:asText", "data":
			if utf8.Valid(data) {
				o["data:asText"] = string(data)
			} else if p == "data" {
				o["data:asBase64"] = base64.StdEncoding.EncodeToString(data)
			} else {
				o["data:asText"] = nil
				o["isEncodingProblem"] = true
			}
		}
	}
	return o
}
