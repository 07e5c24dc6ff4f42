package migrate

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/bulwarkmail/bulwark/jmap"
)

// jmapJSON is accounts/<dir>/jmap.json: the account's identities (RFC
// 8621 section 6) and vacation response (RFC 8621 section 8) as JMAP
// serves them.
type jmapJSON struct {
	Identities []json.RawMessage `json:"identities"`
	Vacation   json.RawMessage   `json:"vacation,omitempty"`
}

// exportAccountData writes an account's identities and vacation
// response, when the source names the store the JMAP handler keeps.
func (e *exporter) exportAccountData(ctx context.Context, account, rel string) error {
	if e.src.KV == nil {
		return nil
	}
	d, err := jmap.ExportAccountData(ctx, e.src.KV, account)
	if err != nil {
		return err
	}
	out := jmapJSON{Identities: d.Identities, Vacation: d.Vacation}
	if out.Identities == nil {
		out.Identities = []json.RawMessage{}
	}
	return writeJSON(e.dir, filepath.Join(rel, jmapFile), out)
}

// importAccountData stores an account's identities and vacation response
// when the export has them.
func (im *importer) importAccountData(ctx context.Context, account, rel string) error {
	var in jmapJSON
	if err := readJSON(im.dir, filepath.Join(rel, jmapFile), &in, true); err != nil {
		return err
	}
	if in.Identities == nil && in.Vacation == nil {
		return nil
	}
	err := jmap.ImportAccountData(ctx, im.dst.KV, account,
		jmap.AccountData{Identities: in.Identities, Vacation: in.Vacation})
	if err != nil {
		return fmt.Errorf("identities and vacation: %w", err)
	}
	return nil
}
