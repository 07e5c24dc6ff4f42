package jmap

import (
	"strings"

	"github.com/bulwarkmail/bulwark/store"
)

// Blob ids: "G" and the SHA-256 of a stored blob (whole messages,
// uploads), or "P", an email id, "_" and a partId for one body part,
// served decoded.
func blobIDOf(h store.Hash) string { return "G" + h.String() }

func partBlobID(emailID, partID string) string { return "P" + emailID + "_" + partID }

func parseBlobID(id string) (h store.Hash, emailID, partID string, ok bool) {
	switch {
	case strings.HasPrefix(id, "G"):
		h, err := store.ParseHash(id[1:])
		return h, "", "", err == nil
	case strings.HasPrefix(id, "P"):
		e, p, found := strings.Cut(id[1:], "_")
		return store.Hash{}, e, p, found && e != "" && p != ""
	}
	return store.Hash{}, "", "", false
}
