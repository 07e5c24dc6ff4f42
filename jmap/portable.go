package jmap

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/bulwarkmail/bulwark/store"
)

// MaxPortableIdentities bounds the identities ImportAccountData takes
// for one account.
const MaxPortableIdentities = 1000

// maxPortableRecord bounds the JSON of one imported identity or vacation
// response, in octets.
const maxPortableRecord = 1 << 20

// ErrBadAccountData is returned by ImportAccountData for an identity or
// vacation response that is not a valid JMAP object.
var ErrBadAccountData = errors.New("jmap: malformed account data")

// AccountData is what a Handler keeps for an account beyond mailstore and
// moves with it to another server: its identities (RFC 8621 section 6)
// and its vacation response (RFC 8621 section 8), each as the JSON object
// JMAP serves.
type AccountData struct {
	// Identities are Identity objects, ids included; empty when the
	// account never used one (they are then made from its addresses on
	// first use).
	Identities []json.RawMessage
	// Vacation is the VacationResponse object, nil when never set.
	Vacation json.RawMessage
}

// ExportAccountData reads the identities and vacation response a Handler
// keeps for an account in kv (Options.KV), for package migrate.
func ExportAccountData(ctx context.Context, kv store.KV, account string) (AccountData, error) {
	d := &data{kv: kv}
	var out AccountData
	raw, err := d.list(ctx, account, typeIdentity)
	if err != nil {
		return out, fmt.Errorf("export identities of %s: %w", account, err)
	}
	ids := make([]string, 0, len(raw))
	for id := range raw {
		ids = append(ids, id)
	}
	sortIDs(ids)
	for _, id := range ids {
		out.Identities = append(out.Identities, raw[id])
	}
	var v json.RawMessage
	ok, err := d.get(ctx, account, typeVacation, "singleton", &v)
	if err != nil {
		return out, fmt.Errorf("export vacation response of %s: %w", account, err)
	}
	if ok {
		out.Vacation = v
	}
	return out, nil
}

// sortIDs orders identity ids by the number they were drawn with, ids
// not drawn here last, as strings.
func sortIDs(ids []string) {
	num := func(id string) uint64 {
		if len(id) < 2 || id[0] != 'i' {
			return math.MaxUint64
		}
		n, err := strconv.ParseUint(id[1:], 36, 64)
		if err != nil {
			return math.MaxUint64
		}
		return n
	}
	slices.SortFunc(ids, func(a, b string) int {
		return cmp.Or(cmp.Compare(num(a), num(b)), cmp.Compare(a, b))
	})
}

// ImportAccountData writes identities and a vacation response exported
// by ExportAccountData into kv for an account. Identities keep their ids
// (the counter new ids are drawn from moves past them) and replace one of
// the same id; each write moves the type's state and is logged, as
// Identity/set and VacationResponse/set do (RFC 8620 section 5.3). An
// object that is not valid JSON of its type, an identity without id or
// email, or more than MaxPortableIdentities, is ErrBadAccountData and
// nothing is written.
func ImportAccountData(ctx context.Context, kv store.KV, account string, in AccountData) error {
	idents, vac, err := checkAccountData(in)
	if err != nil {
		return fmt.Errorf("import account data of %s: %w", account, err)
	}
	d := &data{kv: kv}
	for _, ident := range idents {
		if err := d.put(ctx, account, typeIdentity, ident.ID, ident); err != nil {
			return fmt.Errorf("import identity %s of %s: %w", ident.ID, account, err)
		}
		if err := raiseIDCounter(ctx, kv, account, ident.ID); err != nil {
			return fmt.Errorf("import identity %s of %s: %w", ident.ID, account, err)
		}
	}
	if vac != nil {
		if err := d.put(ctx, account, typeVacation, "singleton", vac); err != nil {
			return fmt.Errorf("import vacation response of %s: %w", account, err)
		}
	}
	return nil
}

// checkAccountData decodes and checks everything before anything is
// written.
func checkAccountData(in AccountData) ([]identity, *vacationResponse, error) {
	if len(in.Identities) > MaxPortableIdentities {
		return nil, nil, fmt.Errorf("%d identities: %w", len(in.Identities), ErrBadAccountData)
	}
	var idents []identity
	for _, raw := range in.Identities {
		ident := identity{ReplyTo: json.RawMessage("null"), Bcc: json.RawMessage("null")}
		if len(raw) > maxPortableRecord || json.Unmarshal(raw, &ident) != nil ||
			!validPortableID(ident.ID) || ident.Email == "" {
			return nil, nil, fmt.Errorf("identity: %w", ErrBadAccountData)
		}
		idents = append(idents, ident)
	}
	if len(in.Vacation) == 0 || string(in.Vacation) == "null" {
		return idents, nil, nil
	}
	vac := &vacationResponse{}
	if len(in.Vacation) > maxPortableRecord || json.Unmarshal(in.Vacation, vac) != nil {
		return nil, nil, fmt.Errorf("vacation response: %w", ErrBadAccountData)
	}
	vac.ID = "singleton"
	return idents, vac, nil
}

// validPortableID accepts a JMAP Id (RFC 8620 section 1.2): 1 to 255
// characters of the URL-safe base64 alphabet.
func validPortableID(id string) bool {
	if id == "" || len(id) > 255 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// raiseIDCounter moves the counter identity ids are drawn from past the
// number an imported id was drawn with, so that no new identity gets it.
func raiseIDCounter(ctx context.Context, kv store.KV, account, id string) error {
	if len(id) < 2 || id[0] != 'i' {
		return nil
	}
	n, err := strconv.ParseUint(id[1:], 36, 64)
	if err != nil {
		return nil
	}
	return kv.Update(ctx, func(tx store.Tx) error {
		k := objKey(account, typeIdentity, "id")
		cur, err := tx.Counter(spaceCounter, k)
		if err != nil || n <= cur {
			return err
		}
		_, err = tx.Add(spaceCounter, k, n-cur)
		return err
	})
}
